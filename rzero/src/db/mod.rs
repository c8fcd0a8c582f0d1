//! The database a service reads and writes: MySQL/MariaDB in the distributed mode, SQLite in
//! the embedded one, chosen by the DSN in config. Generated models run the same statements on
//! both (`?` placeholders and back-quoted names work on both), dispatching with [`with_db!`].

use crate::conf::deserialize_duration;
use serde::Deserialize;
use std::time::Duration;

pub use sqlx;

/// How to reach the database.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DbConf {
    /// `mysql://user:pass@host:3306/db` (also `mariadb://`), or `sqlite://path/to/file.db`
    /// (created when missing) or `sqlite::memory:`.
    pub dsn: String,
    pub max_connections: u32,
    pub min_connections: u32,
    #[serde(deserialize_with = "deserialize_duration")]
    pub connect_timeout: Duration,
    /// Closes connections idle this long.
    #[serde(deserialize_with = "deserialize_duration")]
    pub idle_timeout: Duration,
}

impl Default for DbConf {
    fn default() -> Self {
        Self {
            dsn: "sqlite::memory:".to_owned(),
            max_connections: 16,
            min_connections: 0,
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(600),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    MySql,
    Sqlite,
}

/// A connection pool of either kind. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    MySql(sqlx::MySqlPool),
    Sqlite(sqlx::SqlitePool),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database DSN `{0}`: expected mysql://, mariadb:// or sqlite:")]
    UnsupportedDsn(String),
    #[error("cannot connect to {dsn}: {source}")]
    Connect {
        dsn: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate {dsn}: the migration lock: {reason}")]
    MigrationLock { dsn: String, reason: String },
    #[error("cannot migrate {dsn}: {source}")]
    Migrate {
        dsn: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

/// `dsn` with any password replaced, for messages and logs.
pub fn redact(dsn: &str) -> String {
    let Some((scheme, rest)) = dsn.split_once("://") else {
        return dsn.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => dsn.to_owned(),
    }
}

impl Db {
    pub async fn connect(conf: &DbConf) -> Result<Db, DbError> {
        let dsn = conf.dsn.trim();
        let connect_err = |source| DbError::Connect {
            dsn: redact(dsn),
            source,
        };
        if dsn.starts_with("mysql://") || dsn.starts_with("mariadb://") {
            let url = dsn.replacen("mariadb://", "mysql://", 1);
            let pool = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(conf.max_connections)
                .min_connections(conf.min_connections)
                .acquire_timeout(conf.connect_timeout)
                .idle_timeout(conf.idle_timeout)
                .connect(&url)
                .await
                .map_err(connect_err)?;
            Ok(Db::MySql(pool))
        } else if dsn.starts_with("sqlite:") {
            let options: sqlx::sqlite::SqliteConnectOptions = dsn.parse().map_err(connect_err)?;
            // A file database in a folder that does not exist yet (a fresh checkout's data
            // folder) is created with its folder.
            let file = options.get_filename();
            if !dsn.contains(":memory:")
                && let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty())
            {
                std::fs::create_dir_all(folder).map_err(|e| connect_err(sqlx::Error::Io(e)))?;
            }
            let options = options
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(conf.connect_timeout)
                .foreign_keys(true);
            // An in-memory database lives in one connection; more would each see their own.
            let max = if dsn.contains(":memory:") {
                1
            } else {
                conf.max_connections
            };
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(conf.min_connections.min(max))
                .acquire_timeout(conf.connect_timeout)
                .idle_timeout(None::<Duration>)
                .connect_with(options)
                .await
                .map_err(connect_err)?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(DbError::UnsupportedDsn(redact(dsn)))
        }
    }

    pub fn kind(&self) -> DbKind {
        match self {
            Db::MySql(_) => DbKind::MySql,
            Db::Sqlite(_) => DbKind::Sqlite,
        }
    }

    /// Applies the migrations of this database's kind (what `sqlx migrate run` would).
    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), DbError> {
        let dsn = match self {
            Db::MySql(_) => "mysql",
            Db::Sqlite(_) => "sqlite",
        };
        let fail = |source| DbError::Migrate {
            dsn: dsn.to_owned(),
            source,
        };
        match self {
            Db::MySql(pool) => {
                // sqlx serializes concurrent migrators with `GET_LOCK(name, -1)`, which MySQL
                // reads as "wait forever" but MariaDB answers at once with NULL; two instances
                // starting together then both apply the first migration. So the whole run
                // holds a lock of its own, taken with a real timeout, on the connection it
                // migrates through.
                let lock_err = |reason: String| DbError::MigrationLock {
                    dsn: dsn.to_owned(),
                    reason,
                };
                let mut conn = pool.acquire().await.map_err(|e| lock_err(e.to_string()))?;
                let got: Option<i64> =
                    sqlx::query_scalar("SELECT GET_LOCK(CONCAT('rzero_migrate_', DATABASE()), ?)")
                        .bind(MIGRATION_LOCK_WAIT.as_secs())
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(|e| lock_err(e.to_string()))?;
                if got != Some(1) {
                    return Err(lock_err(format!(
                        "another instance held the migration lock for over {}s",
                        MIGRATION_LOCK_WAIT.as_secs()
                    )));
                }
                let result = migrations
                    .mysql
                    .run_direct(None, &mut *conn, false)
                    .await
                    .map_err(fail);
                let released =
                    sqlx::query("SELECT RELEASE_LOCK(CONCAT('rzero_migrate_', DATABASE()))")
                        .execute(&mut *conn)
                        .await;
                if let Err(err) = released {
                    // The lock goes with the connection anyway; close it rather than pool it.
                    tracing::warn!(%err, "releasing the migration lock failed");
                    conn.detach();
                }
                result
            }
            Db::Sqlite(pool) => migrations.sqlite.run(pool).await.map_err(fail),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::MySql(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }
}

/// How long an instance waits for another one's migrations before it gives up.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The same schema for each kind of database, as `sqlx::migrate!` embeds them.
#[derive(Debug)]
pub struct Migrations {
    pub mysql: sqlx::migrate::Migrator,
    pub sqlite: sqlx::migrate::Migrator,
}

/// Runs `$body` with `$pool` bound to the pool of whichever kind `$db` is; the body is
/// compiled once per kind, so the same query text runs on both.
///
/// ```ignore
/// let row = rzero::with_db!(&db, pool => sqlx::query_as::<_, User>(SQL).bind(id).fetch_optional(pool).await);
/// ```
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::MySql($pool) => $body,
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}

/// The id the database gave an inserted row, converted to the type of the key column.
/// (Named apart from MySQL's inherent `last_insert_id`, which returns `u64`.)
pub trait InsertedId {
    /// The id as the driver reports it; wide enough for MySQL's `u64` and SQLite's `i64`.
    fn raw_inserted_id(&self) -> i128;

    /// The id as `T`, or a decode error when the column's type cannot hold it (an `INT`
    /// key past `i32::MAX` is a schema problem the caller must see, not a wrapped number).
    fn inserted_id<T: TryFrom<i128>>(&self) -> Result<T, sqlx::Error> {
        let raw = self.raw_inserted_id();
        T::try_from(raw).map_err(|_| {
            sqlx::Error::Decode(
                format!(
                    "inserted id {raw} does not fit in {}",
                    std::any::type_name::<T>()
                )
                .into(),
            )
        })
    }
}

impl InsertedId for sqlx::mysql::MySqlQueryResult {
    fn raw_inserted_id(&self) -> i128 {
        i128::from(self.last_insert_id())
    }
}

impl InsertedId for sqlx::sqlite::SqliteQueryResult {
    fn raw_inserted_id(&self) -> i128 {
        i128::from(self.last_insert_rowid())
    }
}

/// Rows a statement changed, on either kind.
pub trait RowsAffected {
    fn rows(&self) -> u64;
}

impl RowsAffected for sqlx::mysql::MySqlQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("mysql://root:secret@127.0.0.1:3306/app"),
            "mysql://root:***@127.0.0.1:3306/app"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1/app"),
            "mysql://root:***@127.0.0.1/app"
        );
        assert_eq!(redact("sqlite://data.db"), "sqlite://data.db");
    }

    #[tokio::test]
    async fn sqlite_in_memory_runs_statements() {
        let db = Db::connect(&DbConf::default()).await.unwrap();
        assert_eq!(db.kind(), DbKind::Sqlite);
        with_db!(&db, pool => sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)").execute(pool).await.map(|_| ())).unwrap();
        let id = with_db!(&db, pool => sqlx::query("INSERT INTO t (name) VALUES (?)").bind("a").execute(pool).await.and_then(|r| r.inserted_id::<i64>())).unwrap();
        assert_eq!(id, 1);
        // An id the key's type cannot hold is an error, not a wrapped number.
        let err = with_db!(&db, pool => sqlx::query("INSERT INTO t (id, name) VALUES (300, 'b')").execute(pool).await.and_then(|r| r.inserted_id::<i8>())).unwrap_err();
        assert!(
            err.to_string()
                .contains("inserted id 300 does not fit in i8"),
            "{err}"
        );
        let name: String = with_db!(&db, pool => sqlx::query_scalar("SELECT name FROM t WHERE id = ?").bind(id).fetch_one(pool).await).unwrap();
        assert_eq!(name, "a");
    }

    #[tokio::test]
    async fn a_sqlite_file_gets_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/nested/app.db");
        let db = Db::connect(&DbConf {
            dsn: format!("sqlite://{}", path.display()),
            ..DbConf::default()
        })
        .await
        .unwrap();
        with_db!(&db, pool => sqlx::query("CREATE TABLE t (id INTEGER)").execute(pool).await.map(|_| ())).unwrap();
        assert!(path.is_file());
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused() {
        let conf = DbConf {
            dsn: "postgres://u:p@h/db".to_owned(),
            ..DbConf::default()
        };
        let err = Db::connect(&conf).await.unwrap_err().to_string();
        assert!(err.contains("postgres://u:***@h/db"), "{err}");
    }
}
