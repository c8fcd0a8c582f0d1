//! The configuration of greeter, read from `etc/greeter.yaml`.
//!
//! Created by rzctl from greeter.proto; this file is yours: add your own settings here.

use rzero::rpc::RpcServerConf;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The RPC server: address, etcd registration, timeouts, shedding, interceptors.
    pub rpc: RpcServerConf,
}
