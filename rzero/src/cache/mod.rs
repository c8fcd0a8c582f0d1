//! The cache in front of the database, with go-zero's protections built in:
//!
//! - **penetration**: a lookup that finds no row caches the placeholder `*` for a minute, so
//!   repeated lookups of a missing id stop at the cache;
//! - **breakdown**: all concurrent loads of one cold key share one query (single flight);
//! - **avalanche**: every expiry is drawn from [0.95, 1.05] x the configured one, so entries
//!   written together do not expire together;
//! - **consistency**: writes delete the row's keys after the database write, retry failed
//!   deletes in the background (1 s, 5 s, 1 min, 5 min, 1 h), and can delete a second time
//!   after a delay so that a read racing the write cannot leave a stale entry behind;
//! - **schema changes**: an entry that no longer decodes as the row type (cached before a
//!   column was added) is deleted and read from the database again, instead of failing every
//!   read until it expires;
//! - **cache down**: reads fail fast instead of sending every request to the database (a
//!   bounded fallback to the database can be allowed).
//!
//! Two stores: Redis for the distributed mode, an in-process cache (moka) for the embedded one.
//! [`BloomFilter`] keeps lookups of keys that never exist away from both.

mod bloom;
mod memory;
mod node;
mod redis_store;
mod store;

pub use bloom::{BitStore, BloomError, BloomFilter, MAX_BITS, MemoryBits};
pub use memory::MemoryStore;
pub use node::{Cache, DEFAULT_PREFIX, Lookup, TakeError};
pub use redis_store::RedisStore;
pub use store::{CacheError, CacheStore};

use crate::conf::{deserialize_duration, deserialize_opt_duration};
use serde::Deserialize;
use std::time::Duration;

/// Where cached rows live and how long.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConf {
    /// `redis://[:password@]host:port[/db]`; empty for the in-process cache.
    pub redis: String,
    /// Entries the in-process cache keeps at most.
    pub capacity: u64,
    /// Prepended to every key with a `:`. Unset, a generated model's keys start with the
    /// prefix rzctl was given (`--prefix`, `cache` by default, as go-zero's do); set, every
    /// model's keys start with this.
    pub prefix: Option<String>,
    /// How long a row stays cached (each entry gets +-5 % of it).
    #[serde(deserialize_with = "deserialize_duration")]
    pub expiry: Duration,
    /// How long "no such row" stays cached.
    #[serde(deserialize_with = "deserialize_duration")]
    pub not_found_expiry: Duration,
    /// A Redis call slower than this counts as a failure.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// After a write, delete the keys again this much later (none when absent).
    #[serde(deserialize_with = "deserialize_opt_duration")]
    pub double_delete_delay: Option<Duration>,
    /// When the cache fails, let this many reads at a time go to the database instead of
    /// failing; 0 fails every read fast.
    pub fallback_concurrency: usize,
}

impl Default for CacheConf {
    fn default() -> Self {
        Self {
            redis: String::new(),
            capacity: 100_000,
            prefix: None,
            expiry: Duration::from_secs(7 * 24 * 3600),
            not_found_expiry: Duration::from_secs(60),
            timeout: Duration::from_millis(500),
            double_delete_delay: Some(Duration::from_millis(500)),
            fallback_concurrency: 0,
        }
    }
}

impl CacheConf {
    /// The cache this config describes: Redis when an address is given, else in-process.
    pub async fn build(&self, name: &str) -> Result<Cache, CacheError> {
        let store: std::sync::Arc<dyn CacheStore> = if self.redis.is_empty() {
            std::sync::Arc::new(MemoryStore::new(self.capacity))
        } else {
            std::sync::Arc::new(RedisStore::connect(&self.redis, self.timeout).await?)
        };
        Ok(Cache::new(name, store, self.clone()))
    }
}
