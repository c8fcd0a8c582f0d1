use super::batch::BatchWriter;
use super::format::Format;
use crate::conf::{ConfError, deserialize_duration};
use parking_lot::Mutex;
use serde::Deserialize;
use std::sync::OnceLock;
use std::time::Duration;
use tracing_appender::rolling;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogMode {
    /// Standard output (what containers collect).
    #[default]
    Console,
    /// Files under `path`, rotated by `rotation`.
    File,
}

/// How a log line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// One JSON object per line, for log collectors.
    #[default]
    Json,
    /// Human-readable text, for development.
    Plain,
}

/// When file logs start a new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    #[default]
    Daily,
    Hourly,
    Never,
}

/// Logging settings, after go-zero's `LogConf`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConf {
    /// Written into every JSON line as `service`; defaults to the server's name.
    pub service_name: String,
    pub mode: LogMode,
    pub encoding: Encoding,
    /// `trace`, `debug`, `info`, `warn`, `error` (go-zero's `severe` means `error`), or any
    /// `tracing` filter directive such as `info,sqlx=warn`. `RUST_LOG` overrides it.
    pub level: String,
    /// The folder of log files in file mode.
    pub path: String,
    pub rotation: Rotation,
    /// How many rotated files to keep in file mode (0 keeps all).
    pub max_files: usize,
    /// Requests slower than this are logged as slow, at `warn`.
    #[serde(deserialize_with = "deserialize_duration")]
    pub slow_threshold: Duration,
}

impl Default for LogConf {
    fn default() -> Self {
        Self {
            service_name: String::new(),
            mode: LogMode::Console,
            encoding: Encoding::Json,
            level: "info".to_owned(),
            path: "logs".to_owned(),
            rotation: Rotation::Daily,
            max_files: 0,
            slow_threshold: Duration::from_millis(500),
        }
    }
}

impl LogConf {
    /// The filter and the directives it was built from.
    fn filter(&self) -> Result<(EnvFilter, String), ConfError> {
        if let Ok(directives) = std::env::var(EnvFilter::DEFAULT_ENV)
            && let Ok(filter) = EnvFilter::try_new(&directives)
        {
            return Ok((filter, directives));
        }
        let level = if self.level.eq_ignore_ascii_case("severe") {
            "error"
        } else {
            self.level.as_str()
        };
        let filter = EnvFilter::try_new(level).map_err(|e| {
            ConfError::rule(
                "log.level",
                format!(
                    "invalid level {:?} ({e}); expected trace, debug, info, warn or error",
                    self.level
                ),
            )
        })?;
        Ok((filter, level.to_owned()))
    }
}

static WRITER: Mutex<Option<BatchWriter>> = Mutex::new(None);
static INSTALLED: OnceLock<()> = OnceLock::new();

/// Installs the process-wide log subscriber described by `conf`. The first call wins; later
/// calls (a second server in the same process) validate their config and change nothing.
pub fn setup(conf: &LogConf) -> Result<(), ConfError> {
    let (filter, directives) = conf.filter()?;
    // Only the REST server's access lines use them.
    #[cfg(not(feature = "rest"))]
    let _ = directives;
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let output: Box<dyn std::io::Write + Send> = match conf.mode {
        LogMode::Console => Box::new(std::io::stdout()),
        LogMode::File => {
            let rotation = match conf.rotation {
                Rotation::Daily => rolling::Rotation::DAILY,
                Rotation::Hourly => rolling::Rotation::HOURLY,
                Rotation::Never => rolling::Rotation::NEVER,
            };
            let prefix = if conf.service_name.is_empty() {
                "access".to_owned()
            } else {
                conf.service_name.clone()
            };
            let mut builder = rolling::Builder::new()
                .rotation(rotation)
                .filename_prefix(prefix)
                .filename_suffix("log");
            if conf.max_files > 0 {
                builder = builder.max_log_files(conf.max_files);
            }
            Box::new(builder.build(&conf.path).map_err(|e| {
                ConfError::rule(
                    "log.path",
                    format!("cannot write log files under {:?}: {e}", conf.path),
                )
            })?)
        }
    };
    let writer = BatchWriter::start(output)
        .map_err(|e| ConfError::rule("log", format!("cannot start the log writer: {e}")))?;
    let format = Format::new(conf.encoding, &conf.service_name);
    // Colours only for a person watching a terminal, never in files or collected output.
    let ansi = conf.mode == LogMode::Console
        && conf.encoding == Encoding::Plain
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let layer = tracing_subscriber::fmt::layer()
        .event_format(format)
        .with_ansi(ansi)
        .with_writer(writer.clone());
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(layer)
        .try_init()
        .is_ok();
    if installed {
        #[cfg(feature = "rest")]
        if conf.encoding == Encoding::Json {
            let mut service = String::new();
            if !conf.service_name.is_empty() {
                service.push_str(",\"service\":");
                let _ = super::format::write_json_str(&mut service, &conf.service_name);
            }
            let _ = super::access::DIRECT.set(super::access::Direct::new(
                writer.clone(),
                &service,
                &directives,
            ));
        }
        *WRITER.lock() = Some(writer);
    }
    // Another subscriber (a test harness, the application's own) may already be global; then
    // rzero logs through it and keeps out of the way.
    let _ = INSTALLED.set(());
    Ok(())
}

/// Writes out the log lines logged so far (they are otherwise written every 50 ms). Call it
/// before the process exits.
pub fn flush() {
    if let Some(writer) = WRITER.lock().as_ref() {
        writer.flush();
    }
}
