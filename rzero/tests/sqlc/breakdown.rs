//! Breakdown, penetration, avalanche and unique-key lookups, on both modes.

use crate::support::{
    MariaDb, RecordingStore, Users, create_users, drop_keys, memory_cache, redis_cache, sqlite,
};
use rzero::cache::Cache;
use rzero::db::Db;
use rzero::sqlc::{CachedConn, INDEX_GAP};
use std::time::Duration;

async fn a_thousand_concurrent_misses_make_one_query(db: Db, cache: Cache) {
    create_users(&db).await;
    let users = Users::new(CachedConn::new(db, cache));
    let id = users.insert("ann", "13800000001").await;
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let users = users.clone();
            tokio::spawn(async move { users.find_one(id).await })
        })
        .collect();
    for task in tasks {
        let user = task.await.unwrap().unwrap().unwrap();
        assert_eq!(user.name, "ann");
    }
    assert_eq!(
        users.queries(),
        1,
        "1,000 concurrent reads of a cold key must share one query"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn breakdown_mariadb_redis() {
    let cache = redis_cache("breakdown").await;
    let maria = MariaDb::create("breakdown").await;
    a_thousand_concurrent_misses_make_one_query(maria.db.clone(), cache.clone()).await;
    maria.drop_database().await;
    drop_keys(&cache).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn breakdown_sqlite_memory() {
    a_thousand_concurrent_misses_make_one_query(sqlite().await, memory_cache("breakdown")).await;
}

async fn missing_ids_cost_one_query_each(db: Db, cache: Cache) {
    create_users(&db).await;
    let users = Users::new(CachedConn::new(db, cache.clone()));
    // 10,000 lookups: 100 ids that do not exist, 100 times each, 20 at a time.
    for round in 0..100 {
        let batch: Vec<_> = (0..100)
            .map(|i| {
                let users = users.clone();
                tokio::spawn(async move { users.find_one(1_000_000 + i).await })
            })
            .collect();
        for task in batch {
            assert_eq!(task.await.unwrap().unwrap(), None, "round {round}");
        }
    }
    assert_eq!(
        users.queries(),
        100,
        "one query per missing id, then the placeholder answers"
    );
    let ttl = cache
        .store()
        .ttl(&users.id_key(1_000_000))
        .await
        .unwrap()
        .unwrap();
    assert!(
        ttl <= Duration::from_secs(60),
        "the placeholder lives a minute, not {ttl:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn penetration_mariadb_redis() {
    let cache = redis_cache("penetration").await;
    let maria = MariaDb::create("penetration").await;
    missing_ids_cost_one_query_each(maria.db.clone(), cache.clone()).await;
    maria.drop_database().await;
    drop_keys(&cache).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn penetration_sqlite_memory() {
    missing_ids_cost_one_query_each(sqlite().await, memory_cache("penetration")).await;
}

async fn expiries_spread_over_the_band(cache: Cache) {
    let week = Duration::from_secs(7 * 24 * 3600);
    let mut ttls = Vec::new();
    for i in 0..1000 {
        let key = cache.key(&["spread", &i.to_string()]);
        cache.set(&key, &i).await.unwrap();
        ttls.push(cache.store().ttl(&key).await.unwrap().unwrap());
    }
    let (min, max) = (ttls.iter().min().unwrap(), ttls.iter().max().unwrap());
    // Read a moment after writing, so allow a second below the band's floor.
    assert!(
        *min >= week.mul_f64(0.95) - Duration::from_secs(1),
        "{min:?}"
    );
    assert!(*max <= week.mul_f64(1.05), "{max:?}");
    // 1,000 uniform draws cover most of the 10 % band.
    assert!(
        *max - *min > week.mul_f64(0.09),
        "spread only {:?}",
        *max - *min
    );
    let early = ttls.iter().filter(|t| **t < week).count();
    assert!(
        (350..=650).contains(&early),
        "{early} of 1000 below the nominal expiry"
    );
    let keys: Vec<String> = (0..1000)
        .map(|i| cache.key(&["spread", &i.to_string()]))
        .collect();
    cache.del(&keys).await;
}

#[tokio::test]
async fn avalanche_redis() {
    let cache = redis_cache("avalanche").await;
    expiries_spread_over_the_band(cache.clone()).await;
    drop_keys(&cache).await;
}

#[tokio::test]
async fn avalanche_memory() {
    expiries_spread_over_the_band(memory_cache("avalanche")).await;
}

async fn unique_key_lookups_hit_the_cache(db: Db, cache: Cache) {
    create_users(&db).await;
    let (cache, recorded) = RecordingStore::around(&cache, "unique");
    let users = Users::new(CachedConn::new(db, cache.clone()));
    let id = users.insert("bob", "13800000002").await;
    let first = users
        .find_one_by_mobile("13800000002")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.id, id);
    assert_eq!(users.queries(), 1);
    for _ in 0..10 {
        assert_eq!(
            users
                .find_one_by_mobile("13800000002")
                .await
                .unwrap()
                .unwrap(),
            first
        );
        assert_eq!(users.find_one(id).await.unwrap().unwrap(), first);
    }
    assert_eq!(
        users.queries(),
        1,
        "after the first lookup both keys answer from the cache"
    );
    // Both expiries come from one draw: the row entry outlives the index entry pointing at
    // it by exactly the safe gap, so an index hit always finds its row.
    let index_ttl = recorded.ttl_set(&users.mobile_key("13800000002")).unwrap();
    let row_ttl = recorded.ttl_set(&users.id_key(id)).unwrap();
    assert_eq!(row_ttl, index_ttl + INDEX_GAP);
    assert_eq!(INDEX_GAP, Duration::from_secs(5));
    let week = Duration::from_secs(7 * 24 * 3600);
    assert!(
        index_ttl >= week.mul_f64(0.95) && index_ttl <= week.mul_f64(1.05),
        "{index_ttl:?}"
    );
    // And the store holds them so.
    let stored = |key: String| {
        let cache = cache.clone();
        async move { cache.store().ttl(&key).await.unwrap().unwrap() }
    };
    assert!(stored(users.id_key(id)).await > stored(users.mobile_key("13800000002")).await);
    assert_eq!(users.find_one_by_mobile("000").await.unwrap(), None);
}

#[tokio::test]
async fn unique_keys_mariadb_redis() {
    let cache = redis_cache("unique").await;
    let maria = MariaDb::create("unique").await;
    unique_key_lookups_hit_the_cache(maria.db.clone(), cache.clone()).await;
    maria.drop_database().await;
    drop_keys(&cache).await;
}

#[tokio::test]
async fn unique_keys_sqlite_memory() {
    unique_key_lookups_hit_the_cache(sqlite().await, memory_cache("unique")).await;
}
