use crate::support::{client, conf, json, start};
use http::Method;
use rzero::load::FixedCpu;
use rzero::rest::{Error, Reply, RouteGroup, Server};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

async fn slow() -> Reply<&'static str> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    Reply("done")
}

#[tokio::test]
async fn max_conns_answers_503_when_full() {
    let mut server = Server::new(conf("max_conns: 1\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/slow", slow))
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let first = tokio::spawn({
        let c = c.clone();
        let url = format!("{base}/slow");
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = json(c.get(format!("{base}/slow")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(body["msg"], "too many concurrent requests");
    assert_eq!(first.await.unwrap(), 200);
    // The slot is released: the next request passes.
    assert_eq!(
        c.get(format!("{base}/slow")).send().await.unwrap().status(),
        200
    );
    running.shutdown().await.unwrap();
}

/// The sum of one metric family's samples whose labels include `labels`, read over HTTP
/// from a metrics page.
async fn scrape(url: &str, family: &str, labels: &str) -> f64 {
    let text = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| line.starts_with(&format!("{family}{{")) && line.contains(labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn breaker_opens_on_a_failing_route_only() {
    let mut server = Server::new(conf("prometheus: { host: 127.0.0.1, port: 0 }\n")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/fail", || async {
                    Err::<Reply<()>, _>(Error::internal(std::io::Error::other("db down")))
                })
                .route(Method::GET, "/ok", || async { Reply(1) }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let metrics = format!("http://{}/metrics", running.ops_addrs()[0]);
    let c = client();
    let mut answers = Vec::new();
    for _ in 0..200 {
        answers.push(json(c.get(format!("{base}/fail")).send().await.unwrap()).await);
    }
    let codes: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    let refused = codes.iter().filter(|&&s| s == 503).count();
    assert!(codes[..5].iter().all(|&s| s == 500), "{codes:?}");
    assert!(refused > 100, "breaker refused only {refused} of 200");
    for (_, body) in answers.iter().filter(|(status, _)| *status == 503) {
        assert_eq!(body["msg"], "circuit breaker is open");
    }
    // Every refusal is counted, under the route's method and path, on the Prometheus port.
    let counted = scrape(
        &metrics,
        "http_server_requests_breaker_rejected_total",
        r#"method="GET",path="/fail""#,
    )
    .await;
    assert_eq!(counted, refused as f64);
    // Another route has its own breaker.
    assert_eq!(
        c.get(format!("{base}/ok")).send().await.unwrap().status(),
        200
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn shedding_answers_503_when_cpu_is_hot_and_backlog_high() {
    let cpu = Arc::new(FixedCpu::new(0));
    let mut server = Server::new(conf(
        "cpu_threshold: 900\nprometheus: { host: 127.0.0.1, port: 0 }\n",
    ))
    .unwrap()
    .with_cpu_usage(cpu.clone());
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/work", || async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Reply(())
        }))
        .unwrap();
    let (running, base) = start(server).await;
    let metrics = format!("http://{}/metrics", running.ops_addrs()[0]);
    let c = client();
    let wave = |n: usize| {
        let c = c.clone();
        let url = format!("{base}/work");
        async move {
            let calls = (0..n).map(|_| {
                let c = c.clone();
                let url = url.clone();
                tokio::spawn(async move {
                    let (status, body) = json(c.get(url).send().await.unwrap()).await;
                    (status, body["msg"].as_str().unwrap_or_default().to_owned())
                })
            });
            let mut answers = Vec::new();
            for call in calls.collect::<Vec<_>>() {
                answers.push(call.await.unwrap());
            }
            answers
        }
    };
    // Cool CPU: everything passes however many are in flight.
    assert!(wave(60).await.iter().all(|(s, _)| *s == 200));
    // Hot CPU with a backlog larger than the measured capacity: some are shed. (Shed
    // answers are 503s, which the route's breaker counts as failures, so it may refuse some
    // too, with its own message.)
    cpu.set(980);
    let mut shed = 0;
    let mut last = Vec::new();
    // Waves until some are shed, not more: every 503 also counts against the route's
    // breaker, which must still be closed for the cool phase below.
    for _ in 0..6 {
        last = wave(60).await;
        shed += last
            .iter()
            .filter(|(s, msg)| *s == 503 && msg == "service overloaded")
            .count();
        if shed > 0 {
            break;
        }
    }
    assert!(shed > 0, "nothing was shed with the CPU at 98%: {last:?}");
    let counted = scrape(
        &metrics,
        "http_server_requests_shed_total",
        r#"method="GET",path="/work""#,
    )
    .await;
    assert_eq!(counted, shed as f64);
    cpu.set(100);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Cool again (after the 1 s cool-off): nothing is shed. (The breaker, which counted the
    // shed 503s as failures as go-zero's does, may still refuse a few.)
    let cool = wave(20).await;
    assert!(
        cool.iter().all(|(_, msg)| msg != "service overloaded"),
        "{cool:?}"
    );
    assert!(cool.iter().any(|(s, _)| *s == 200), "{cool:?}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn timeout_answers_503_and_groups_override_it() {
    let mut server = Server::new(conf("timeout: 1s\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/slow", slow))
        .unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .prefix("/short")
                .timeout(Duration::from_millis(100))
                .route(Method::GET, "/slow", slow),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    assert_eq!(
        c.get(format!("{base}/slow")).send().await.unwrap().status(),
        200
    );
    let (status, body) = json(c.get(format!("{base}/short/slow")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert_eq!(body["msg"], "request timed out");
    running.shutdown().await.unwrap();
}

async fn echo(body: axum::body::Bytes) -> Reply<usize> {
    Reply(body.len())
}

#[tokio::test]
async fn max_bytes_answers_413_for_announced_and_streamed_bodies() {
    let mut server = Server::new(conf("max_bytes: 1024\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::POST, "/echo", echo))
        .unwrap();
    server
        .add_routes(RouteGroup::new().prefix("/big").max_bytes(4096).route(
            Method::POST,
            "/echo",
            echo,
        ))
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let (status, body) = json(
        c.post(format!("{base}/echo"))
            .body(vec![b'x'; 1000])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["data"].as_u64()), (200, Some(1000)));
    let (status, body) = json(
        c.post(format!("{base}/echo"))
            .body(vec![b'x'; 2000])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    assert!(
        body["msg"].as_str().unwrap().contains("limit of 1024"),
        "{body}"
    );
    // A streamed body of unknown length is cut at the limit.
    let chunks =
        futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 512])));
    let streamed = c
        .post(format!("{base}/echo"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    // The group's own limit.
    let status = c
        .post(format!("{base}/big/echo"))
        .body(vec![b'x'; 3000])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_server_keeps_serving() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/panic", || async {
                    if std::hint::black_box(true) {
                        panic!("handler bug");
                    }
                    Reply(())
                })
                .route(Method::GET, "/ok", || async { Reply("fine") }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let (status, body) = json(c.get(format!("{base}/panic")).send().await.unwrap()).await;
    assert_eq!(status, 500);
    assert_eq!(body["msg"], "internal server error");
    let (status, body) = json(c.get(format!("{base}/ok")).send().await.unwrap()).await;
    assert_eq!((status, body["data"].as_str()), (200, Some("fine")));
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn gzip_request_bodies_are_inflated() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new().route(
                Method::POST,
                "/echo",
                |body: String| async move { Reply(body) },
            ),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"hello, compressed world").unwrap();
    let gz = encoder.finish().unwrap();
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
    assert_eq!(status, 200);
    assert_eq!(body["data"], "hello, compressed world");
    let status = c
        .post(format!("{base}/echo"))
        .header("content-encoding", "snappy")
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 415);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn traceparent_is_continued_and_returned() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/t", || async {
            let ctx = rzero::trace::TraceContext::current();
            Reply(ctx.map(|c| c.trace_id.to_string()))
        }))
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = c
        .get(format!("{base}/t"))
        .header("traceparent", incoming)
        .send()
        .await
        .unwrap();
    let outgoing = response.headers()["traceparent"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        outgoing.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{outgoing}"
    );
    assert!(
        !outgoing.contains("00f067aa0ba902b7"),
        "the server must name its own span"
    );
    let fresh = c.get(format!("{base}/t")).send().await.unwrap();
    assert_eq!(fresh.headers()["traceparent"].to_str().unwrap().len(), 55);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_and_middlewares_can_be_switched_off() {
    let mut server = Server::new(conf("middlewares: { trace: false }\n")).unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/x", || async { Reply(()) }))
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let (status, body) = json(c.get(format!("{base}/nope")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(404)));
    let response = c.get(format!("{base}/x")).send().await.unwrap();
    assert!(response.headers().get("traceparent").is_none());
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn duplicate_routes_are_refused() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .prefix("/v1")
                .route(Method::GET, "/a/:id", || async { Reply(()) }),
        )
        .unwrap();
    let err = server
        .add_routes(RouteGroup::new().route(Method::GET, "/v1/a/{id}", || async { Reply(()) }))
        .unwrap_err();
    assert_eq!(err.to_string(), "route GET /v1/a/{id} is registered twice");
    // Same path, another method: fine.
    server
        .add_routes(RouteGroup::new().route(Method::POST, "/v1/a/:id", || async { Reply(()) }))
        .unwrap();
    // A path axum cannot tell from one already there is an error, not a panic at start-up,
    // and nothing of the refused group is kept.
    let err = server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/v1/b", || async { Reply(()) })
                .route(Method::PUT, "/v1/a/:name", || async { Reply(()) }),
        )
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("route PUT /v1/a/{name}: ") && message.contains("conflict"),
        "{message}"
    );
    let err = server
        .add_routes(RouteGroup::new().route(Method::GET, "/files/*path", || async { Reply(()) }))
        .unwrap_err();
    assert!(err.to_string().contains("the segment `*path`"), "{err}");
    // A prefix without its leading slash gets one.
    server
        .add_routes(
            RouteGroup::new()
                .prefix("v2")
                .route(Method::GET, "/b", || async { Reply("v2") }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let (status, body) = json(c.get(format!("{base}/v2/b")).send().await.unwrap()).await;
    assert_eq!((status, &body["data"]), (200, &serde_json::json!("v2")));
    // /v1/b was refused with its group.
    assert_eq!(
        c.get(format!("{base}/v1/b")).send().await.unwrap().status(),
        404
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_and_health_on_the_dev_server() {
    let mut server = Server::new(conf(
        "dev_server: { enabled: true, host: 127.0.0.1, port: 0 }\n",
    ))
    .unwrap();
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/counted/:id", || async { Reply(()) }))
        .unwrap();
    let (running, base) = start(server).await;
    let ops = format!("http://{}", running.ops_addrs()[0]);
    let c = client();
    for id in 0..3 {
        c.get(format!("{base}/counted/{id}")).send().await.unwrap();
    }
    let health = c.get(format!("{ops}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let text = c
        .get(format!("{ops}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"http_server_requests_code_total{code="200",method="GET",path="/counted/{id}"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains("http_server_requests_duration_ms_bucket"),
        "{text}"
    );
    assert!(text.contains("http_server_requests_in_flight"), "{text}");
    running.shutdown().await.unwrap();
}

struct Tag(&'static str);

impl rzero::rest::Middleware for Tag {
    async fn handle(
        &self,
        request: rzero::rest::Request,
        next: rzero::rest::Next,
    ) -> rzero::rest::Response {
        let mut response = next.run(request).await;
        let seen = response
            .headers()
            .get("x-order")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!("{},{}", self.0, v))
            .unwrap_or_else(|| self.0.to_owned());
        response
            .headers_mut()
            .insert("x-order", seen.parse().unwrap());
        response
    }
}

struct Gate;

impl rzero::rest::Middleware for Gate {
    async fn handle(
        &self,
        request: rzero::rest::Request,
        next: rzero::rest::Next,
    ) -> rzero::rest::Response {
        if request.headers().contains_key("x-blocked") {
            return rzero::rest::error_response(http::StatusCode::FORBIDDEN, "blocked");
        }
        next.run(request).await
    }
}

#[tokio::test]
async fn group_middlewares_run_in_order_and_may_answer_themselves() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .middleware(Arc::new(Tag("outer")))
                .middleware(Arc::new(Gate))
                .middleware(Arc::new(Tag("inner")))
                .route(Method::GET, "/m", || async { Reply(()) }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let c = client();
    let response = c.get(format!("{base}/m")).send().await.unwrap();
    // The response passes the inner middleware first on its way out.
    assert_eq!(response.headers()["x-order"], "outer,inner");
    let blocked = c
        .get(format!("{base}/m"))
        .header("x-blocked", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 403);
    assert_eq!(blocked.headers()["x-order"], "outer");
    running.shutdown().await.unwrap();
}

async fn very_slow() -> Reply<&'static str> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Reply("done")
}

#[tokio::test]
async fn a_request_abandoned_by_its_client_gives_its_slot_back() {
    use tokio::io::AsyncWriteExt;
    let mut server = Server::new(conf("max_conns: 1\n")).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/very-slow", very_slow)
                .route(Method::GET, "/quick", || async { Reply("quick") }),
        )
        .unwrap();
    let (running, base) = start(server).await;
    let addr = base.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET /very-slow HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = client();
    let (status, _) = json(c.get(format!("{base}/quick")).send().await.unwrap()).await;
    assert_eq!(status, 503, "the slow request holds the only slot");
    // The client goes away; the server drops the request's future, which must give the slot
    // back long before the handler would have finished.
    drop(tcp);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        let status = c
            .get(format!("{base}/quick"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned request kept its slot"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_peer_reaches_the_logic_over_http1_and_http2() {
    let mut server = Server::new(conf("")).unwrap();
    server
        .add_routes(RouteGroup::new().route(
            Method::GET,
            "/peer",
            |ctx: rzero::rest::Context| async move { Reply(ctx.peer().map(|p| p.ip().to_string())) },
        ))
        .unwrap();
    let (running, base) = start(server).await;
    // HTTP/2 serves each request in a task of its own, not in the connection's.
    let h2 = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for (client, version) in [
        (client(), reqwest::Version::HTTP_11),
        (h2, reqwest::Version::HTTP_2),
    ] {
        let response = client.get(format!("{base}/peer")).send().await.unwrap();
        assert_eq!(response.version(), version);
        let (status, body) = json(response).await;
        assert_eq!(status, 200, "{version:?}: {body}");
        assert_eq!(body["data"], "127.0.0.1", "{version:?}: {body}");
    }
    running.shutdown().await.unwrap();
}
