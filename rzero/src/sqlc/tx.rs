use crate::db::Db;

/// An open transaction on either kind of database, and the cache keys to delete once it is
/// committed.
#[derive(Debug)]
pub enum Tx {
    MySql(sqlx::Transaction<'static, sqlx::MySql>, Vec<String>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, Vec<String>),
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever kind it is.
///
/// ```ignore
/// rzero::with_tx!(tx, conn => sqlx::query(SQL).bind(id).execute(&mut *conn).await)
/// ```
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::sqlc::Tx::MySql($conn, _) => $body,
            $crate::sqlc::Tx::Sqlite($conn, _) => $body,
        }
    };
}

impl Tx {
    pub(crate) async fn begin(db: &Db) -> Result<Tx, sqlx::Error> {
        Ok(match db {
            Db::MySql(pool) => Tx::MySql(pool.begin().await?, Vec::new()),
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?, Vec::new()),
        })
    }

    /// Deletes `keys` from the cache after the commit.
    pub fn delete_after_commit(&mut self, keys: impl IntoIterator<Item = String>) {
        match self {
            Tx::MySql(_, pending) | Tx::Sqlite(_, pending) => pending.extend(keys),
        }
    }

    pub(crate) async fn commit(self) -> Result<Vec<String>, sqlx::Error> {
        match self {
            Tx::MySql(tx, keys) => tx.commit().await.map(|()| keys),
            Tx::Sqlite(tx, keys) => tx.commit().await.map(|()| keys),
        }
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::MySql(tx, _) => tx.rollback().await,
            Tx::Sqlite(tx, _) => tx.rollback().await,
        }
    }
}
