//! Business keys beside the row cache (go-zero's "BizRedis"): verification codes, daily
//! counters, one-time tokens. The same operations on Redis (distributed mode) and in process
//! (embedded mode), each atomic on its key, so that a code is consumed once and a counter
//! never loses an increment, whichever store the config picks.

use crate::cache::{CacheError, MemoryStore, RedisStore};
use crate::conf::deserialize_duration;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What [`Kv`] needs from a store; implemented by [`RedisStore`] and [`MemoryStore`].
pub trait KvStore: Send + Sync + std::fmt::Debug + 'static {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>>;

    fn set_ex<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Adds one to the counter at `key` and returns the new count; a counter that did not
    /// exist starts at 1 and expires at `at`.
    fn incr_expire_at<'a>(
        &'a self,
        key: &'a str,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<i64, CacheError>>;

    /// Deletes `key` when it holds `expected`; true when it did. The check and the delete are
    /// one step, so of two concurrent takers only one succeeds.
    fn take_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
    ) -> BoxFuture<'a, Result<bool, CacheError>>;

    /// The time left before `key` expires; `None` when it does not exist or never expires.
    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>>;
}

/// Where business keys live.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KvConf {
    /// `redis://[:password@]host:port[/db]`; empty for the in-process store.
    pub redis: String,
    /// Keys the in-process store keeps at most.
    pub capacity: u64,
    /// A Redis call slower than this counts as a failure.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
}

impl Default for KvConf {
    fn default() -> Self {
        Self {
            redis: String::new(),
            capacity: 1_000_000,
            timeout: Duration::from_millis(500),
        }
    }
}

impl KvConf {
    /// The store this config describes: Redis when an address is given, else in-process.
    pub async fn build(&self) -> Result<Kv, CacheError> {
        let store: Arc<dyn KvStore> = if self.redis.is_empty() {
            Arc::new(MemoryStore::new(self.capacity))
        } else {
            Arc::new(RedisStore::connect(&self.redis, self.timeout).await?)
        };
        Ok(Kv::new(store))
    }
}

/// A handle on a [`KvStore`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct Kv {
    store: Arc<dyn KvStore>,
}

impl Kv {
    pub fn new(store: Arc<dyn KvStore>) -> Self {
        Self { store }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.store.get(key).await
    }

    pub async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        self.store.set_ex(key, value, ttl).await
    }

    pub async fn del(&self, key: &str) -> Result<(), CacheError> {
        self.store.del(key).await
    }

    /// See [`KvStore::incr_expire_at`].
    pub async fn incr_expire_at(&self, key: &str, at: SystemTime) -> Result<i64, CacheError> {
        self.store.incr_expire_at(key, at).await
    }

    /// See [`KvStore::take_if`].
    pub async fn take_if(&self, key: &str, expected: &str) -> Result<bool, CacheError> {
        self.store.take_if(key, expected).await
    }

    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, CacheError> {
        self.store.ttl(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Kv {
        Kv::new(Arc::new(MemoryStore::new(1000)))
    }

    #[tokio::test]
    async fn values_expire() {
        let kv = memory();
        kv.set_ex("k", "v", Duration::from_millis(50))
            .await
            .unwrap();
        assert_eq!(kv.get("k").await.unwrap().as_deref(), Some("v"));
        assert!(kv.ttl("k").await.unwrap().unwrap() <= Duration::from_millis(50));
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(kv.get("k").await.unwrap(), None);
        assert_eq!(kv.ttl("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn counters_count_and_expire_at_the_given_time() {
        let kv = memory();
        let at = SystemTime::now() + Duration::from_secs(3600);
        for expected in 1..=3 {
            assert_eq!(kv.incr_expire_at("n", at).await.unwrap(), expected);
        }
        let ttl = kv.ttl("n").await.unwrap().unwrap();
        assert!(
            ttl > Duration::from_secs(3590) && ttl <= Duration::from_secs(3600),
            "{ttl:?}"
        );
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(kv.incr_expire_at("gone", past).await.unwrap(), 1);
        assert_eq!(
            kv.get("gone").await.unwrap(),
            None,
            "a counter due in the past is gone"
        );
    }

    #[tokio::test]
    async fn concurrent_increments_are_all_counted() {
        let kv = memory();
        let at = SystemTime::now() + Duration::from_secs(60);
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let kv = kv.clone();
                tokio::spawn(async move { kv.incr_expire_at("c", at).await.unwrap() })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.push(task.await.unwrap());
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=200).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_value_is_taken_once_and_only_when_it_matches() {
        let kv = memory();
        kv.set_ex("code", "123456", Duration::from_secs(60))
            .await
            .unwrap();
        assert!(!kv.take_if("code", "654321").await.unwrap());
        assert_eq!(kv.get("code").await.unwrap().as_deref(), Some("123456"));
        let takers: Vec<_> = (0..50)
            .map(|_| {
                let kv = kv.clone();
                tokio::spawn(async move { kv.take_if("code", "123456").await.unwrap() })
            })
            .collect();
        let mut taken = 0;
        for taker in takers {
            taken += usize::from(taker.await.unwrap());
        }
        assert_eq!(taken, 1);
        assert_eq!(kv.get("code").await.unwrap(), None);
        assert!(!kv.take_if("missing", "x").await.unwrap());
    }
}
