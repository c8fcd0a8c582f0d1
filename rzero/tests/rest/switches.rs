//! Every built-in stage can be switched off in config: with its trigger in place and its
//! switch off, requests pass as if it were not there. (The access log's switch is shown in
//! tests/logging.rs, which owns the process's log output.)

use crate::support::{client, concurrent_statuses, conf, json, start};
use http::Method;
use rzero::load::FixedCpu;
use rzero::rest::{Error, Reply, RouteGroup, Server};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

fn off(stage: &str, extra: &str) -> rzero::rest::RestConf {
    conf(&format!("middlewares: {{ {stage}: false }}\n{extra}"))
}

async fn sleepy() -> Reply<&'static str> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    Reply("done")
}

async fn length(body: axum::body::Bytes) -> Reply<usize> {
    Reply(body.len())
}

#[tokio::test]
async fn trace_off_sends_no_traceparent() {
    let mut server = Server::new(off("trace", "")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/x", || async { Reply(()) }))
        .unwrap();
    let (running, base) = start(server).await;
    let response = client().get(format!("{base}/x")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("traceparent").is_none());
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_off_counts_nothing() {
    let mut server = Server::new(off("metrics", "")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/unmetered", || async { Reply(()) }))
        .unwrap();
    let (running, base) = start(server).await;
    for _ in 0..3 {
        let status = client()
            .get(format!("{base}/unmetered"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let text = rzero::metrics::render();
    let counted: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("http_server_requests_code_total{"))
        .chain(
            text.lines()
                .filter(|line| line.starts_with("http_server_requests_duration_ms_count{")),
        )
        .filter(|line| line.contains(r#"path="/unmetered""#))
        .collect();
    assert!(counted.is_empty(), "{counted:?}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn max_conns_off_admits_past_the_limit() {
    let mut server = Server::new(off("max_conns", "max_conns: 1\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/slow", sleepy))
        .unwrap();
    let (running, base) = start(server).await;
    let statuses = concurrent_statuses(&format!("{base}/slow"), 3).await;
    assert_eq!(statuses, [200; 3]);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn breaker_off_lets_every_failure_through() {
    let mut server = Server::new(off("breaker", "")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/failing", || async {
            Err::<Reply<()>, _>(Error::internal(std::io::Error::other("db down")))
        }))
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    for _ in 0..150 {
        let status = c
            .get(format!("{base}/failing"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            status, 500,
            "the breaker is off: the handler answers every time"
        );
    }
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn shedding_off_sheds_nothing_on_a_hot_cpu() {
    let cpu = Arc::new(FixedCpu::new(980));
    let mut server = Server::new(off("shedding", "cpu_threshold: 900\n"))
        .unwrap()
        .with_cpu_usage(cpu);
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/work", || async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Reply(())
        }))
        .unwrap();
    let (running, base) = start(server).await;
    // The load that gets some requests shed with shedding on (chain.rs).
    for _ in 0..3 {
        let statuses = concurrent_statuses(&format!("{base}/work"), 60).await;
        assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    }
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn timeout_off_lets_slow_handlers_finish() {
    let mut server = Server::new(off("timeout", "timeout: 50ms\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/slow", sleepy))
        .unwrap();
    let (running, base) = start(server).await;
    let (status, body) = json(client().get(format!("{base}/slow")).send().await.unwrap()).await;
    assert_eq!((status, body["data"].as_str()), (200, Some("done")));
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn recover_off_drops_the_connection_of_a_panic_and_serves_on() {
    let mut server = Server::new(off("recover", "")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/panic", || async {
                    if std::hint::black_box(true) {
                        panic!("handler bug, unrecovered on purpose");
                    }
                    Reply(())
                })
                .route(Method::GET, "/ok", || async { Reply("fine") }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    // No 500 comes back: the panic ends the connection's task, as in a bare hyper server.
    let answer = client().get(format!("{base}/panic")).send().await;
    assert!(answer.is_err(), "{answer:?}");
    let status = client()
        .get(format!("{base}/ok"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn max_bytes_off_takes_bodies_past_the_limit() {
    let mut server = Server::new(off("max_bytes", "max_bytes: 1024\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::POST, "/echo", length))
        .unwrap();
    let (running, base) = start(server).await;
    let (status, body) = json(
        client()
            .post(format!("{base}/echo"))
            .body(vec![b'x'; 4000])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["data"].as_u64()), (200, Some(4000)));
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn gunzip_off_hands_the_body_over_as_sent() {
    let mut server = Server::new(off("gunzip", "")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::POST, "/echo", length))
        .unwrap();
    let (running, base) = start(server).await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&[b'z'; 10_000]).unwrap();
    let gz = encoder.finish().unwrap();
    let sent = gz.len() as u64;
    let c = client();
    let (status, body) = json(
        c.post(format!("{base}/echo"))
            .header("content-encoding", "gzip")
            .body(gz)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["data"].as_u64()), (200, Some(sent)));
    // Nor is an unknown encoding refused: decoding is the handler's business now.
    let status = c
        .post(format!("{base}/echo"))
        .header("content-encoding", "snappy")
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    running.shutdown().await.unwrap();
}
