use rzero::cache::{Cache, CacheConf, CacheStore, MemoryStore, RedisStore};
use rzero::db::{Db, DbConf};
use rzero::sqlc::CachedConn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub const MARIADB: &str = "mysql://root@127.0.0.1:3306";
pub const REDIS: &str = "redis://127.0.0.1:6379";

/// A unique name for this test's database and keys.
pub fn unique(test: &str) -> String {
    format!("rz_{test}_{:08x}", rand::random::<u32>())
}

/// A fresh MariaDB database, dropped when the guard goes.
pub struct MariaDb {
    pub db: Db,
    admin: Db,
    name: String,
}

impl MariaDb {
    pub async fn create(test: &str) -> MariaDb {
        let name = unique(test);
        let admin = Db::connect(&DbConf {
            dsn: format!("{MARIADB}/test"),
            max_connections: 2,
            ..DbConf::default()
        })
        .await
        .unwrap();
        rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`"))).execute(pool).await.map(|_| ())).unwrap();
        let db = Db::connect(&DbConf {
            dsn: format!("{MARIADB}/{name}"),
            max_connections: 32,
            ..DbConf::default()
        })
        .await
        .unwrap();
        MariaDb { db, admin, name }
    }

    pub async fn drop_database(self) {
        self.db.close().await;
        rzero::with_db!(&self.admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{}`", self.name))).execute(pool).await.map(|_| ())).unwrap();
    }
}

pub async fn sqlite() -> Db {
    Db::connect(&DbConf::default()).await.unwrap()
}

pub async fn create_users(db: &Db) {
    let sql = match db.kind() {
        rzero::db::DbKind::MySql => {
            "CREATE TABLE `user` (`id` BIGINT AUTO_INCREMENT PRIMARY KEY, `name` VARCHAR(64) NOT NULL, `mobile` VARCHAR(32) NOT NULL, `version` BIGINT NOT NULL DEFAULT 0, UNIQUE KEY `mobile` (`mobile`))"
        }
        rzero::db::DbKind::Sqlite => {
            "CREATE TABLE `user` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` TEXT NOT NULL, `mobile` TEXT NOT NULL UNIQUE, `version` INTEGER NOT NULL DEFAULT 0)"
        }
    };
    rzero::with_db!(db, pool => sqlx::query(sql).execute(pool).await.map(|_| ())).unwrap();
}

pub fn cache_conf(prefix: &str) -> CacheConf {
    CacheConf {
        prefix: Some(format!("{prefix}:cache")),
        double_delete_delay: Some(Duration::from_millis(200)),
        ..CacheConf::default()
    }
}

pub async fn redis_cache(test: &str) -> Cache {
    let conf = cache_conf(&unique(test));
    let store: Arc<dyn CacheStore> =
        Arc::new(RedisStore::connect(REDIS, conf.timeout).await.unwrap());
    Cache::new(test, store, conf)
}

pub fn memory_cache(test: &str) -> Cache {
    let conf = cache_conf(&unique(test));
    Cache::new(test, Arc::new(MemoryStore::new(100_000)), conf)
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub mobile: String,
    pub version: i64,
}

/// A tiny hand-written model over `user`, shaped like the generated ones, that counts the
/// queries it sends so the tests can see what reached the database.
#[derive(Clone)]
pub struct Users {
    pub conn: CachedConn,
    pub queries: Arc<AtomicUsize>,
}

impl Users {
    pub fn new(conn: CachedConn) -> Self {
        Self {
            conn,
            queries: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }

    pub fn id_key(&self, id: i64) -> String {
        self.conn.key(&["user", "id", &id.to_string()])
    }

    pub fn mobile_key(&self, mobile: &str) -> String {
        self.conn.key(&["user", "mobile", mobile])
    }

    pub async fn insert(&self, name: &str, mobile: &str) -> i64 {
        use rzero::db::InsertedId;
        let keys = vec![self.mobile_key(mobile)];
        let (name, mobile) = (name.to_owned(), mobile.to_owned());
        self.conn
            .exec(&keys, move |db| async move {
                rzero::with_db!(&db, pool => sqlx::query("INSERT INTO `user` (`name`, `mobile`) VALUES (?, ?)").bind(&name).bind(&mobile).execute(pool).await.and_then(|r| r.inserted_id::<i64>()))
            })
            .await
            .unwrap()
    }

    pub async fn find_one(&self, id: i64) -> Result<Option<User>, rzero::sqlc::SqlcError> {
        let queries = self.queries.clone();
        self.conn
            .query_row(self.id_key(id), move |db| async move {
                queries.fetch_add(1, Ordering::SeqCst);
                rzero::with_db!(&db, pool => sqlx::query_as::<_, User>("SELECT `id`, `name`, `mobile`, `version` FROM `user` WHERE `id` = ? LIMIT 1").bind(id).fetch_optional(pool).await)
            })
            .await
    }

    pub async fn find_one_by_mobile(
        &self,
        mobile: &str,
    ) -> Result<Option<User>, rzero::sqlc::SqlcError> {
        let queries = self.queries.clone();
        let by_index = self.queries.clone();
        let mobile = mobile.to_owned();
        let conn = self.conn.clone();
        self.conn
            .query_row_index(
                self.mobile_key(&mobile),
                |u: &User| u.id,
                move |id: &i64| conn.key(&["user", "id", &id.to_string()]),
                move |db| async move {
                    by_index.fetch_add(1, Ordering::SeqCst);
                    rzero::with_db!(&db, pool => sqlx::query_as::<_, User>("SELECT `id`, `name`, `mobile`, `version` FROM `user` WHERE `mobile` = ? LIMIT 1").bind(&mobile).fetch_optional(pool).await)
                },
                move |db, id| async move {
                    queries.fetch_add(1, Ordering::SeqCst);
                    rzero::with_db!(&db, pool => sqlx::query_as::<_, User>("SELECT `id`, `name`, `mobile`, `version` FROM `user` WHERE `id` = ? LIMIT 1").bind(id).fetch_optional(pool).await)
                },
            )
            .await
    }

    pub async fn set_version(&self, id: i64, version: i64) {
        let keys = vec![self.id_key(id)];
        self.conn
            .exec(&keys, move |db| async move {
                rzero::with_db!(&db, pool => sqlx::query("UPDATE `user` SET `version` = ? WHERE `id` = ?").bind(version).bind(id).execute(pool).await.map(|_| ()))
            })
            .await
            .unwrap();
    }
}

/// Deletes every Redis key under the cache's prefix, so that runs leave nothing behind.
pub async fn drop_keys(cache: &Cache) {
    let client = redis::Client::open(REDIS).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let pattern = format!("{}*", cache.prefix());
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(&keys)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
}

/// A store that remembers the expiry of every `set`, so that tests can check what the cache
/// asked for exactly instead of timing what the store reports back.
#[derive(Debug)]
pub struct RecordingStore {
    inner: Arc<dyn CacheStore>,
    sets: parking_lot::Mutex<Vec<(String, Duration)>>,
}

impl RecordingStore {
    /// `cache` again, over a recording store in front of its own store.
    pub fn around(cache: &Cache, name: &str) -> (Cache, Arc<RecordingStore>) {
        let store = Arc::new(RecordingStore {
            inner: cache.store().clone(),
            sets: parking_lot::Mutex::new(Vec::new()),
        });
        let wrapped = Cache::new(name, store.clone(), cache.conf().clone());
        (wrapped, store)
    }

    /// The expiry the last `set` of `key` asked for.
    pub fn ttl_set(&self, key: &str) -> Option<Duration> {
        self.sets
            .lock()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, ttl)| *ttl)
    }
}

impl CacheStore for RecordingStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<String>, rzero::cache::CacheError>> {
        self.inner.get(key)
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> futures_util::future::BoxFuture<'a, Result<(), rzero::cache::CacheError>> {
        self.sets.lock().push((key.to_owned(), ttl));
        self.inner.set(key, value, ttl)
    }

    fn del<'a>(
        &'a self,
        keys: &'a [String],
    ) -> futures_util::future::BoxFuture<'a, Result<(), rzero::cache::CacheError>> {
        self.inner.del(keys)
    }

    fn ttl<'a>(
        &'a self,
        key: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<Option<Duration>, rzero::cache::CacheError>>
    {
        self.inner.ttl(key)
    }
}
