//! Service discovery: where the instances of a service are.
//!
//! Two sources behind one shape, a [`tokio::sync::watch`] of the current address set:
//! etcd (the distributed mode: servers [`register`](Registration) under `<key>/<leaseID>`, clients
//! [`Subscriber::etcd`] watch the `<key>/` prefix) and a fixed list ([`Subscriber::fixed`],
//! the embedded mode and go-zero's "direct" clients). The RPC client's balancer reads only the
//! watch, so it never knows which source it is on.

mod addr;
mod conf;
mod etcd;
mod publisher;
mod subscriber;

pub use addr::advertised_addr;
pub use conf::EtcdConf;
pub use etcd::EtcdError;
pub use publisher::{Registration, TTL};
pub use subscriber::{Endpoints, Subscriber};

/// Why etcd could not be reached or used.
#[derive(Debug, thiserror::Error)]
pub enum DiscovError {
    #[error("etcd config: {0}")]
    Conf(String),
    #[error("etcd {hosts}: {source}")]
    Etcd {
        hosts: String,
        #[source]
        source: EtcdError,
    },
}

impl DiscovError {
    fn etcd(conf: &EtcdConf, source: EtcdError) -> Self {
        Self::Etcd {
            hosts: conf.hosts.join(","),
            source,
        }
    }
}
