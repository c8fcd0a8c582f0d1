use super::store::{CacheError, CacheStore};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use moka::Expiry;
use std::time::{Duration, Instant};

/// The in-process store of the embedded mode: moka, with each entry's own expiry.
#[derive(Debug)]
pub struct MemoryStore {
    entries: moka::future::Cache<String, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    value: String,
    expires_at: Instant,
}

struct UntilDeadline;

impl Expiry<String, Entry> for UntilDeadline {
    fn expire_after_create(
        &self,
        _: &String,
        entry: &Entry,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(created_at))
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        updated_at: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(updated_at))
    }
}

impl MemoryStore {
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilDeadline)
                .build(),
        }
    }
}

impl CacheStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        async move {
            Ok(self
                .entries
                .get(key)
                .await
                .filter(|e| e.expires_at > Instant::now())
                .map(|e| e.value))
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
            let entry = Entry {
                value: value.to_owned(),
                expires_at: Instant::now() + ttl,
            };
            self.entries.insert(key.to_owned(), entry).await;
            Ok(())
        }
        .boxed()
    }

    fn del<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            for key in keys {
                self.entries.invalidate(key).await;
            }
            Ok(())
        }
        .boxed()
    }

    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>> {
        async move {
            let now = Instant::now();
            Ok(self
                .entries
                .get(key)
                .await
                .filter(|e| e.expires_at > now)
                .map(|e| e.expires_at - now))
        }
        .boxed()
    }
}
