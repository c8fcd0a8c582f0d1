//! Your queries on `user`: add methods to [`UserModel`] here. They can use
//! `self.conn()` (the cached connection, with `query_row`, `exec` and `transact`) and the
//! generated methods.
//!
//! Created by rzctl from examples/model/sql/*.sql; this file is yours: rzctl never overwrites it.

use super::user_model_gen::{USER_ROWS, User, UserModel};
use rzero::sqlc::SqlcError;

impl UserModel {
    /// The newest users first: a list, so it goes to the database, not the cache.
    pub async fn newest(&self, limit: u32) -> Result<Vec<User>, SqlcError> {
        let sql = format!("SELECT {USER_ROWS} FROM `user` ORDER BY `id` DESC LIMIT ?");
        let rows = rzero::with_db!(self.conn().db(), pool => sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Changes one column. A write of your own deletes the row's cache entries, old values
    /// and new, as the generated writes do: `exec` deletes them after the database write.
    pub async fn rename(&self, id: i64, name: &str) -> Result<bool, SqlcError> {
        use rzero::db::RowsAffected;
        let Some(old) = self.find_one(id).await? else {
            return Ok(false);
        };
        let mut keys = self.keys_of(&old);
        keys.push(self.name_key(name));
        let name = name.to_owned();
        let changed = self
            .conn()
            .exec(&keys, |db| async move {
                rzero::with_db!(&db, pool => sqlx::query("UPDATE `user` SET `name` = ? WHERE `id` = ?").bind(&name).bind(id).execute(pool).await.map(|r| r.rows()))
            })
            .await?;
        Ok(changed == 1)
    }
}
