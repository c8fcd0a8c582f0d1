//! A target directive in the log level reaches the access lines: with
//! `info,rzero::access=warn` only slow requests (logged at warn) write one, while the
//! handlers' own info lines are kept. Its own test binary because the log subscriber is
//! process-wide, and the access lines' filter decision is taken once, when it is installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod log_file;

#[tokio::test]
async fn access_lines_follow_a_target_directive() {
    // RUST_LOG would override the configured level.
    if std::env::var_os("RUST_LOG").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = log_file::server("filtered", dir.path(), "info,rzero::access=warn");
    let running = server.bind().await.unwrap();
    let base = format!("http://{}", running.local_addr());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for path in ["work", "slow"] {
        let status = client
            .get(format!("{base}/{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    running.shutdown().await.unwrap();
    let (text, lines) = log_file::read(dir.path(), "filtered");
    let contents: Vec<&str> = lines
        .iter()
        .map(|l| l["content"].as_str().unwrap())
        .collect();
    assert!(contents.contains(&"doing the work"), "{text}");
    assert!(
        !contents.iter().any(|c| c.contains("GET /work")),
        "an info access line passed a warn directive: {text}"
    );
    assert!(
        contents
            .iter()
            .any(|c| c.contains("GET /slow") && c.contains("slow call")),
        "{text}"
    );
}
