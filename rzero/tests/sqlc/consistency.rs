//! Concurrent writers and readers of one row: once the last write has returned (and the
//! second delete has run), no read returns an older value.

use crate::support::{MariaDb, Users, create_users, drop_keys, memory_cache, redis_cache, sqlite};
use rzero::cache::Cache;
use rzero::db::Db;
use rzero::sqlc::CachedConn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

async fn last_write_wins(db: Db, cache: Cache) {
    create_users(&db).await;
    let delay = cache.conf().double_delete_delay.unwrap_or_default();
    let users = Users::new(CachedConn::new(db, cache));
    let id = users.insert("cara", "13800000003").await;
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let users = users.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    users.find_one(id).await.unwrap();
                    // In-process cache hits complete without ever waiting; give the
                    // writers their turn.
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let users = users.clone();
            tokio::spawn(async move {
                for v in 0..25 {
                    users.set_version(id, w * 1000 + v).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let last = 4_242;
    users.set_version(id, last).await;
    // Readers keep racing the last write; once the second delete has run, every read must
    // see it.
    tokio::time::sleep(delay + Duration::from_millis(100)).await;
    for _ in 0..200 {
        assert_eq!(users.find_one(id).await.unwrap().unwrap().version, last);
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn consistency_mariadb_redis() {
    let cache = redis_cache("consistency").await;
    let maria = MariaDb::create("consistency").await;
    last_write_wins(maria.db.clone(), cache.clone()).await;
    maria.drop_database().await;
    drop_keys(&cache).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn consistency_sqlite_memory() {
    last_write_wins(sqlite().await, memory_cache("consistency")).await;
}
