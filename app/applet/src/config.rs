//! The configuration of applet, read from `etc/applet.yaml`.
//!
//! Created by rzctl from applet.api; this file is yours: add your own settings here.

use rzero::conf::deserialize_duration;
use rzero::kv::KvConf;
use rzero::rest::{JwtConf, RestConf};
use rzero::rpc::RpcClientConf;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP server: address, timeouts, limits, logging, middlewares.
    pub rest: RestConf,
    /// JWT secret and token lifetime of the routes marked `jwt: Auth`.
    pub auth: JwtConf,
    /// Where verification codes and their daily counts live: Redis, or in process when
    /// `redis` is empty.
    #[serde(default)]
    pub biz: KvConf,
    /// user.rpc: found in etcd (`etcd`) or at fixed addresses (`endpoints`).
    pub user_rpc: RpcClientConf,
    #[serde(default)]
    pub verification: VerificationConf,
    #[serde(default)]
    pub sms: SmsConf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConf {
    /// How long a code stays valid.
    #[serde(deserialize_with = "deserialize_duration")]
    pub code_ttl: Duration,
    /// Codes one number may ask for per day (the count resets at midnight, server time).
    pub daily_limit: i64,
}

impl Default for VerificationConf {
    fn default() -> Self {
        Self {
            code_ttl: Duration::from_secs(30 * 60),
            daily_limit: 10,
        }
    }
}

/// How codes reach phones. Without an SMS provider configured they are written to the log,
/// and, when `outbox` is set, appended to that file as `<mobile> <code>` lines (a local
/// stand-in for a phone, which the end-to-end tests read).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConf {
    pub outbox: Option<PathBuf>,
}
