//! Sending verification codes. The gateway depends on [`SmsSender`] only; an SMS provider's
//! client is one more implementation chosen in `svc.rs`.

use crate::config::SmsConf;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::io::AsyncWriteExt;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + 'static {
    fn send<'a>(&'a self, mobile: &'a str, code: &'a str) -> SendFuture<'a>;
}

/// The default: the code goes to the log (and to the outbox file when one is configured),
/// which is all a development machine has.
pub struct LogSender {
    outbox: Option<PathBuf>,
    /// Appends from concurrent requests must not interleave.
    lock: tokio::sync::Mutex<()>,
}

impl LogSender {
    pub fn new(conf: &SmsConf) -> Self {
        Self {
            outbox: conf.outbox.clone(),
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

impl SmsSender for LogSender {
    fn send<'a>(&'a self, mobile: &'a str, code: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(
                mobile = %user::account::mask(mobile),
                code,
                "verification code (no SMS provider configured: logged instead of sent)"
            );
            let Some(path) = &self.outbox else {
                return Ok(());
            };
            let _guard = self.lock.lock().await;
            if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(folder)
                    .await
                    .map_err(|e| format!("{}: {e}", folder.display()))?;
            }
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(format!("{mobile} {code}\n").as_bytes())
                .await
                .map_err(|e| format!("{}: {e}", path.display()))
        })
    }
}
