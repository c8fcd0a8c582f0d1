//! Discovery: the current set of instance addresses, from a watched etcd prefix or a fixed
//! list, as a `watch` channel the balancer follows.

use super::etcd::{EVENT_DELETE, EtcdClient, EtcdError};
use super::{DiscovError, EtcdConf};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The addresses of a service's instances, deduplicated and sorted.
pub type Endpoints = BTreeSet<String>;

const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Follows where a service's instances are. Dropping it stops the watch.
#[derive(Debug)]
pub struct Subscriber {
    endpoints: watch::Receiver<Endpoints>,
    /// What the subscriber follows, for error messages (`etcd user.rpc`, `endpoints a,b`).
    describe: String,
    task: Option<JoinHandle<()>>,
}

impl Subscriber {
    /// A fixed set of addresses (go-zero's direct `Endpoints`), for the embedded mode or
    /// when something else balances in front.
    pub fn fixed(endpoints: impl IntoIterator<Item = String>) -> Self {
        let set: Endpoints = endpoints.into_iter().collect();
        let describe = format!(
            "endpoints {}",
            set.iter().cloned().collect::<Vec<_>>().join(",")
        );
        let (_tx, rx) = watch::channel(set);
        Self {
            endpoints: rx,
            describe,
            task: None,
        }
    }

    /// Every instance under `conf.key` in etcd, kept current by a watch. The first read must
    /// succeed (a client that starts against an unreachable etcd is misconfigured); after
    /// that, while etcd is unreachable the last known instances are kept and the watch is
    /// retried, as go-zero does.
    pub async fn etcd(conf: &EtcdConf) -> Result<Self, DiscovError> {
        let mut client = conf.connect().await?;
        let prefix = conf.prefix();
        let (by_key, revision) = read_all(&mut client, &prefix)
            .await
            .map_err(|e| DiscovError::etcd(conf, e))?;
        let (tx, rx) = watch::channel(addresses(&by_key));
        let task = tokio::spawn(follow(client, prefix, by_key, revision, tx));
        Ok(Self {
            endpoints: rx,
            describe: format!("etcd key {}", conf.key),
            task: Some(task),
        })
    }

    /// The current addresses and every later change.
    pub fn endpoints(&self) -> watch::Receiver<Endpoints> {
        self.endpoints.clone()
    }

    /// What this subscriber follows, e.g. `etcd key user.rpc`.
    pub fn describe(&self) -> &str {
        &self.describe
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn addresses(by_key: &BTreeMap<String, String>) -> Endpoints {
    by_key.values().filter(|v| !v.is_empty()).cloned().collect()
}

/// Every key under `prefix` and the revision they were read at.
async fn read_all(
    client: &mut EtcdClient,
    prefix: &str,
) -> Result<(BTreeMap<String, String>, i64), EtcdError> {
    let (pairs, revision) = client.get_prefix(prefix).await?;
    Ok((pairs.into_iter().collect(), revision))
}

async fn follow(
    mut client: EtcdClient,
    prefix: String,
    mut by_key: BTreeMap<String, String>,
    mut revision: i64,
    tx: watch::Sender<Endpoints>,
) {
    loop {
        match watch_from(&mut client, &prefix, &mut by_key, &mut revision, &tx).await {
            Ok(()) => tracing::debug!(%prefix, "etcd watch ended; watching again"),
            Err(err) => {
                tracing::warn!(%err, %prefix, "etcd watch failed; keeping the last known instances")
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(RETRY_EVERY).await;
        // Changes may have been missed (or compacted away) while the watch was down: read
        // the whole prefix again and carry on from there.
        match read_all(&mut client, &prefix).await {
            Ok((fresh, at)) => {
                by_key = fresh;
                revision = at;
                publish(&tx, &by_key);
            }
            Err(err) => tracing::warn!(%err, %prefix, "cannot read instances from etcd"),
        }
    }
}

/// Applies watch events after `revision` until the watch ends.
async fn watch_from(
    client: &mut EtcdClient,
    prefix: &str,
    by_key: &mut BTreeMap<String, String>,
    revision: &mut i64,
    tx: &watch::Sender<Endpoints>,
) -> Result<(), EtcdError> {
    let mut watch = client.watch_prefix(prefix, *revision + 1).await?;
    while let Some(answer) = watch.events.message().await? {
        if answer.canceled {
            // Compacted past our revision, or refused: the caller reads everything again.
            tracing::debug!(reason = %answer.cancel_reason, compact = answer.compact_revision, "etcd watch canceled");
            return Ok(());
        }
        for event in answer.events {
            let Some(kv) = event.kv else { continue };
            let Ok(key) = String::from_utf8(kv.key) else {
                continue;
            };
            if event.kind == EVENT_DELETE {
                by_key.remove(&key);
            } else {
                by_key.insert(key, String::from_utf8(kv.value).unwrap_or_default());
            }
            *revision = (*revision).max(kv.mod_revision);
        }
        publish(tx, by_key);
    }
    Ok(())
}

fn publish(tx: &watch::Sender<Endpoints>, by_key: &BTreeMap<String, String>) {
    let fresh = addresses(by_key);
    tx.send_if_modified(|current| {
        if *current == fresh {
            return false;
        }
        tracing::info!(instances = ?fresh, "service instances changed");
        *current = fresh;
        true
    });
}
