use futures_util::future::BoxFuture;
use std::time::Duration;

/// Why the cache could not answer. Cloneable, because one failed load is reported to every
/// caller that waited for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The store failed or timed out (Redis down, network).
    #[error("cache unavailable: {0}")]
    Unavailable(String),
    /// A cached value could not be read back as the expected type.
    #[error("cached value of `{key}` is unreadable: {reason}")]
    Corrupt { key: String, reason: String },
}

/// The key-value operations the cache needs from a store.
pub trait CacheStore: Send + Sync + std::fmt::Debug + 'static {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, CacheError>>;

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    fn del<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), CacheError>>;

    /// The time left before `key` expires; `None` when it does not exist.
    fn ttl<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, CacheError>>;
}
