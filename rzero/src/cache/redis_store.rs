use super::bloom::BitStore;
use super::store::{CacheError, CacheStore};
use crate::kv::KvStore;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// The Redis store of the distributed mode. One multiplexed connection that reconnects by
/// itself; every call is bounded by the configured timeout so that a dead Redis makes reads
/// fail fast rather than hang.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    timeout: Duration,
    address: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

fn unavailable(err: impl std::fmt::Display) -> CacheError {
    CacheError::Unavailable(err.to_string())
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port[/db]`).
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(|e| unavailable(format!("{url}: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let connection = tokio::time::timeout(
            timeout * 4,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| unavailable(format!("{url}: connecting timed out")))?
        .map_err(|e| unavailable(format!("{url}: {e}")))?;
        Ok(Self {
            connection,
            timeout,
            address: url.to_owned(),
        })
    }

    async fn bounded<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, CacheError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result.map_err(unavailable),
            Err(_) => Err(unavailable(format!(
                "{}: no answer within {:?}",
                self.address, self.timeout
            ))),
        }
    }
}

impl CacheStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            self.bounded(connection.get::<_, Option<String>>(key)).await
        }
        .boxed()
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            self.bounded(connection.pset_ex::<_, _, ()>(key, value, millis))
                .await
        }
        .boxed()
    }

    fn del<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            if keys.is_empty() {
                return Ok(());
            }
            let mut connection = self.connection.clone();
            self.bounded(connection.del::<_, ()>(keys)).await
        }
        .boxed()
    }

    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            let millis: i64 = self.bounded(connection.pttl(key)).await?;
            // -2: no such key; -1: no expiry (never set by this cache).
            Ok(u64::try_from(millis).ok().map(Duration::from_millis))
        }
        .boxed()
    }
}

/// One round trip per filter call, and no half-added item seen by a concurrent check.
static SET_BITS: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "for _, offset in ipairs(ARGV) do redis.call('SETBIT', KEYS[1], offset, 1) end return 1",
    )
});

static ALL_SET: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "for _, offset in ipairs(ARGV) do \
           if redis.call('GETBIT', KEYS[1], offset) == 0 then return 0 end \
         end return 1",
    )
});

impl BitStore for RedisStore {
    fn set_bits<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            let mut call = SET_BITS.key(key);
            call.arg(offsets);
            self.bounded(call.invoke_async::<i64>(&mut connection))
                .await
                .map(|_| ())
        }
        .boxed()
    }

    fn all_set<'a>(
        &'a self,
        key: &'a str,
        offsets: &'a [u64],
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            let mut call = ALL_SET.key(key);
            call.arg(offsets);
            self.bounded(call.invoke_async::<i64>(&mut connection))
                .await
                .map(|set| set == 1)
        }
        .boxed()
    }
}

/// The counter and its expiry in one step: a crash between the two cannot leave a counter
/// that never expires.
static INCR_EXPIRE_AT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "local n = redis.call('INCR', KEYS[1]) \
         if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end \
         return n",
    )
});

static TAKE_IF: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end \
         return 0",
    )
});

impl KvStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        CacheStore::get(self, key)
    }

    fn set_ex<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        CacheStore::set(self, key, value, ttl)
    }

    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            self.bounded(connection.del::<_, ()>(key)).await
        }
        .boxed()
    }

    fn incr_expire_at<'a>(
        &'a self,
        key: &'a str,
        at: std::time::SystemTime,
    ) -> BoxFuture<'a, Result<i64, CacheError>> {
        async move {
            let millis = at
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let mut connection = self.connection.clone();
            let mut call = INCR_EXPIRE_AT.key(key);
            call.arg(millis);
            self.bounded(call.invoke_async::<i64>(&mut connection))
                .await
        }
        .boxed()
    }

    fn take_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        async move {
            let mut connection = self.connection.clone();
            let mut call = TAKE_IF.key(key);
            call.arg(expected);
            self.bounded(call.invoke_async::<i64>(&mut connection))
                .await
                .map(|taken| taken == 1)
        }
        .boxed()
    }

    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>> {
        CacheStore::ttl(self, key)
    }
}
