//! Reads one row by primary key two ways, in the same process, alternating round by round:
//! through the generated model's `find_one` (a Redis hit after the first read) and with the
//! same SELECT sent straight to MariaDB through the same pool. Prints every round, the medians
//! and the ratio (target: the cache hit at least 2x the database query).
//!
//! Env: ROUNDS (5), SECONDS (5 per side per round), TASKS (32 concurrent readers),
//! MYSQL (mysql://root@127.0.0.1:3306), REDIS (redis://127.0.0.1:6379).

use model_example::model::{Models, User, migrations};
use rzero::cache::{Cache, CacheConf, CacheStore, RedisStore};
use rzero::db::{Db, DbConf, DbKind};
use rzero::sqlc::CachedConn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The generated model's own SELECT, so that both sides read the same columns the same way.
const FIND_ONE: &str = "SELECT CAST(`id` AS SIGNED INTEGER) AS `id`, `name`, `mobile`, `avatar`, `create_time`, `update_time` FROM `user` WHERE `id` = ? LIMIT 1";

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy)]
enum Side {
    Cache,
    Database,
}

/// Reads per second of `tasks` concurrent readers over `seconds`.
async fn measure(
    side: Side,
    models: &Models,
    db: &Db,
    id: i64,
    tasks: usize,
    seconds: u64,
) -> Result<f64, Failure> {
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (stop, reads, models, db) = (stop.clone(), reads.clone(), models.clone(), db.clone());
        handles.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let row = match side {
                    Side::Cache => models.user.find_one(id).await?,
                    Side::Database => match &db {
                        Db::MySql(pool) => {
                            sqlx::query_as::<_, User>(FIND_ONE)
                                .bind(id)
                                .fetch_optional(pool)
                                .await?
                        }
                        Db::Sqlite(_) => {
                            return Err::<(), Failure>("the benchmark needs MariaDB".into());
                        }
                    },
                };
                if row.is_none() {
                    return Err("the row went missing".into());
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.await??;
    }
    Ok(reads.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Runs every round and returns the ratio of the medians, cache over database.
async fn run(name: &str) -> Result<f64, Failure> {
    let rounds: usize = env("ROUNDS", 5);
    let seconds: u64 = env("SECONDS", 5);
    let tasks: usize = env("TASKS", 32);
    let mysql: String = env("MYSQL", "mysql://root@127.0.0.1:3306".to_owned());
    let redis: String = env("REDIS", "redis://127.0.0.1:6379".to_owned());

    let db = Db::connect(&DbConf {
        dsn: format!("{mysql}/{name}"),
        max_connections: tasks as u32,
        ..DbConf::default()
    })
    .await?;
    if db.kind() != DbKind::MySql {
        return Err("MYSQL must name a MySQL/MariaDB server".into());
    }
    db.migrate(&migrations()).await?;
    let conf = CacheConf {
        prefix: Some(format!("{name}:cache")),
        ..CacheConf::default()
    };
    let store: Arc<dyn CacheStore> = Arc::new(RedisStore::connect(&redis, conf.timeout).await?);
    let cache = Cache::new("bench", store, conf);
    let models = Models::new(CachedConn::new(db.clone(), cache));
    let id = models
        .user
        .insert(&User {
            id: 0,
            name: "bench".to_owned(),
            mobile: "13800000000".to_owned(),
            avatar: Some("https://example.com/a.png".to_owned()),
            create_time: Default::default(),
            update_time: Default::default(),
        })
        .await?;
    // Warm both sides: the cache entry, the pool's connections and prepared statements.
    measure(Side::Cache, &models, &db, id, tasks, 1).await?;
    measure(Side::Database, &models, &db, id, tasks, 1).await?;

    println!("round\tside\treads/s");
    let (mut hits, mut queries) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let hit = measure(Side::Cache, &models, &db, id, tasks, seconds).await?;
        println!("{round}\tcache hit\t{hit:.0}");
        let query = measure(Side::Database, &models, &db, id, tasks, seconds).await?;
        println!("{round}\tdatabase\t{query:.0}");
        hits.push(hit);
        queries.push(query);
    }
    let (hit, query) = (median(&mut hits), median(&mut queries));
    println!();
    println!("median cache hit: {hit:.0} reads/s");
    println!("median database:  {query:.0} reads/s");
    let ratio = hit / query;
    println!("ratio cache/database: {ratio:.2} (target >= {TARGET:.2})");

    // Deleting the row deletes its cache entries too.
    models.user.delete(id).await?;
    db.close().await;
    Ok(ratio)
}

/// The cache hit must serve at least this many times the database's reads per second.
const TARGET: f64 = 2.0;

/// Exits 0 when the target is met, 1 when it is not (after printing FAIL), 2 when the benchmark
/// could not run, so that `run.sh` can tell a slow cache from a broken setup.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match bench().await {
        Ok(ratio) if ratio >= TARGET => {
            println!("PASS: cache/database {ratio:.2} >= {TARGET:.2}");
            std::process::ExitCode::SUCCESS
        }
        Ok(ratio) => {
            println!("FAIL: cache/database {ratio:.2} < {TARGET:.2}");
            std::process::ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn bench() -> Result<f64, Failure> {
    let mysql: String = env("MYSQL", "mysql://root@127.0.0.1:3306".to_owned());
    let name = format!("rz_bench_model_cache_{}", std::process::id());
    let admin = Db::connect(&DbConf {
        dsn: format!("{mysql}/test"),
        max_connections: 1,
        ..DbConf::default()
    })
    .await?;
    rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`"))).execute(pool).await.map(|_| ()))?;
    let outcome = run(&name).await;
    // The database goes whatever happened.
    rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`"))).execute(pool).await.map(|_| ()))?;
    outcome
}
