//! The RPC metrics of both sides, read from the Prometheus text the process serves. A test
//! binary of its own: the registry is process-wide, and no other test may add to the counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use greeter::client::GreeterClient;
use greeter::pb::greeter::HelloRequest;
use rzero::rpc::RpcClientConf;

/// The value of the sample `name{labels}`, 0 when absent.
fn sample(text: &str, name: &str, labels: &str) -> u64 {
    let key = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&key))
        .map_or(0, |v| v.trim().parse::<f64>().unwrap() as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_and_server_record_every_call_by_method_and_code() {
    let config: greeter::config::Config = rzero::conf::load_str(
        "test.yaml",
        "rpc:\n  name: greeter.rpc\n  listen_on: 127.0.0.1:0\n  log:\n    level: error\ninstance: counted\n",
    )
    .unwrap();
    let server = greeter::server(config).await.unwrap().bind().await.unwrap();
    let client = GreeterClient::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
        .await
        .unwrap();
    for _ in 0..3 {
        client
            .say_hello(HelloRequest { name: "you".into() })
            .await
            .unwrap();
    }
    let invalid = client.say_hello(HelloRequest::default()).await.unwrap_err();
    assert_eq!(invalid.code(), tonic::Code::InvalidArgument);
    client.whoami(()).await.unwrap();

    let text = rzero::metrics::render();
    let hello = "method=\"/greeter.Greeter/SayHello\"";
    for side in ["rpc_server", "rpc_client"] {
        let codes = format!("{side}_requests_code_total");
        assert_eq!(
            sample(&text, &codes, &format!("code=\"0\",{hello}")),
            3,
            "{side}\n{text}"
        );
        assert_eq!(
            sample(&text, &codes, &format!("code=\"3\",{hello}")),
            1,
            "{side}\n{text}"
        );
        let whoami = "code=\"0\",method=\"/greeter.Greeter/Whoami\"";
        assert_eq!(sample(&text, &codes, whoami), 1, "{side}\n{text}");
        let durations = format!("{side}_requests_duration_ms_count");
        assert_eq!(sample(&text, &durations, hello), 4, "{side}\n{text}");
        assert!(
            text.contains(&format!(
                "{side}_requests_duration_ms_bucket{{{hello},le=\"5000\"}} 4"
            )),
            "{side}: no latency buckets\n{text}"
        );
    }
    // Health checks are the platform's: never counted as the service's calls.
    assert!(!text.contains("grpc.health"), "{text}");
    server.shutdown().await.unwrap();
}
