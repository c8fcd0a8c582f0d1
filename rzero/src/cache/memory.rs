use super::store::{CacheError, CacheStore};
use crate::kv::KvStore;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use moka::Expiry;
use moka::ops::compute::Op;
use std::time::SystemTime;
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

/// The in-process [`KvStore`]: every change goes through moka's per-key compute, so that
/// changes of one key run one at a time.
impl KvStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>> {
        CacheStore::get(self, key)
    }

    fn set_ex<'a>(
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
            self.entries
                .entry(key.to_owned())
                .and_compute_with(|_| std::future::ready(Op::Put(entry)))
                .await;
            Ok(())
        }
        .boxed()
    }

    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            self.entries
                .entry(key.to_owned())
                .and_compute_with(|_| std::future::ready(Op::<Entry>::Remove))
                .await;
            Ok(())
        }
        .boxed()
    }

    fn incr_expire_at<'a>(
        &'a self,
        key: &'a str,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<i64, CacheError>> {
        async move {
            let now = Instant::now();
            let mut count = 0;
            self.entries
                .entry(key.to_owned())
                .and_compute_with(|current| {
                    let current = current
                        .map(|e| e.into_value())
                        .filter(|e| e.expires_at > now);
                    let op = match current {
                        Some(entry) => {
                            count = entry.value.parse::<i64>().unwrap_or(0).saturating_add(1);
                            Op::Put(Entry {
                                value: count.to_string(),
                                expires_at: entry.expires_at,
                            })
                        }
                        None => {
                            count = 1;
                            let left = at.duration_since(SystemTime::now()).unwrap_or_default();
                            Op::Put(Entry {
                                value: "1".to_owned(),
                                expires_at: now + left,
                            })
                        }
                    };
                    std::future::ready(op)
                })
                .await;
            Ok(count)
        }
        .boxed()
    }

    fn take_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        async move {
            let now = Instant::now();
            let mut taken = false;
            self.entries
                .entry(key.to_owned())
                .and_compute_with(|current| {
                    let op = match current.map(|e| e.into_value()) {
                        Some(entry) if entry.expires_at > now && entry.value == expected => {
                            taken = true;
                            Op::Remove
                        }
                        _ => Op::Nop,
                    };
                    std::future::ready(op)
                })
                .await;
            Ok(taken)
        }
        .boxed()
    }

    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>> {
        CacheStore::ttl(self, key)
    }
}
