//! Log lines written inside a request carry its trace and span ids; slow requests are logged
//! as slow. Its own test binary because the log subscriber is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod log_file;

use http::Method;
use rzero::conf::load_str;
use rzero::rest::{Reply, RestConf, RouteGroup, Server};

#[tokio::test]
async fn every_line_of_a_request_names_its_trace_and_span() {
    let dir = tempfile::tempdir().unwrap();
    let server = log_file::server("logtest", dir.path(), "info");
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    client
        .get(format!("{base}/work"))
        .header("traceparent", traceparent)
        .send()
        .await
        .unwrap();
    client.get(format!("{base}/slow")).send().await.unwrap();
    running.shutdown().await.unwrap();

    // With the access log switched off, a request writes no access line; what the handler
    // logs is still written.
    let quiet_conf: RestConf = load_str(
        "quiet.yaml",
        "name: quiet\nhost: 127.0.0.1\nport: 0\nmiddlewares: { log: false }\nlog: { level: info }\n",
    )
    .unwrap();
    let mut quiet = Server::new(quiet_conf).unwrap();
    quiet
        .add_routes(RouteGroup::new().route(Method::GET, "/quiet", || async {
            tracing::info!("inside the quiet route");
            Reply(())
        }))
        .unwrap();
    let quiet = quiet.bind().await.unwrap();
    let status = client
        .get(format!("http://{}/quiet", quiet.local_addr()))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    quiet.shutdown().await.unwrap();
    let (text, lines) = log_file::read(dir.path(), "logtest");

    let in_request: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["trace"] == "0af7651916cd43dd8448eb211c80319c")
        .collect();
    assert_eq!(in_request.len(), 2, "{text}");
    assert!(in_request.iter().any(|l| l["content"] == "doing the work"));
    let access = in_request
        .iter()
        .find(|l| l["content"].as_str().unwrap().contains("GET /work"))
        .expect("the access line");
    let content = access["content"].as_str().unwrap();
    assert!(
        content.starts_with("[HTTP] 200 - GET /work - 127.0.0.1:"),
        "{content}"
    );
    assert_eq!(access["status"], 200);
    assert!(
        access["duration"].as_str().unwrap().ends_with("ms"),
        "{access}"
    );
    let span = &in_request[0]["span"];
    assert_eq!(span.as_str().map(str::len), Some(16));
    assert!(in_request.iter().all(|l| &l["span"] == span));
    assert_ne!(span, "b7ad6b7169203331");

    let slow = lines
        .iter()
        .find(|l| l["content"].as_str().unwrap().contains("GET /slow"))
        .expect("a line for the slow request");
    assert_eq!(slow["level"], "warn");
    assert!(
        slow["content"].as_str().unwrap().contains("slow call"),
        "{slow}"
    );
    assert!(slow["trace"].as_str().is_some());
    assert_eq!(slow["service"], "logtest");

    assert!(
        lines
            .iter()
            .any(|l| l["content"] == "inside the quiet route"),
        "{text}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l["content"].as_str().unwrap().contains("GET /quiet")),
        "an access line with the access log off: {text}"
    );
}
