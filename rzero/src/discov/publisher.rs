//! Registration: a server puts `<key>/<leaseID>` -> its address under a lease, keeps the
//! lease alive, and registers again whenever the lease is lost.

use super::etcd::{EtcdClient, EtcdError};
use super::{DiscovError, EtcdConf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The lease's time to live, go-zero's: an instance that dies without deregistering
/// disappears from every client within this long.
pub const TTL: Duration = Duration::from_secs(10);

/// How often the lease is refreshed: three times per TTL, so one lost refresh does not
/// expire it.
const KEEP_ALIVE_EVERY: Duration = Duration::from_millis(3333);

/// How long to wait between attempts while etcd cannot be reached.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// A live registration. [`Registration::deregister`] deletes the key; dropping it without
/// that leaves the key to expire with the lease (as a crash would).
#[derive(Debug)]
pub struct Registration {
    /// `<key>/`: the lease id completes the key.
    prefix: String,
    lease: Arc<AtomicI64>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Registration {
    /// Registers `value` (an address) under `conf.key` and keeps it registered in the
    /// background. The first registration must succeed: a server that cannot register at
    /// start is misconfigured, and should say so instead of serving unseen.
    pub async fn register(conf: &EtcdConf, value: String) -> Result<Self, DiscovError> {
        let mut client = conf.connect().await?;
        let prefix = conf.prefix();
        let lease = put_with_lease(&mut client, &prefix, &value)
            .await
            .map_err(|e| DiscovError::etcd(conf, e))?;
        let current = Arc::new(AtomicI64::new(lease));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(keep_registered(
            client,
            prefix.clone(),
            value,
            Arc::clone(&current),
            stopped,
        ));
        Ok(Self {
            prefix,
            lease: current,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The key registered now: `<key>/<leaseID>`, the lease id in decimal as go-zero writes
    /// it. A re-registration (after etcd lost the lease) changes it.
    pub fn key(&self) -> String {
        format!("{}{}", self.prefix, self.lease_id())
    }

    /// The lease the registration holds now (it changes after a re-registration).
    pub fn lease_id(&self) -> i64 {
        self.lease.load(Ordering::Relaxed)
    }

    /// Revokes the lease, which deletes the key at once, and stops the keep-alive. Clients
    /// watching the prefix see the instance go before it stops serving.
    pub async fn deregister(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Grants a lease and puts `<prefix><leaseID>` under it.
async fn put_with_lease(
    client: &mut EtcdClient,
    prefix: &str,
    value: &str,
) -> Result<i64, EtcdError> {
    let ttl = i64::try_from(TTL.as_secs()).unwrap_or(10);
    let lease = client.grant(ttl).await?;
    client
        .put(&format!("{prefix}{lease}"), value, lease)
        .await?;
    Ok(lease)
}

/// How a keep-alive round ended.
enum Ended {
    Stopped,
    LeaseLost,
}

async fn keep_registered(
    mut client: EtcdClient,
    prefix: String,
    value: String,
    current: Arc<AtomicI64>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut lease = current.load(Ordering::Relaxed);
    loop {
        match keep_alive(&mut client, lease, &mut stopped).await {
            Ended::Stopped => {
                if let Err(err) = client.revoke(lease).await {
                    tracing::warn!(%err, lease, "cannot revoke the registration lease; the key expires with it");
                }
                return;
            }
            Ended::LeaseLost => {
                tracing::warn!(
                    lease,
                    "registration lease lost (etcd restarted or unreachable); registering again"
                );
                // The old lease may still exist (etcd kept its data): revoke it so one
                // instance does not stay listed twice until it expires. In the background,
                // because while etcd is down the call only times out, and registering again
                // must not wait for that.
                let mut revoker = client.clone();
                tokio::spawn(async move {
                    let _ = revoker.revoke(lease).await;
                });
            }
        }
        loop {
            match put_with_lease(&mut client, &prefix, &value).await {
                Ok(id) => {
                    lease = id;
                    current.store(id, Ordering::Relaxed);
                    tracing::info!(key = %format!("{prefix}{id}"), "registered again");
                    break;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot register in etcd; retrying");
                    tokio::select! {
                        _ = &mut stopped => return,
                        () = tokio::time::sleep(RETRY_EVERY) => {}
                    }
                }
            }
        }
    }
}

/// Refreshes `lease` until asked to stop or until the lease is gone: etcd answers a refresh
/// of an unknown lease with TTL 0, and a broken stream means etcd went away (the lease may
/// not survive that, and a fresh registration is cheap).
async fn keep_alive(
    client: &mut EtcdClient,
    lease: i64,
    stopped: &mut oneshot::Receiver<()>,
) -> Ended {
    let mut stream = match client.keep_alive(lease).await {
        Ok(stream) => stream,
        Err(err) => {
            tracing::debug!(%err, "cannot open the keep-alive stream");
            tokio::select! {
                _ = &mut *stopped => return Ended::Stopped,
                () = tokio::time::sleep(RETRY_EVERY) => return Ended::LeaseLost,
            }
        }
    };
    let mut tick = tokio::time::interval(KEEP_ALIVE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut *stopped => return Ended::Stopped,
            _ = tick.tick() => {
                if stream.refresh().await.is_err() {
                    return Ended::LeaseLost;
                }
            }
            answer = stream.answers.message() => match answer {
                Ok(Some(answer)) if answer.ttl > 0 => {}
                _ => return Ended::LeaseLost,
            },
        }
    }
}
