//! A Redis of this test's own that dies mid-test: reads fail fast and the database sees no
//! stampede; with a bounded fallback, at most that many reads reach the database at once.

use crate::metrics::counter;
use crate::support::{MariaDb, Users, cache_conf, create_users, unique};
use rzero::cache::{Cache, CacheConf, CacheStore, RedisStore};
use rzero::sqlc::{CachedConn, SqlcError};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed on this machine");
        Self::started(child, port)
            .unwrap_or_else(|| panic!("redis-server on port {port} did not start"))
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn started(mut child: Child, port: u16) -> Option<OwnRedis> {
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(OwnRedis { child, port });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn users_on(redis: &OwnRedis, name: &str, conf: CacheConf, db: rzero::db::Db) -> Users {
    let store: Arc<dyn CacheStore> = Arc::new(
        RedisStore::connect(&format!("redis://127.0.0.1:{}", redis.port), conf.timeout)
            .await
            .unwrap(),
    );
    Users::new(CachedConn::new(db, Cache::new(name, store, conf)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_fail_fast_without_a_stampede() {
    let maria = MariaDb::create("redisdown").await;
    create_users(&maria.db).await;
    let mut redis = OwnRedis::start();
    let name = unique("redisdown");
    let conf = CacheConf {
        timeout: Duration::from_millis(200),
        ..cache_conf(&name)
    };
    let users = users_on(&redis, &name, conf, maria.db.clone()).await;
    let id = users.insert("dan", "13800000004").await;
    assert!(users.find_one(id).await.unwrap().is_some());
    assert_eq!(users.queries(), 1);

    redis.kill();
    let started = Instant::now();
    let reads: Vec<_> = (0..200)
        .map(|_| {
            let users = users.clone();
            tokio::spawn(async move { users.find_one(id).await })
        })
        .collect();
    for read in reads {
        let err = read.await.unwrap().unwrap_err();
        assert!(matches!(err, SqlcError::Cache(_)), "{err}");
        assert!(err.to_string().contains("cache unavailable"), "{err}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        users.queries(),
        1,
        "no read may fall through to the database"
    );
    assert_eq!(counter("errors_total", &name, None), 200);

    // A write while Redis is down lands in the database; its cache delete is retried.
    users.set_version(id, 2).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(counter("delete_retries_total", &name, None) >= 1);
    maria.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bounded_fallback_lets_a_few_reads_through() {
    let maria = MariaDb::create("fallback").await;
    create_users(&maria.db).await;
    let mut redis = OwnRedis::start();
    let name = unique("fallback");
    let conf = CacheConf {
        timeout: Duration::from_millis(200),
        fallback_concurrency: 2,
        ..cache_conf(&name)
    };
    let users = users_on(&redis, &name, conf, maria.db.clone()).await;
    let id = users.insert("eve", "13800000005").await;
    redis.kill();
    let reads: Vec<_> = (0..50)
        .map(|_| {
            let users = users.clone();
            tokio::spawn(async move { users.find_one(id).await })
        })
        .collect();
    let mut served = 0;
    for read in reads {
        if let Ok(Some(user)) = read.await.unwrap() {
            assert_eq!(user.name, "eve");
            served += 1;
        }
    }
    assert!(served >= 1, "the fallback served nothing");
    assert!(
        users.queries() <= 50 && users.queries() == served,
        "every served read is one query"
    );
    maria.drop_database().await;
}
