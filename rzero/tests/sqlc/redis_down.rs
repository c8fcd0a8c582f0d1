//! A Redis of this test's own that dies mid-test: reads fail fast and the database sees no
//! stampede; with a bounded fallback, at most that many reads reach the database at once.

use crate::metrics::counter;
use crate::support::{MariaDb, User, Users, cache_conf, create_users, unique};
use rzero::cache::{Cache, CacheConf, CacheError, CacheStore, RedisStore, TakeError};
use rzero::sqlc::{CachedConn, SqlcError};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        // Not bind(0): its port comes from the range outgoing connections draw from.
        let port = testkit::free_port();
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
    let cache = users.conn.cache().unwrap().clone();
    redis.kill();

    // Each read let through to the database waits at a gate until the test opens it, so the
    // reads in flight at once can be counted without timing anything.
    let gate = Arc::new(Semaphore::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (done, mut results) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..50 {
        let (cache, db, key) = (cache.clone(), maria.db.clone(), users.id_key(id));
        let (gate, in_flight, peak, done) =
            (gate.clone(), in_flight.clone(), peak.clone(), done.clone());
        tokio::spawn(async move {
            let read = cache
                .take(&key, move || async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    gate.acquire().await.map(|p| p.forget()).ok();
                    let row = rzero::with_db!(&db, pool => sqlx::query_as::<_, User>("SELECT `id`, `name`, `mobile`, `version` FROM `user` WHERE `id` = ?").bind(id).fetch_optional(pool).await);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    row
                })
                .await;
            let _ = done.send(read);
        });
    }
    // The two reads the fallback lets through hold its permits at the gate; every other one
    // fails fast meanwhile.
    for _ in 0..48 {
        let read = results.recv().await.unwrap();
        assert!(
            matches!(read, Err(TakeError::Cache(CacheError::Unavailable(_)))),
            "{read:?}"
        );
    }
    assert_eq!(in_flight.load(Ordering::SeqCst), 2);
    gate.add_permits(50);
    for _ in 0..2 {
        let user = results.recv().await.unwrap().unwrap().unwrap();
        assert_eq!(user.name, "eve");
    }
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "at most fallback_concurrency reads reach the database at once"
    );
    assert_eq!(counter("db_queries_total", &name, None), 2);
    maria.drop_database().await;
}
