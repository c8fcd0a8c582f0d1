//! The configuration of greeter, read from `etc/greeter.yaml`.
//!
//! Created by rzctl from greeter.proto; this file is yours: add your own settings here.

use rzero::rpc::RpcServerConf;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The RPC server: address, etcd registration, timeouts, shedding, interceptors.
    pub rpc: RpcServerConf,
    /// The name answers carry in `served_by`, so callers see which instance served them.
    #[serde(default)]
    pub instance: String,
    /// Faults to put in on purpose, to watch the balancer and the breaker react.
    #[serde(default)]
    pub faults: Faults,
}

/// Off by default; the cluster tests and demos turn them on for one instance.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every SayHello.
    #[serde(deserialize_with = "rzero::conf::deserialize_duration")]
    pub delay: Duration,
    /// Answer every SayHello with UNAVAILABLE.
    pub fail: bool,
}
