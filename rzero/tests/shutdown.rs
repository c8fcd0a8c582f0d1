//! SIGTERM drains in-flight requests. Its own test binary because it signals the process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use http::Method;
use rzero::conf::load_str;
use rzero::rest::{Reply, RestConf, RouteGroup, Server};
use std::time::{Duration, Instant};

#[tokio::test]
async fn sigterm_lets_a_slow_request_finish_then_stops() {
    let conf: RestConf = load_str(
        "s.yaml",
        "name: drain\nhost: 127.0.0.1\nport: 0\nshutdown_timeout: 5s\nlog: { level: off }\ndev_server: { enabled: true, host: 127.0.0.1, port: 0 }\n",
    )
    .unwrap();
    let mut server = Server::new(conf).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/slow", || async {
            tokio::time::sleep(Duration::from_millis(800)).await;
            Reply("finished")
        }))
        .unwrap();
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    let health = format!("http://{}/healthz", running.ops_addrs()[0]);
    let serving = tokio::spawn(running.run_until_signal());

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let slow = tokio::spawn({
        let client = client.clone();
        async move {
            let response = client.get(format!("{base}/slow")).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(client.get(&health).send().await.unwrap().status(), 200);
    let signalled = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    // While draining, the health check says so (the slow request is still running).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let probe = client.get(&health).send().await.unwrap();
    assert_eq!(probe.status(), 503);
    assert!(!slow.is_finished());

    let (code, body) = slow.await.unwrap();
    assert_eq!(code, 200);
    assert!(body.contains("finished"), "{body}");
    serving.await.unwrap().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "shutdown waited too long"
    );
}

#[tokio::test]
async fn requests_running_past_the_deadline_are_cut_off() {
    let conf: RestConf = load_str(
        "s.yaml",
        "name: cut\nhost: 127.0.0.1\nport: 0\nshutdown_timeout: 300ms\ntimeout: 0\nlog: { level: off }\n",
    )
    .unwrap();
    let mut server = Server::new(conf).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/forever", || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Reply(())
        }))
        .unwrap();
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let stuck = tokio::spawn(async move { client.get(format!("{base}/forever")).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    running.shutdown().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        stuck.await.unwrap().is_err(),
        "the cut-off request must fail"
    );
}
