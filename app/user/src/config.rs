//! The configuration of user, read from `etc/user.yaml`.
//!
//! Created by rzctl from user.proto; this file is yours: add your own settings here.

use rzero::cache::CacheConf;
use rzero::db::DbConf;
use rzero::rpc::RpcServerConf;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The RPC server: address, etcd registration, timeouts, shedding, interceptors.
    pub rpc: RpcServerConf,
    /// The user table: `mysql://...` (distributed) or `sqlite://...` (embedded, created on
    /// first start).
    pub db: DbConf,
    /// Rows by id, name and mobile digest: Redis, or in process when `redis` is empty.
    #[serde(default)]
    pub cache: CacheConf,
    pub crypto: CryptoConf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoConf {
    /// 32 bytes in base64 (`openssl rand -base64 32`): seals mobile numbers and keys their
    /// lookup digests. Changing it makes stored numbers unreadable, so keep it safe.
    pub mobile_key: String,
}
