//! A cached row that no longer decodes as the row type (cached before the table gained a NOT
//! NULL column, say) is deleted and read from the database again, once, and counted.

use crate::metrics::counter;
use crate::support::{MariaDb, User, Users, cache_conf, create_users, drop_keys, sqlite, unique};
use rzero::cache::{Cache, CacheStore, MemoryStore, RedisStore};
use rzero::db::Db;
use rzero::sqlc::CachedConn;
use std::sync::Arc;

/// `name` labels the cache's metrics.
async fn an_undecodable_row_is_reloaded(db: Db, cache: Cache, name: &str) {
    create_users(&db).await;
    let users = Users::new(CachedConn::new(db, cache.clone()));
    let id = users.insert("gil", "13800000010").await;
    // What an older build cached before `mobile` and `version` existed.
    let stale = format!("{{\"id\":{id},\"name\":\"gil\"}}");
    cache
        .store()
        .set(
            &users.id_key(id),
            &stale,
            std::time::Duration::from_secs(600),
        )
        .await
        .unwrap();

    let row = users.find_one(id).await.unwrap().unwrap();
    assert_eq!(
        row,
        User {
            id,
            name: "gil".to_owned(),
            mobile: "13800000010".to_owned(),
            version: 0,
        }
    );
    assert_eq!(users.queries(), 1, "the row came from the database");
    let cached = cache.store().get(&users.id_key(id)).await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<User>(&cached).unwrap(),
        row,
        "the entry was replaced by one that decodes"
    );
    for _ in 0..3 {
        assert_eq!(users.find_one(id).await.unwrap().unwrap(), row);
    }
    assert_eq!(users.queries(), 1, "later reads hit the repaired entry");
    assert_eq!(counter("requests_total", name, Some("corrupt")), 1);
    assert_eq!(counter("requests_total", name, Some("hit")), 3);
}

/// A cache whose metric label is unique to this test, so that counters start at zero.
fn cache_for(store: Arc<dyn CacheStore>, name: &str) -> Cache {
    Cache::new(name, store, cache_conf(name))
}

#[tokio::test]
async fn undecodable_rows_are_reloaded_mariadb_redis() {
    let name = unique("repair");
    let conf = cache_conf(&name);
    let store: Arc<dyn CacheStore> = Arc::new(
        RedisStore::connect(crate::support::REDIS, conf.timeout)
            .await
            .unwrap(),
    );
    let cache = cache_for(store, &name);
    let maria = MariaDb::create("repair").await;
    an_undecodable_row_is_reloaded(maria.db.clone(), cache.clone(), &name).await;
    maria.drop_database().await;
    drop_keys(&cache).await;
}

#[tokio::test]
async fn undecodable_rows_are_reloaded_sqlite_memory() {
    let name = unique("repair");
    let cache = cache_for(Arc::new(MemoryStore::new(1000)), &name);
    an_undecodable_row_is_reloaded(sqlite().await, cache, &name).await;
}
