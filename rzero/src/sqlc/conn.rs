use super::INDEX_GAP;
use super::tx::Tx;
use crate::cache::{Cache, CacheError, TakeError};
use crate::db::Db;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;

/// Why a model call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SqlcError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("database error: {0}")]
    Db(Arc<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for SqlcError {
    fn from(err: sqlx::Error) -> Self {
        SqlcError::Db(Arc::new(err))
    }
}

impl From<TakeError> for SqlcError {
    fn from(err: TakeError) -> Self {
        match err {
            TakeError::Cache(err) => SqlcError::Cache(err),
            TakeError::Query(err) => SqlcError::Db(err),
        }
    }
}

impl SqlcError {
    /// The database's unique-key violation (a duplicate row), which callers usually turn into
    /// a business error rather than a 500.
    pub fn is_unique_violation(&self) -> bool {
        let SqlcError::Db(err) = self else {
            return false;
        };
        err.downcast_ref::<sqlx::Error>()
            .and_then(|e| e.as_database_error())
            .is_some_and(|e| e.is_unique_violation())
    }
}

#[cfg(feature = "rest")]
impl From<SqlcError> for crate::rest::Error {
    fn from(err: SqlcError) -> Self {
        crate::rest::Error::internal(err)
    }
}

/// A database and, optionally, the cache in front of it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CachedConn {
    db: Db,
    cache: Option<Cache>,
}

impl CachedConn {
    pub fn new(db: Db, cache: Cache) -> Self {
        Self {
            db,
            cache: Some(cache),
        }
    }

    /// Without a cache: every read goes to the database (models generated without `--cache`).
    pub fn uncached(db: Db) -> Self {
        Self { db, cache: None }
    }

    /// The same connection with cache keys under `prefix` unless the cache config sets one;
    /// generated models call it with the prefix rzctl was given (`--prefix`).
    #[must_use]
    pub fn with_default_prefix(&self, prefix: &str) -> Self {
        Self {
            db: self.db.clone(),
            cache: self.cache.as_ref().map(|c| c.with_default_prefix(prefix)),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// `prefix:parts...`, or the parts alone without a cache.
    pub fn key(&self, parts: &[&str]) -> String {
        match &self.cache {
            Some(cache) => cache.key(parts),
            None => parts.join(":"),
        }
    }

    /// A row by its primary key `key`: from the cache, else from `query` (cached after).
    pub async fn query_row<T, F, Fut>(&self, key: String, query: F) -> Result<Option<T>, SqlcError>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce(Db) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, sqlx::Error>> + Send + 'static,
    {
        let db = self.db.clone();
        match &self.cache {
            None => Ok(query(db).await?),
            Some(cache) => Ok(cache.take(&key, move || query(db)).await?),
        }
    }

    /// A row by a unique index: `index_key` caches the row's primary key, `row_key` names the
    /// row's own entry, `query` finds the row by the index. On a miss both entries are filled
    /// from one query, with one drawn expiry: the index entry gets it and the row entry
    /// [`INDEX_GAP`] more, so that an index entry never outlives its row. On a hit the row
    /// comes from its own entry, read through `query_row` with `by_primary`.
    pub async fn query_row_index<T, K, RK, F, Fut, G, GFut>(
        &self,
        index_key: String,
        primary_of: fn(&T) -> K,
        row_key: RK,
        query: F,
        by_primary: G,
    ) -> Result<Option<T>, SqlcError>
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        K: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        RK: Fn(&K) -> String + Send + Sync + 'static,
        F: FnOnce(Db) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Option<T>, sqlx::Error>> + Send + 'static,
        G: FnOnce(Db, K) -> GFut + Send + 'static,
        GFut: Future<Output = Result<Option<T>, sqlx::Error>> + Send + 'static,
    {
        let db = self.db.clone();
        let Some(cache) = &self.cache else {
            return Ok(query(db).await?);
        };
        // The row found by the index, kept from the same flight so it need not be read twice.
        let found: Arc<parking_lot::Mutex<Option<T>>> = Arc::default();
        let found_in_flight = found.clone();
        let row_cache = cache.clone();
        let row_key = Arc::new(row_key);
        let row_key_in_flight = row_key.clone();
        let expiry = cache.draw_expiry();
        let primary: Option<K> = cache
            .take_with_expiry(&index_key, expiry, move || async move {
                let row = query(db).await?;
                let Some(row) = row else {
                    return Ok::<_, sqlx::Error>(None);
                };
                let primary = primary_of(&row);
                let row_entry = row_key_in_flight(&primary);
                if let Err(err) = row_cache
                    .set_with_expiry(&row_entry, &row, expiry + INDEX_GAP)
                    .await
                {
                    tracing::warn!(%err, "cannot cache a row found by index");
                }
                *found_in_flight.lock() = Some(row);
                Ok(Some(primary))
            })
            .await?;
        let Some(primary) = primary else {
            return Ok(None);
        };
        if let Some(row) = found.lock().take() {
            return Ok(Some(row));
        }
        let key = row_key(&primary);
        self.query_row(key, move |db| by_primary(db, primary)).await
    }

    /// Runs a write, then deletes `keys` (every cache entry of the rows it touched).
    pub async fn exec<R, F, Fut>(&self, keys: &[String], exec: F) -> Result<R, SqlcError>
    where
        F: FnOnce(Db) -> Fut,
        Fut: Future<Output = Result<R, sqlx::Error>>,
    {
        let result = exec(self.db.clone()).await?;
        if let Some(cache) = &self.cache {
            cache.del(keys).await;
        }
        Ok(result)
    }

    /// Runs `work` in a transaction. Keys the work registers with [`Tx::delete_after_commit`]
    /// are deleted once the commit succeeded; on error the transaction is rolled back and
    /// nothing is deleted.
    pub async fn transact<R, E>(
        &self,
        work: impl for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<R, E>>,
    ) -> Result<R, E>
    where
        E: From<SqlcError>,
    {
        let mut tx = Tx::begin(&self.db).await.map_err(SqlcError::from)?;
        match work(&mut tx).await {
            Ok(value) => {
                let keys = tx.commit().await.map_err(SqlcError::from)?;
                if let Some(cache) = &self.cache {
                    cache.del(&keys).await;
                }
                Ok(value)
            }
            Err(err) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(%rollback, "rollback failed");
                }
                Err(err)
            }
        }
    }
}
