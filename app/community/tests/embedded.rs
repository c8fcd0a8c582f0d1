//! The community in one process on embedded defaults (SQLite, in-process cache and codes,
//! fixed endpoints), from the same etc/community.yaml `cargo run -p community` reads, driven
//! over HTTP only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use common::{Api, scenarios};
use community::embedded::{Community, CommunityConfig};
use std::path::Path;
use std::time::Duration;

/// The shipped config, with this test's own data folder and free ports.
fn config(data: &Path, code_ttl: &str) -> CommunityConfig {
    let vars = [
        ("COMMUNITY_DATA", data.display().to_string()),
        ("COMMUNITY__USER__RPC__LISTEN_ON", "127.0.0.1:0".to_owned()),
        ("COMMUNITY__APPLET__REST__PORT", "0".to_owned()),
        (
            "COMMUNITY__APPLET__VERIFICATION__CODE_TTL",
            code_ttl.to_owned(),
        ),
    ];
    rzero::conf::Loader::file(concat!(env!("CARGO_MANIFEST_DIR"), "/etc/community.yaml"))
        .env_prefix("COMMUNITY")
        .vars(vars.map(|(k, v)| (k.to_owned(), v)))
        .load()
        .unwrap()
}

struct Running {
    community: Community,
    api: Api,
    secret: String,
    data: tempfile::TempDir,
}

async fn start(code_ttl: &str) -> Running {
    let data = tempfile::tempdir().unwrap();
    let config = config(data.path(), code_ttl);
    let secret = config.applet.auth.access_secret.clone();
    let community = Community::start(config).await.unwrap();
    let api = Api::new(
        format!("http://{}", community.applet_addr()),
        data.path().join("sms-outbox.txt"),
    );
    Running {
        community,
        api,
        secret,
        data,
    }
}

impl Running {
    async fn stop(self) {
        self.community.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_and_profile() {
    let running = start("30m").await;
    let (id, number) = scenarios::journey(&running.api).await;
    scenarios::jwt_refusals(&running.api, &running.secret, id).await;

    // The database file holds the number sealed, never in plain text.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        running.data.path().join("user.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT mobile, mobile_digest FROM user")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for (sealed, digest) in &rows {
        assert!(!sealed.contains(&number[3..]) && !digest.contains(&number[3..]));
    }
    db.close().await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_are_checked_limited_and_used_once() {
    let running = start("30m").await;
    scenarios::wrong_code(&running.api).await;
    scenarios::code_used_twice(&running.api).await;
    scenarios::daily_limit(&running.api).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_expire() {
    let running = start("1s").await;
    scenarios::expired_code(&running.api, Duration::from_secs(1)).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_what_went_wrong() {
    let running = start("30m").await;
    scenarios::duplicate_mobile(&running.api).await;
    scenarios::duplicate_name(&running.api).await;
    scenarios::wrong_password(&running.api).await;
    scenarios::login_by_code(&running.api).await;
    scenarios::malformed_input(&running.api).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let community = Community::start(config(data.path(), "30m")).await.unwrap();
    let api = Api::new(
        format!("http://{}", community.applet_addr()),
        data.path().join("sms-outbox.txt"),
    );
    let number = common::mobile();
    let (id, _) = api
        .sign_up(&common::name("keep"), &number, "secret-1")
        .await;
    community.shutdown().await.unwrap();

    let community = Community::start(config(data.path(), "30m")).await.unwrap();
    let api = Api::new(
        format!("http://{}", community.applet_addr()),
        data.path().join("sms-outbox.txt"),
    );
    let data = api
        .post(
            "/v1/login",
            serde_json::json!({ "mobile": number, "password": "secret-1" }),
        )
        .await
        .ok();
    assert_eq!(data["user_id"].as_i64(), Some(id));
    community.shutdown().await.unwrap();
}
