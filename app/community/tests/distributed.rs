//! The community as separate processes on the real MariaDB, Redis and an etcd of the test's
//! own: two user.rpc instances registered under `user.rpc`, the gateway balancing over them,
//! each started by the `community` launcher from the shipped config files with environment
//! overrides only, as app/run-distributed.sh starts them. Driven over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use common::{Api, scenarios};
use rand::Rng;
use rzero::discov::{EtcdConf, Subscriber};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::{Etcd, free_port};

const MARIADB: &str = "mysql://root@127.0.0.1:3306";
const REDIS: &str = "redis://127.0.0.1:6379";
/// The development secret of app/applet/etc/applet.yaml.
const SECRET: &str = "development-only-secret-change-me-0123456789";

/// A launcher process, killed when dropped; its output goes to a file kept for failures.
struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(dir: &Path, name: &str, service: &str, env: &[(&str, String)]) -> Process {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_community"));
        command
            .arg(service)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null());
        // Only this test's overrides reach the service.
        for (key, _) in std::env::vars() {
            if key.starts_with("USER__") || key.starts_with("APPLET__") {
                command.env_remove(key);
            }
        }
        for (key, value) in env {
            command.env(key, value);
        }
        Process {
            name: name.to_owned(),
            child: command.spawn().unwrap(),
            log,
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
        // A failed step unwinds through here: show what each process said, since its log
        // file goes with the temporary folder.
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}", self.name, self.output());
        }
    }
}

async fn eventually(
    what: &str,
    within: Duration,
    mut check: impl AsyncFnMut() -> bool,
    logs: &[&Process],
) {
    let deadline = Instant::now() + within;
    while !check().await {
        if Instant::now() > deadline {
            let logs: Vec<String> = logs
                .iter()
                .map(|p| format!("--- {}\n{}", p.name, p.output()))
                .collect();
            panic!(
                "{what} did not happen within {within:?}\n{}",
                logs.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sum of a Prometheus counter family on one instance's metrics page.
async fn counter_sum(port: u16, family: &str) -> f64 {
    let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await else {
        return 0.0;
    };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .filter(|line| line.starts_with(family))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_community_runs_as_separate_processes() {
    let etcd = Etcd::start();
    let dir = tempfile::tempdir().unwrap();
    let database = format!("rz_community_{:08x}", rand::rng().random::<u32>());
    let admin = sqlx::MySqlPool::connect(&format!("{MARIADB}/test"))
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{database}`")))
        .execute(&admin)
        .await
        .unwrap();
    let shared = vec![
        ("ETCD_ENDPOINT", etcd.endpoint()),
        ("REDIS_URL", REDIS.to_owned()),
        ("USER_DB_DSN", format!("{MARIADB}/{database}")),
    ];

    // Two user.rpc instances, each with its metrics page.
    let mut users = Vec::new();
    let mut metrics_ports = Vec::new();
    for name in ["user-a", "user-b"] {
        let metrics = free_port();
        let mut env = shared.clone();
        env.push(("USER__RPC__LISTEN_ON", format!("127.0.0.1:{}", free_port())));
        env.push(("USER__RPC__PROMETHEUS__HOST", "127.0.0.1".to_owned()));
        env.push(("USER__RPC__PROMETHEUS__PORT", metrics.to_string()));
        users.push(Process::spawn(dir.path(), name, "user", &env));
        metrics_ports.push(metrics);
    }
    let registry = Subscriber::etcd(&EtcdConf {
        hosts: vec![etcd.endpoint()],
        key: "user.rpc".to_owned(),
        ..EtcdConf::default()
    })
    .await
    .unwrap();
    let endpoints = registry.endpoints();
    eventually(
        "both user.rpc instances registering under user.rpc",
        Duration::from_secs(30),
        async || endpoints.borrow().len() == 2,
        &users.iter().collect::<Vec<_>>(),
    )
    .await;

    // Ids from a random base: `cache:user:id:<id>` keys cannot meet another run's.
    let base: u64 = rand::rng().random_range(1_000_000_000..1_000_000_000_000);
    let pool = sqlx::MySqlPool::connect(&format!("{MARIADB}/{database}"))
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE `user` AUTO_INCREMENT = {base}"
    )))
    .execute(&pool)
    .await
    .unwrap();

    // The gateway, and a second one whose codes live one second, for the expiry case.
    let mut applets = Vec::new();
    let mut apis = Vec::new();
    for (name, ttl) in [("applet", "30m"), ("applet-short", "1s")] {
        let port = free_port();
        let outbox = dir.path().join(format!("{name}-outbox.txt"));
        let mut env = shared.clone();
        env.push(("APPLET__REST__PORT", port.to_string()));
        env.push(("APPLET__SMS__OUTBOX", outbox.display().to_string()));
        env.push(("APPLET__VERIFICATION__CODE_TTL", ttl.to_owned()));
        applets.push(Process::spawn(dir.path(), name, "applet", &env));
        apis.push(Api::new(format!("http://127.0.0.1:{port}"), outbox));
    }
    for (api, process) in apis.iter().zip(&applets) {
        let url = format!("{}/v1/user/info", api.base);
        eventually(
            "the gateway answering",
            Duration::from_secs(30),
            async || reqwest::get(&url).await.is_ok_and(|r| r.status() == 401),
            &[process],
        )
        .await;
    }
    let api = &apis[0];

    let (id, number) = scenarios::journey(api).await;
    assert!(id >= base as i64, "ids start at the random base");

    // After a read the row is cached under go-zero's key. (The journey ended with a write,
    // whose second delete comes half a second later.)
    tokio::time::sleep(Duration::from_millis(700)).await;
    let token = api
        .post(
            "/v1/login",
            serde_json::json!({ "mobile": number, "password": "secret-1" }),
        )
        .await
        .ok()["token"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.call("GET", "/v1/user/info", None, Some(&token))
        .await
        .ok();
    let redis = redis::Client::open(REDIS).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let cached: Option<String> = redis::cmd("GET")
        .arg(format!("cache:user:id:{id}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let cached = cached.expect("cache:user:id:<id> after a read");
    assert!(cached.contains(&format!("\"id\":{id}")), "{cached}");
    // The code's key and the day's count, with their lifetimes.
    let code_ttl: i64 = redis::cmd("TTL")
        .arg(format!("biz#activation#{number}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(code_ttl, -2, "the sign-up used the code up");
    api.send_code(&number).await;
    let code_ttl: i64 = redis::cmd("TTL")
        .arg(format!("biz#activation#{number}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1700..=1800).contains(&code_ttl), "{code_ttl}");
    let count_ttl: i64 = redis::cmd("TTL")
        .arg(format!("biz#verification#count#{number}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        (1..=86_400).contains(&count_ttl),
        "expires by midnight: {count_ttl}"
    );

    // The mobile column never holds the number in plain text.
    let rows = sqlx::query("SELECT `mobile`, `mobile_digest` FROM `user`")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in &rows {
        let (sealed, digest): (String, String) = (row.get(0), row.get(1));
        assert!(!sealed.contains(&number[3..]) && !digest.contains(&number[3..]));
    }

    scenarios::jwt_refusals(api, SECRET, id).await;
    scenarios::wrong_code(api).await;
    scenarios::code_used_twice(api).await;
    scenarios::daily_limit(api).await;
    scenarios::duplicate_mobile(api).await;
    scenarios::duplicate_name(api).await;
    scenarios::wrong_password(api).await;
    scenarios::login_by_code(api).await;
    scenarios::malformed_input(api).await;
    scenarios::expired_code(&apis[1], Duration::from_secs(1)).await;

    // The gateway spread the calls over both instances.
    for port in &metrics_ports {
        let served = counter_sum(*port, "rpc_server_requests_code_total").await;
        assert!(served > 0.0, "an instance served no call");
    }

    // One instance dies without a goodbye; sign-ups keep working while its key is still in
    // etcd. The gateway stops picking the instance when its connection reads the close,
    // within milliseconds. A call already written to the dead connection before that fails
    // (a sign-up that may have reached its server must not be sent twice), so the sign-ups
    // start after a pause far longer than that.
    users[0].kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..10 {
        api.sign_up(&common::name("after"), &common::mobile(), "secret-1")
            .await;
    }
    assert_eq!(
        endpoints.borrow().len(),
        2,
        "the dead instance's lease is still alive"
    );
    eventually(
        "the dead instance's key expiring",
        rzero::discov::TTL + Duration::from_secs(5),
        async || endpoints.borrow().len() == 1,
        &[],
    )
    .await;
    api.sign_up(&common::name("later"), &common::mobile(), "secret-1")
        .await;

    // Leave nothing behind: the processes, the database, every key the run wrote.
    drop(applets);
    drop(users);
    let mut keys = Vec::new();
    for row in sqlx::query("SELECT CAST(`id` AS SIGNED), `name`, `mobile_digest` FROM `user`")
        .fetch_all(&pool)
        .await
        .unwrap()
    {
        let (id, name, digest): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
        keys.push(format!("cache:user:id:{id}"));
        keys.push(format!("cache:user:name:{name}"));
        keys.push(format!("cache:user:mobile_digest:{digest}"));
    }
    for api in &apis {
        for line in std::fs::read_to_string(&api.outbox)
            .unwrap_or_default()
            .lines()
        {
            if let Some((mobile, _)) = line.split_once(' ') {
                keys.push(format!("biz#activation#{mobile}"));
                keys.push(format!("biz#verification#count#{mobile}"));
                keys.push(format!("biz#verification#attempts#{mobile}"));
            }
        }
    }
    keys.sort();
    keys.dedup();
    redis::cmd("DEL")
        .arg(&keys)
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    pool.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{database}`")))
        .execute(&admin)
        .await
        .unwrap();
}
