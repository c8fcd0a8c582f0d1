use super::DiscovError;
use super::etcd::EtcdClient;
use serde::Deserialize;

/// Where a service registers or is looked up: go-zero's `Etcd: {Hosts, Key}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EtcdConf {
    /// etcd endpoints, e.g. `127.0.0.1:2379` (`http://` is added when missing).
    pub hosts: Vec<String>,
    /// The service's key, e.g. `user.rpc`; instances live under `<key>/<leaseID>`.
    pub key: String,
    /// etcd user and password, when the cluster has authentication on.
    pub user: String,
    pub pass: String,
}

impl EtcdConf {
    pub(crate) fn validate(&self) -> Result<(), DiscovError> {
        if self.hosts.is_empty() {
            return Err(DiscovError::Conf("hosts is empty".into()));
        }
        if self.key.is_empty() {
            return Err(DiscovError::Conf("key is empty".into()));
        }
        if self.key.ends_with('/') {
            return Err(DiscovError::Conf(format!(
                "key `{}` must not end with `/`: instances are stored under `<key>/<leaseID>`",
                self.key
            )));
        }
        Ok(())
    }

    /// The prefix every instance key starts with: `<key>/`, so that `user.rpc` does not also
    /// match `user.rpc2`.
    pub(crate) fn prefix(&self) -> String {
        format!("{}/", self.key)
    }

    pub(crate) async fn connect(&self) -> Result<EtcdClient, DiscovError> {
        self.validate()?;
        EtcdClient::connect(self)
            .await
            .map_err(|e| DiscovError::etcd(self, e))
    }
}
