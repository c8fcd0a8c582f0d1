//! A target directive in the log level reaches the access lines: with
//! `info,rzero::access=warn` only slow requests (logged at warn) write one, while the
//! handlers' own info lines are kept. Its own test binary because the log subscriber is
//! process-wide, and the access lines' filter decision is taken once, when it is installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use http::Method;
use rzero::conf::load_str;
use rzero::rest::{Reply, RestConf, RouteGroup, Server};
use std::time::Duration;

#[tokio::test]
async fn access_lines_follow_a_target_directive() {
    // RUST_LOG would override the configured level.
    if std::env::var_os("RUST_LOG").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "name: filtered\nhost: 127.0.0.1\nport: 0\nlog:\n  mode: file\n  path: {}\n  rotation: never\n  level: info,rzero::access=warn\n  slow_threshold: 50ms\n",
        dir.path().display()
    );
    let conf: RestConf = load_str("log.yaml", &yaml).unwrap();
    let mut server = Server::new(conf).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/fast", || async {
                    tracing::info!("inside the fast route");
                    Reply(())
                })
                .route(Method::GET, "/slow", || async {
                    tokio::time::sleep(Duration::from_millis(120)).await;
                    Reply(())
                }),
        )
        .unwrap();
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for path in ["fast", "slow"] {
        let status = client
            .get(format!("{base}/{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    running.shutdown().await.unwrap();
    rzero::log::flush();

    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("filtered"))
        .expect("a log file named after the service");
    let text = std::fs::read_to_string(file).unwrap();
    let contents: Vec<String> = text
        .lines()
        .map(|l| {
            let line: serde_json::Value = serde_json::from_str(l).unwrap();
            line["content"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(
        contents.iter().any(|c| c == "inside the fast route"),
        "{text}"
    );
    assert!(
        !contents.iter().any(|c| c.contains("GET /fast")),
        "an info access line passed a warn directive: {text}"
    );
    assert!(
        contents
            .iter()
            .any(|c| c.contains("GET /slow") && c.contains("slow call")),
        "{text}"
    );
}
