//! The cache's Prometheus counters: hits, misses, placeholder hits, database queries, errors
//! and delete retries, read back from the rendered registry.

use crate::support::{Users, cache_conf, create_users, sqlite, unique};
use rzero::cache::{Cache, MemoryStore};
use rzero::sqlc::CachedConn;
use std::sync::Arc;

/// The value of `rzero_cache_<name>` for cache `cache` (and `result`, when given).
pub fn counter(name: &str, cache: &str, result: Option<&str>) -> u64 {
    let labels = match result {
        Some(result) => format!("{{cache=\"{cache}\",result=\"{result}\"}}"),
        None => format!("{{cache=\"{cache}\"}}"),
    };
    let prefix = format!("rzero_cache_{name}{labels} ");
    rzero::metrics::render()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
        .map_or(0, |value| value.trim().parse().unwrap())
}

#[tokio::test]
async fn lookups_are_counted_by_result() {
    let name = unique("metrics");
    let db = sqlite().await;
    create_users(&db).await;
    let cache = Cache::new(&name, Arc::new(MemoryStore::new(1000)), cache_conf(&name));
    let users = Users::new(CachedConn::new(db, cache));

    assert_eq!(users.find_one(404).await.unwrap(), None);
    assert_eq!(users.find_one(404).await.unwrap(), None);
    let id = users.insert("fay", "13800000009").await;
    assert!(users.find_one(id).await.unwrap().is_some());
    assert!(users.find_one(id).await.unwrap().is_some());
    assert!(users.find_one(id).await.unwrap().is_some());

    let requests = |result| counter("requests_total", &name, Some(result));
    assert_eq!(
        (requests("hit"), requests("miss"), requests("placeholder")),
        (2, 2, 1)
    );
    assert_eq!(counter("db_queries_total", &name, None), 2);
    assert_eq!(users.queries(), 2);
    assert_eq!(counter("errors_total", &name, None), 0);
}
