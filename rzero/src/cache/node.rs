use super::CacheConf;
use super::store::{CacheError, CacheStore};
use crate::metrics::CacheMetrics;
use crate::syncx::SingleFlight;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What a missing row is cached as.
const PLACEHOLDER: &str = "*";
/// How far each expiry may stray from the configured one, either way.
const EXPIRY_DEVIATION: f64 = 0.05;
/// When a failed delete is tried again, as go-zero's cache cleaner does.
const DELETE_RETRIES: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(60),
    Duration::from_secs(300),
    Duration::from_secs(3600),
];

/// What a key holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<T> {
    Hit(T),
    /// The placeholder of a row known not to exist.
    NotFound,
    Miss,
}

/// Why [`Cache::take`] failed: the cache (and no fallback was allowed), or the query.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TakeError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("query failed: {0}")]
    Query(Arc<dyn std::error::Error + Send + Sync>),
}

/// What one load of a key produced, shared with everyone who waited for it.
type Loaded = Result<Option<Arc<str>>, TakeError>;

/// A named cache over a store. Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
    /// What keys start with: the config's prefix, else the one the models were generated
    /// with (see [`Cache::with_default_prefix`]), else [`DEFAULT_PREFIX`].
    prefix: Arc<str>,
}

/// The key prefix when neither the config nor the models name one: go-zero's.
pub const DEFAULT_PREFIX: &str = "cache";

struct Inner {
    name: String,
    store: Arc<dyn CacheStore>,
    conf: CacheConf,
    flights: SingleFlight<String, Loaded>,
    fallback: Option<Semaphore>,
    metrics: CacheMetrics,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("name", &self.inner.name)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// `name` labels the cache's metrics.
    pub fn new(name: &str, store: Arc<dyn CacheStore>, conf: CacheConf) -> Self {
        let fallback =
            (conf.fallback_concurrency > 0).then(|| Semaphore::new(conf.fallback_concurrency));
        let prefix = Arc::from(conf.prefix.as_deref().unwrap_or(DEFAULT_PREFIX));
        Self {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                store,
                fallback,
                metrics: CacheMetrics::new(name),
                conf,
                flights: SingleFlight::new(),
            }),
            prefix,
        }
    }

    /// The same cache with keys under `prefix`, unless the config sets one (which wins):
    /// generated models pass the prefix rzctl was given.
    #[must_use]
    pub fn with_default_prefix(&self, prefix: &str) -> Cache {
        if self.inner.conf.prefix.is_some() || *self.prefix == *prefix {
            return self.clone();
        }
        Cache {
            inner: Arc::clone(&self.inner),
            prefix: Arc::from(prefix),
        }
    }

    /// What this cache's keys start with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `prefix:part:part...`: the prefix before the parts.
    pub fn key(&self, parts: &[&str]) -> String {
        let prefix = &*self.prefix;
        let mut key =
            String::with_capacity(prefix.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>());
        key.push_str(prefix);
        for part in parts {
            if !key.is_empty() {
                key.push(':');
            }
            key.push_str(part);
        }
        key
    }

    pub fn store(&self) -> &Arc<dyn CacheStore> {
        &self.inner.store
    }

    pub fn conf(&self) -> &CacheConf {
        &self.inner.conf
    }

    /// Reads `key` without loading anything. An entry that does not decode as `T` is
    /// [`CacheError::Corrupt`] here; [`Cache::take`] deletes such an entry and reloads it.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Lookup<T>, CacheError> {
        match self.inner.store.get(key).await? {
            None => Ok(Lookup::Miss),
            Some(text) if text == PLACEHOLDER => Ok(Lookup::NotFound),
            Some(text) => decode(key, &text).map(Lookup::Hit),
        }
    }

    /// Caches `value` under `key` for the configured expiry, give or take 5 %.
    pub async fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), CacheError> {
        self.set_for(key, value, self.inner.conf.expiry).await
    }

    /// Caches `value` under `key` for about `expiry` (+-5 %).
    pub async fn set_for<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        expiry: Duration,
    ) -> Result<(), CacheError> {
        self.set_with_expiry(key, value, jittered(expiry)).await
    }

    /// An expiry drawn from [0.95, 1.05] x the configured one. Entries whose expiries must
    /// keep a fixed distance (an index entry and the row it points to) take theirs from one
    /// draw, through [`Cache::take_with_expiry`] and [`Cache::set_with_expiry`].
    pub fn draw_expiry(&self) -> Duration {
        jittered(self.inner.conf.expiry)
    }

    /// Caches `value` under `key` for exactly `ttl`.
    pub async fn set_with_expiry<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), CacheError> {
        let text = serde_json::to_string(value).map_err(|e| CacheError::Corrupt {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        self.inner.store.set(key, &text, ttl).await
    }

    /// Remembers that `key` has no row, for the not-found expiry.
    pub async fn set_not_found(&self, key: &str) -> Result<(), CacheError> {
        self.inner
            .store
            .set(key, PLACEHOLDER, self.inner.conf.not_found_expiry)
            .await
    }

    /// Deletes `keys`. A failure is retried in the background on go-zero's schedule, and
    /// when configured the keys are deleted once more after a delay; the caller never waits
    /// for either.
    pub async fn del(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let first = self.inner.store.del(keys).await;
        if let Err(err) = &first {
            tracing::warn!(cache = %self.inner.name, %err, ?keys, "cache delete failed; retrying in the background");
            self.retry_delete(keys.to_vec());
        }
        if let Some(delay) = self.inner.conf.double_delete_delay {
            let this = self.clone();
            let keys = keys.to_vec();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if this.inner.store.del(&keys).await.is_err() {
                    this.retry_delete(keys);
                }
            });
        }
    }

    fn retry_delete(&self, keys: Vec<String>) {
        let this = self.clone();
        tokio::spawn(async move {
            for delay in DELETE_RETRIES {
                tokio::time::sleep(delay).await;
                this.inner.metrics.delete_retries.inc();
                if this.inner.store.del(&keys).await.is_ok() {
                    return;
                }
            }
            tracing::error!(cache = %this.inner.name, ?keys, "cache delete still failing after every retry; entries may be stale until they expire");
        });
    }

    /// The row under `key`: from the cache, or from `query` (one query for all concurrent
    /// callers of the same key), caching what it finds, or the not-found placeholder.
    pub async fn take<T, F, Fut, E>(&self, key: &str, query: F) -> Result<Option<T>, TakeError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.take_for(key, self.inner.conf.expiry, query).await
    }

    /// [`Cache::take`] with its own expiry (+-5 %) for what the query finds.
    pub async fn take_for<T, F, Fut, E>(
        &self,
        key: &str,
        expiry: Duration,
        query: F,
    ) -> Result<Option<T>, TakeError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.take_inner(key, Ttl::About(expiry), query).await
    }

    /// [`Cache::take`] caching what the query finds for exactly `ttl` (drawn by the caller,
    /// see [`Cache::draw_expiry`]).
    pub async fn take_with_expiry<T, F, Fut, E>(
        &self,
        key: &str,
        ttl: Duration,
        query: F,
    ) -> Result<Option<T>, TakeError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.take_inner(key, Ttl::Exactly(ttl), query).await
    }

    async fn take_inner<T, F, Fut, E>(
        &self,
        key: &str,
        ttl: Ttl,
        query: F,
    ) -> Result<Option<T>, TakeError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let metrics = &self.inner.metrics;
        match self.get::<T>(key).await {
            Ok(Lookup::Hit(value)) => {
                metrics.hits.inc();
                return Ok(Some(value));
            }
            Ok(Lookup::NotFound) => {
                metrics.placeholder_hits.inc();
                return Ok(None);
            }
            Ok(Lookup::Miss) => metrics.misses.inc(),
            // An entry that no longer decodes (the row type gained a field since it was
            // cached, say) would fail every read until it expires: the load below deletes it
            // and reads the row from the database again.
            Err(CacheError::Corrupt { .. }) => metrics.corrupt.inc(),
            Err(err) => return self.fall_back(err, query).await,
        }
        let this = self.clone();
        let flight_key = key.to_owned();
        let (loaded, _) = self
            .inner
            .flights
            .run(key.to_owned(), async move {
                this.load(&flight_key, ttl, query).await
            })
            .await;
        match loaded? {
            None => Ok(None),
            Some(text) => decode(key, &text).map(Some).map_err(TakeError::Cache),
        }
    }

    /// One load of `key`, run once for all concurrent callers; a row found is cached for `ttl`.
    async fn load<T, F, Fut, E>(&self, key: &str, ttl: Ttl, query: F) -> Loaded
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        // Another flight may have filled the key between our miss and this flight.
        match self.inner.store.get(key).await {
            Ok(Some(text)) if text == PLACEHOLDER => return Ok(None),
            Ok(Some(text)) => match decode::<T>(key, &text) {
                Ok(_) => return Ok(Some(Arc::from(text))),
                // Handing it on would fail every waiter, and every later read until it
                // expires; the row is read again and cached anew. It goes first so that a
                // failing query does not leave it behind.
                Err(err) => {
                    tracing::warn!(cache = %self.inner.name, %err, "deleting a cached value that no longer decodes; reloading it from the database");
                    if let Err(err) = self.inner.store.del(&[key.to_owned()]).await {
                        tracing::warn!(cache = %self.inner.name, %err, key, "cannot delete an undecodable cached value");
                    }
                }
            },
            Ok(None) => {}
            Err(err) => return Err(TakeError::Cache(err)),
        }
        self.inner.metrics.db_queries.inc();
        let row = query().await.map_err(|e| TakeError::Query(Arc::new(e)))?;
        match row {
            None => {
                if let Err(err) = self.set_not_found(key).await {
                    tracing::warn!(cache = %self.inner.name, %err, key, "cannot cache a not-found placeholder");
                }
                Ok(None)
            }
            Some(row) => {
                let text = serde_json::to_string(&row).map_err(|e| {
                    TakeError::Cache(CacheError::Corrupt {
                        key: key.to_owned(),
                        reason: e.to_string(),
                    })
                })?;
                if let Err(err) = self.inner.store.set(key, &text, ttl.resolve()).await {
                    tracing::warn!(cache = %self.inner.name, %err, key, "cannot cache a row");
                }
                Ok(Some(Arc::from(text)))
            }
        }
    }

    /// The cache failed: fail fast, or, when configured, let a bounded number of reads
    /// through to the database.
    async fn fall_back<T, F, Fut, E>(
        &self,
        err: CacheError,
        query: F,
    ) -> Result<Option<T>, TakeError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        self.inner.metrics.errors.inc();
        let Some(permit) = self
            .inner
            .fallback
            .as_ref()
            .and_then(|s| s.try_acquire().ok())
        else {
            return Err(TakeError::Cache(err));
        };
        self.inner.metrics.db_queries.inc();
        let row = query().await.map_err(|e| TakeError::Query(Arc::new(e)));
        drop(permit);
        row
    }
}

fn decode<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, CacheError> {
    serde_json::from_str(text).map_err(|e| CacheError::Corrupt {
        key: key.to_owned(),
        reason: e.to_string(),
    })
}

/// How long a loaded row is cached: drawn only when a row is actually cached, so that reads
/// answered from the cache (nearly all) cost no random draw.
#[derive(Debug, Clone, Copy)]
enum Ttl {
    Exactly(Duration),
    /// Give or take 5 %.
    About(Duration),
}

impl Ttl {
    fn resolve(self) -> Duration {
        match self {
            Ttl::Exactly(ttl) => ttl,
            Ttl::About(expiry) => jittered(expiry),
        }
    }
}

/// `expiry` x a uniform draw from [0.95, 1.05].
fn jittered(expiry: Duration) -> Duration {
    let factor = 1.0 + (rand::random::<f64>() * 2.0 - 1.0) * EXPIRY_DEVIATION;
    expiry.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn cache() -> Cache {
        Cache::new(
            "test",
            Arc::new(MemoryStore::new(1000)),
            CacheConf::default(),
        )
    }

    #[derive(Debug, thiserror::Error)]
    #[error("db down")]
    struct DbDown;

    #[test]
    fn keys_join_the_prefix_and_parts() {
        assert_eq!(cache().key(&["user", "id", "1"]), "cache:user:id:1");
    }

    #[test]
    fn the_config_prefix_wins_over_the_models_default() {
        let models = cache().with_default_prefix("shop");
        assert_eq!(models.key(&["user", "id", "1"]), "shop:user:id:1");
        let configured = Cache::new(
            "test",
            Arc::new(MemoryStore::new(10)),
            CacheConf {
                prefix: Some("tenant".to_owned()),
                ..CacheConf::default()
            },
        );
        assert_eq!(
            configured
                .with_default_prefix("shop")
                .key(&["user", "id", "1"]),
            "tenant:user:id:1"
        );
    }

    #[test]
    fn expiries_stay_within_five_percent() {
        let week = Duration::from_secs(7 * 24 * 3600);
        for _ in 0..1000 {
            let e = jittered(week);
            assert!(e >= week.mul_f64(0.95) && e <= week.mul_f64(1.05), "{e:?}");
        }
    }

    #[tokio::test]
    async fn take_loads_once_then_hits() {
        let cache = cache();
        let queries = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let q = queries.clone();
            let row: Option<String> = cache
                .take("cache:user:id:1", move || async move {
                    q.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, DbDown>(Some("ann".to_owned()))
                })
                .await
                .unwrap();
            assert_eq!(row.as_deref(), Some("ann"));
        }
        assert_eq!(queries.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn loaded_rows_get_a_drawn_expiry_or_the_exact_one() {
        let store = Arc::new(MemoryStore::new(1000));
        let cache = Cache::new("test", store.clone(), CacheConf::default());
        let week = CacheConf::default().expiry;
        let hour = Duration::from_secs(3600);
        let drawn: Option<String> = cache
            .take("cache:user:id:2", || async {
                Ok::<_, DbDown>(Some("bo".to_owned()))
            })
            .await
            .unwrap();
        let exact: Option<String> = cache
            .take_with_expiry("cache:user:id:3", hour, || async {
                Ok::<_, DbDown>(Some("cy".to_owned()))
            })
            .await
            .unwrap();
        assert_eq!(
            (drawn.as_deref(), exact.as_deref()),
            (Some("bo"), Some("cy"))
        );
        let drawn_ttl = store.ttl("cache:user:id:2").await.unwrap().unwrap();
        assert!(
            drawn_ttl >= week.mul_f64(0.95) - Duration::from_secs(1)
                && drawn_ttl <= week.mul_f64(1.05),
            "{drawn_ttl:?}"
        );
        let exact_ttl = store.ttl("cache:user:id:3").await.unwrap().unwrap();
        assert!(
            exact_ttl <= hour && exact_ttl >= hour - Duration::from_secs(1),
            "{exact_ttl:?}"
        );
    }

    #[tokio::test]
    async fn a_missing_row_is_remembered() {
        let cache = cache();
        let queries = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let q = queries.clone();
            let row: Option<String> = cache
                .take("cache:user:id:404", move || async move {
                    q.fetch_add(1, Ordering::SeqCst);
                    Ok::<Option<String>, DbDown>(None)
                })
                .await
                .unwrap();
            assert_eq!(row, None);
        }
        assert_eq!(queries.load(Ordering::SeqCst), 1);
        let ttl = cache
            .store()
            .ttl("cache:user:id:404")
            .await
            .unwrap()
            .unwrap();
        assert!(
            ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(55),
            "{ttl:?}"
        );
    }

    #[tokio::test]
    async fn query_errors_are_not_cached() {
        let cache = cache();
        let err = cache
            .take::<String, _, _, _>("cache:user:id:9", || async { Err(DbDown) })
            .await
            .unwrap_err();
        assert!(matches!(err, TakeError::Query(_)));
        assert_eq!(
            cache.get::<String>("cache:user:id:9").await.unwrap(),
            Lookup::Miss
        );
    }

    #[tokio::test]
    async fn deletes_remove_every_key() {
        let cache = cache();
        cache.set("a", &1).await.unwrap();
        cache.set("b", &2).await.unwrap();
        cache.del(&["a".to_owned(), "b".to_owned()]).await;
        assert_eq!(cache.get::<i32>("a").await.unwrap(), Lookup::Miss);
        assert_eq!(cache.get::<i32>("b").await.unwrap(), Lookup::Miss);
    }
}
