//! The greeter service as a cluster: servers registering in a real etcd, clients finding
//! them, balancing over them, and reacting to instances that die, slow down or fail.
//! Every test starts its own etcd (testkit) and uses its own key, so they run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use greeter::client::GreeterClient;
use greeter::pb::greeter::{CountdownRequest, HelloRequest, Line, Word};
use rzero::rpc::{BalancerKind, RpcClientConf, RunningServer};
use rzero::trace::TraceContext;
use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use testkit::Etcd;
use tonic::Code;

/// A server config: loopback, a free port, and etcd when given.
fn config(instance: &str, etcd: Option<(&Etcd, &str)>, extra: &str) -> greeter::config::Config {
    let etcd = match etcd {
        Some((etcd, key)) => format!(
            "  etcd:\n    hosts: [\"{}\"]\n    key: {key}\n",
            etcd.endpoint()
        ),
        None => String::new(),
    };
    let text = format!(
        "rpc:\n  name: greeter.rpc\n  listen_on: 127.0.0.1:0\n  log:\n    level: error\n{etcd}instance: {instance}\n{extra}"
    );
    rzero::conf::load_str("test.yaml", &text).unwrap()
}

async fn serve(config: greeter::config::Config) -> RunningServer {
    greeter::server(config).await.unwrap().bind().await.unwrap()
}

fn hello() -> HelloRequest {
    HelloRequest { name: "you".into() }
}

/// Waits until `check` holds, up to `limit`; returns how long it took.
async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}

/// Calls SayHello `n` times from `callers` concurrent tasks; counts answers per instance and
/// the failures.
async fn spread(
    client: &GreeterClient,
    callers: usize,
    n: usize,
) -> (HashMap<String, usize>, Vec<tonic::Status>) {
    let mut tasks = Vec::new();
    for _ in 0..callers {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut served = Vec::new();
            for _ in 0..n / callers {
                served.push(client.say_hello(hello()).await.map(|r| r.served_by));
            }
            served
        }));
    }
    let mut by = HashMap::new();
    let mut failures = Vec::new();
    for task in tasks {
        for answer in task.await.unwrap() {
            match answer {
                Ok(instance) => *by.entry(instance).or_insert(0) += 1,
                Err(status) => failures.push(status),
            }
        }
    }
    (by, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_register_under_the_key_and_the_client_follows_them() {
    let etcd = Etcd::start();
    let key = "greeter-follow.rpc";
    let a = serve(config("a", Some((&etcd, key)), "")).await;
    let b = serve(config("b", Some((&etcd, key)), "")).await;
    for server in [&a, &b] {
        let registered = server.registered_key().unwrap();
        let lease = registered.strip_prefix(&format!("{key}/")).unwrap();
        assert!(
            lease.parse::<i64>().is_ok(),
            "key {registered} is not <key>/<leaseID>"
        );
    }

    let client = GreeterClient::new(&RpcClientConf::etcd([etcd.endpoint()], key))
        .await
        .unwrap();
    let mut expected = vec![a.local_addr().to_string(), b.local_addr().to_string()];
    expected.sort();
    assert_eq!(client.client().endpoints(), expected);

    let (by, failures) = spread(&client, 4, 200).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        by["a"] >= 40 && by["b"] >= 40,
        "calls were not spread: {by:?}"
    );

    // A third instance is picked up live, without touching the client.
    let c = serve(config("c", Some((&etcd, key)), "")).await;
    eventually(Duration::from_secs(3), || {
        client.client().endpoints().len() == 3
    })
    .await;
    let (by, failures) = spread(&client, 4, 300).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        by.get("c").copied().unwrap_or(0) >= 30,
        "the new instance got no share: {by:?}"
    );

    // A graceful shutdown deregisters first: the client drops the instance and no call fails.
    c.shutdown().await.unwrap();
    assert_eq!(client.client().endpoints().len(), 2);
    let (_, failures) = spread(&client, 4, 100).await;
    assert!(failures.is_empty(), "{failures:?}");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A greeter binary running `yaml` (from `dir`), so it can get real signals. Dropping it
/// kills it, so a failed test leaves no process behind.
struct Process {
    child: Child,
}

impl Process {
    fn spawn(dir: &std::path::Path, yaml: &str) -> Self {
        let path = dir.join("greeter.yaml");
        std::fs::write(&path, yaml).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_greeter"))
            .arg("-f")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self { child }
    }

    /// Sends `signal` (`TERM`, `STOP`, `CONT`) with kill(1).
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// SIGSTOP, then waits until every thread of the process has stopped: the signal is only
    /// sent when kill(1) returns, and a thread still running could answer one more call.
    fn freeze(&self) {
        self.signal("STOP");
        let tasks = format!("/proc/{}/task", self.child.id());
        let start = Instant::now();
        loop {
            let stopped = std::fs::read_dir(&tasks).unwrap().all(|task| {
                let stat = std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap();
                // The state follows the parenthesised command name: `pid (comm) T ...`.
                let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
                matches!(state, Some(Some('T' | 't')))
            });
            if stopped {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the process did not stop"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // A stopped process must run again to die of SIGKILL promptly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(self.child.id().to_string())
                .status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A greeter process registered in `etcd` under `key`, with `extra` config lines at the top
/// level (`faults:`) and `rpc_extra` inside `rpc:` (indented by two).
fn spawn_registered(
    etcd: &Etcd,
    key: &str,
    dir: &std::path::Path,
    rpc_extra: &str,
    extra: &str,
) -> Process {
    Process::spawn(
        dir,
        &format!(
            "rpc:\n  name: greeter.rpc\n  listen_on: 127.0.0.1:0\n  log:\n    level: error\n  etcd:\n    hosts: [\"{}\"]\n    key: {key}\n{rpc_extra}instance: doomed\n{extra}",
            etcd.endpoint()
        ),
    )
}

/// Waits until something accepts connections at `addr`.
async fn listening(addr: &str) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{addr} never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_leaves_within_the_ttl_and_then_no_call_fails() {
    let etcd = Etcd::start();
    let key = "greeter-kill.rpc";
    let dir = tempfile::tempdir().unwrap();
    let survivor = serve(config("survivor", Some((&etcd, key)), "")).await;
    let mut doomed = spawn_registered(&etcd, key, dir.path(), "", "");
    let client = GreeterClient::new(&RpcClientConf::etcd([etcd.endpoint()], key))
        .await
        .unwrap();
    eventually(Duration::from_secs(10), || {
        client.client().endpoints().len() == 2
    })
    .await;
    let (by, _) = spread(&client, 2, 100).await;
    assert!(by.get("doomed").copied().unwrap_or(0) > 0, "{by:?}");

    // SIGKILL: no deregistration, the key goes only when its lease expires. Until then the
    // client sends nothing there once it has seen the connection close. A call picked for it
    // before that goes to the survivor when it provably never reached the dead instance; one
    // already written to the dead connection fails UNAVAILABLE, as with grpc-go, since a
    // call that may have reached its server is never sent twice. So the calls start once
    // the client has seen the close (the replay itself is shown by the next test).
    doomed.kill();
    let survivor_addr = survivor.local_addr().to_string();
    eventually(Duration::from_secs(10), || {
        let down = client.client().down_endpoints();
        down.len() == 1 && down[0] != survivor_addr
    })
    .await;
    let (by, failures) = spread(&client, 2, 100).await;
    assert!(
        failures.is_empty(),
        "calls failed while the dead instance was still registered: {failures:?}"
    );
    assert_eq!(by["survivor"], 100);
    let gone = eventually(rzero::discov::TTL + Duration::from_secs(3), || {
        client.client().endpoints() == vec![survivor_addr.clone()]
    })
    .await;
    assert!(
        gone > Duration::from_secs(2),
        "the key went too early ({gone:?}): was it deregistered?"
    );

    let (by, failures) = spread(&client, 4, 200).await;
    assert!(
        failures.is_empty(),
        "calls failed after the dead instance left: {failures:?}"
    );
    assert_eq!(by["survivor"], 200);
    survivor.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_picked_for_an_unreachable_instance_goes_to_another() {
    let live = serve(config("live", None, "")).await;
    let live_addr = live.local_addr().to_string();
    // A port that was free a moment ago: nothing accepts connections there.
    let dead_addr = format!("127.0.0.1:{}", testkit::free_port());
    let mut conf = RpcClientConf::endpoints([dead_addr.clone(), live_addr.clone()]);
    // Round robin picks the dead instance on the first or the second call, whatever the order.
    conf.balancer = BalancerKind::RoundRobin;
    let client = GreeterClient::new(&conf).await.unwrap();
    for _ in 0..10 {
        let reply = client.say_hello(hello()).await.expect("a call failed");
        assert_eq!(reply.served_by, "live");
    }
    let sent: HashMap<String, u64> = client.client().calls_by_endpoint().into_iter().collect();
    // Tried once (the refused connect marks it down), then left out of every pick.
    assert_eq!(sent[&dead_addr], 1, "{sent:?}");
    assert_eq!(sent[&live_addr], 10, "{sent:?}");
    live.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_an_instance_may_have_begun_is_never_sent_to_another() {
    let dir = tempfile::tempdir().unwrap();
    let survivor = serve(config("survivor", None, "")).await;
    let survivor_addr = survivor.local_addr().to_string();
    let doomed_addr = format!("127.0.0.1:{}", testkit::free_port());
    let mut doomed = Process::spawn(
        dir.path(),
        &format!(
            "rpc:\n  name: greeter.rpc\n  listen_on: {doomed_addr}\n  timeout: 10s\n  log:\n    level: error\ninstance: doomed\nfaults:\n  delay: 5s\n"
        ),
    );
    listening(&doomed_addr).await;
    let mut conf = RpcClientConf::endpoints([doomed_addr.clone(), survivor_addr.clone()]);
    conf.balancer = BalancerKind::RoundRobin;
    conf.timeout = Duration::from_secs(10);
    let client = GreeterClient::new(&conf).await.unwrap();
    // Two calls at once: round robin sends one to each; the doomed one sits in its delay.
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.say_hello(hello()).await })
        })
        .collect();
    // Generous: the call reaches the doomed instance in a few milliseconds.
    tokio::time::sleep(Duration::from_millis(500)).await;
    doomed.kill();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap().map(|reply| reply.served_by));
    }
    let served: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(served, [&"survivor".to_owned()], "{answers:?}");
    let failed = answers.iter().find_map(|a| a.as_ref().err()).unwrap();
    assert_eq!(failed.code(), Code::Unavailable, "{failed:?}");
    let sent: HashMap<String, u64> = client.client().calls_by_endpoint().into_iter().collect();
    assert_eq!(
        sent[&survivor_addr], 1,
        "the begun call went to the survivor too: {sent:?}"
    );
    assert_eq!(sent[&doomed_addr], 1, "{sent:?}");
    survivor.shutdown().await.unwrap();
}

/// The share of calls the slow instance gets with `kind`, with 8 callers.
async fn slow_share(kind: BalancerKind, fast: &RunningServer, slow: &RunningServer) -> f64 {
    let mut conf =
        RpcClientConf::endpoints([fast.local_addr().to_string(), slow.local_addr().to_string()]);
    conf.balancer = kind;
    let client = GreeterClient::new(&conf).await.unwrap();
    let (by, failures) = spread(&client, 8, 400).await;
    assert!(failures.is_empty(), "{failures:?}");
    let slow = by.get("slow").copied().unwrap_or(0) as f64;
    slow / by.values().sum::<usize>() as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2c_ewma_sends_a_slow_instance_far_fewer_calls_than_round_robin() {
    let fast = serve(config("fast", None, "")).await;
    let slow = serve(config("slow", None, "faults:\n  delay: 40ms\n")).await;
    let round_robin = slow_share(BalancerKind::RoundRobin, &fast, &slow).await;
    let p2c = slow_share(BalancerKind::P2cEwma, &fast, &slow).await;
    println!("slow instance share: round robin {round_robin:.3}, p2c-ewma {p2c:.3}");
    assert!(
        (0.45..=0.55).contains(&round_robin),
        "round robin gave {round_robin}"
    );
    assert!(
        p2c < round_robin / 3.0,
        "p2c-ewma gave the slow instance {p2c}, round robin {round_robin}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_on_a_failing_server() {
    let failing = serve(config("failing", None, "faults:\n  fail: true\n")).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([failing
        .local_addr()
        .to_string()]))
    .await
    .unwrap();
    let mut reached = 0;
    let mut refused = 0;
    for _ in 0..200 {
        let status = client.say_hello(hello()).await.unwrap_err();
        assert_eq!(status.code(), Code::Unavailable);
        if status.message().contains("circuit breaker") {
            refused += 1;
        } else {
            reached += 1;
        }
    }
    assert!(
        refused > 100,
        "the breaker let {reached} of 200 calls through"
    );
    // Other methods have their own breaker.
    assert!(client.whoami(()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_method_timeout_fires() {
    let extra = "faults:\n  delay: 300ms\n";
    let mut config = config("slow", None, extra);
    config.rpc.method_timeouts = vec![rzero::rpc::MethodTimeout {
        full_method: "/greeter.Greeter/SayHello".into(),
        timeout: Duration::from_millis(50),
    }];
    let server = serve(config).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
        .await
        .unwrap();
    let start = Instant::now();
    let status = client.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("50 ms"), "{status:?}");
    assert!(
        start.elapsed() < Duration::from_millis(290),
        "waited for the slow method"
    );
    // The server's default (2 s) still applies to the others.
    assert_eq!(client.whoami(()).await.unwrap().name, "slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_id_crosses_the_hop() {
    let server = serve(config("traced", None, "")).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
        .await
        .unwrap();
    let ctx = TraceContext::root(1.0);
    let reply = ctx.scope(client.say_hello(hello())).await.unwrap();
    assert_eq!(reply.trace_id, ctx.trace_id.to_string());
    // Without a current trace, the call starts one; the server continues it.
    let reply = client.say_hello(hello()).await.unwrap();
    assert_eq!(reply.trace_id.len(), 32);
    assert_ne!(reply.trace_id, ctx.trace_id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_call_goes_through_the_balanced_client() {
    let server = serve(config("streams", None, "")).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
        .await
        .unwrap();

    let mut ticks = client
        .countdown(CountdownRequest { from: 3 })
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Some(tick) = ticks.message().await.unwrap() {
        seen.push(tick.remaining);
    }
    assert_eq!(seen, [3, 2, 1, 0]);

    let words = ["calls", "in", "a", "stream"].map(|w| Word { text: w.into() });
    let sentence = client.collect(tokio_stream::iter(words)).await.unwrap();
    assert_eq!(
        (sentence.text.as_str(), sentence.words),
        ("calls in a stream", 4)
    );

    let lines = ["one", "two"].map(|t| Line { text: t.into() });
    let mut answers = client.chat(tokio_stream::iter(lines)).await.unwrap();
    let mut got = Vec::new();
    while let Some(line) = answers.message().await.unwrap() {
        got.push(line.text);
    }
    assert_eq!(got, ["you said: one", "you said: two"]);

    let instance = client.whoami(()).await.unwrap();
    assert_eq!(instance.name, "streams");
    assert!(instance.started_at.is_some());

    let status = client.say_hello(HelloRequest::default()).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_without_instances_is_a_clear_error() {
    let etcd = Etcd::start();
    let client = GreeterClient::new(&RpcClientConf::etcd([etcd.endpoint()], "nobody.rpc"))
        .await
        .unwrap();
    let status = client.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(
        status.message(),
        "no instance available for etcd key nobody.rpc"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_token_auth_refuses_unknown_callers() {
    let extra = "";
    let mut config = config("guarded", None, extra);
    config.rpc.auth.enabled = true;
    config
        .rpc
        .auth
        .apps
        .insert("web".into(), "s3cret-token".into());
    let server = serve(config).await;
    let addr = server.local_addr().to_string();

    let anonymous = GreeterClient::new(&RpcClientConf::endpoints([addr.clone()]))
        .await
        .unwrap();
    let status = anonymous.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    let mut conf = RpcClientConf::endpoints([addr.clone()]);
    conf.app = "web".into();
    conf.token = "wrong".into();
    let wrong = GreeterClient::new(&conf).await.unwrap();
    assert_eq!(
        wrong.say_hello(hello()).await.unwrap_err().code(),
        Code::Unauthenticated
    );

    conf.token = "s3cret-token".into();
    let known = GreeterClient::new(&conf).await.unwrap();
    assert_eq!(known.say_hello(hello()).await.unwrap().served_by, "guarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_mode_serves_reflection_of_the_generated_descriptors() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let mut dev = config("dev", None, "");
    dev.rpc.mode = rzero::conf::Mode::Dev;
    let server = serve(dev).await;
    let client =
        rzero::rpc::Client::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
            .await
            .unwrap();
    let mut reflection = ServerReflectionClient::new(client.channel());
    let ask = |request: MessageRequest| {
        tokio_stream::iter([ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        }])
    };
    let mut answers = reflection
        .server_reflection_info(ask(MessageRequest::ListServices(String::new())))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        answers.message().await.unwrap().unwrap().message_response
    else {
        panic!("not a service list");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"greeter.Greeter".to_owned()), "{names:?}");

    let mut answers = reflection
        .server_reflection_info(ask(MessageRequest::FileContainingSymbol(
            "greeter.HelloRequest".into(),
        )))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::FileDescriptorResponse(files)) =
        answers.message().await.unwrap().unwrap().message_response
    else {
        panic!("no descriptor for greeter.HelloRequest");
    };
    assert!(!files.file_descriptor_proto.is_empty());

    // Outside dev mode reflection is off.
    let pro = serve(config("pro", None, "")).await;
    let client = rzero::rpc::Client::new(&RpcClientConf::endpoints([pro.local_addr().to_string()]))
        .await
        .unwrap();
    let mut reflection = ServerReflectionClient::new(client.channel());
    let status = reflection
        .server_reflection_info(ask(MessageRequest::ListServices(String::new())))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
}

/// `items`, one every `every`: a slow uploader.
fn slowly<T: Send + 'static>(
    items: Vec<T>,
    every: Duration,
) -> tokio_stream::wrappers::ReceiverStream<T> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for item in items {
            tokio::time::sleep(every).await;
            if tx.send(item).await.is_err() {
                return;
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

fn words(n: usize) -> Vec<Word> {
    (0..n)
        .map(|i| Word {
            text: format!("w{i}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_cut_slow_unary_calls_but_not_long_streams() {
    // Server and client both time calls out after 300 ms; the streams below take over a
    // second, SayHello a second.
    let short = Duration::from_millis(300);
    let mut config = config("patient", None, "faults:\n  delay: 1s\n");
    config.rpc.timeout = short;
    let server = serve(config).await;
    let mut conf = RpcClientConf::endpoints([server.local_addr().to_string()]);
    conf.timeout = short;
    let client = GreeterClient::new(&conf).await.unwrap();

    let sentence = client
        .collect(slowly(words(6), Duration::from_millis(200)))
        .await
        .unwrap();
    assert_eq!(sentence.words, 6, "{sentence:?}");

    let lines = ["one", "two", "three", "four"].map(|t| Line { text: t.into() });
    let mut answers = client
        .chat(slowly(lines.to_vec(), Duration::from_millis(250)))
        .await
        .unwrap();
    let mut got = 0;
    while let Some(line) = answers.message().await.unwrap() {
        assert!(line.text.starts_with("you said: "), "{line:?}");
        got += 1;
    }
    assert_eq!(got, 4);

    // A slow unary call is cut off: by the client (it started the clock first)...
    let status = client.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    // ...and by the server when the client sets no timeout.
    let mut patient = RpcClientConf::endpoints([server.local_addr().to_string()]);
    patient.timeout = Duration::ZERO;
    let patient = GreeterClient::new(&patient).await.unwrap();
    let status = patient.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        status.message().contains("did not finish within 300 ms"),
        "{status:?}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_method_is_bound_by_its_own_timeout_only() {
    let mut config = config("bounded", None, "");
    config.rpc.method_timeouts = vec![rzero::rpc::MethodTimeout {
        full_method: "/greeter.Greeter/Collect".into(),
        timeout: Duration::from_millis(300),
    }];
    let server = serve(config).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([server.local_addr().to_string()]))
        .await
        .unwrap();
    let status = client
        .collect(slowly(words(10), Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("300 ms"), "{status:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_timeout_is_sent_as_grpc_timeout_and_fires_on_its_own() {
    let server = serve(config("deadline", None, "")).await;
    let mut conf = RpcClientConf::endpoints([server.local_addr().to_string()]);
    conf.timeout = Duration::from_millis(1500);
    let client = GreeterClient::new(&conf).await.unwrap();
    assert_eq!(client.say_hello(hello()).await.unwrap().deadline, "1500m");
    // A shorter deadline set by the caller wins.
    let mut request = tonic::Request::new(hello());
    request.set_timeout(Duration::from_millis(200));
    assert_eq!(client.say_hello(request).await.unwrap().deadline, "200m");
    // Streams carry no default deadline (Countdown has no field to show it, Collect neither;
    // the timeouts test shows they are not cut).

    // The client's own clock: a server that cannot answer at all (stopped by SIGSTOP) is
    // given up on after the client's timeout, whatever the server would have done.
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", testkit::free_port());
    let stopped = Process::spawn(
        dir.path(),
        &format!(
            "rpc:\n  name: greeter.rpc\n  listen_on: {addr}\n  log:\n    level: error\ninstance: frozen\n"
        ),
    );
    listening(&addr).await;
    let mut conf = RpcClientConf::endpoints([addr.clone()]);
    conf.timeout = Duration::from_millis(300);
    let client = GreeterClient::new(&conf).await.unwrap();
    assert_eq!(client.say_hello(hello()).await.unwrap().served_by, "frozen");
    stopped.freeze();
    let status = client.say_hello(hello()).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        status.message().contains(&format!("no answer from {addr}")),
        "{status:?}"
    );
    stopped.signal("CONT");
    server.shutdown().await.unwrap();
}

/// The value of the Prometheus sample `name{labels}` in `text`, 0 when absent.
fn sample(text: &str, name: &str, labels: &str) -> u64 {
    let key = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&key))
        .map_or(0, |v| v.trim().parse::<f64>().unwrap() as u64)
}

/// `GET path` on `addr` over plain HTTP/1.0; the body.
async fn http_get(addr: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    body.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_breaker_refuses_calls_before_they_reach_the_server() {
    // A failing server with its own breaker off, in a process of its own so that its
    // Prometheus counters count only what reached it.
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", testkit::free_port());
    let metrics = format!("127.0.0.1:{}", testkit::free_port());
    let (metrics_host, metrics_port) = metrics.split_once(':').unwrap();
    let _failing = Process::spawn(
        dir.path(),
        &format!(
            "rpc:\n  name: greeter.rpc\n  listen_on: {addr}\n  log:\n    level: error\n  middlewares:\n    breaker: false\n  prometheus:\n    host: {metrics_host}\n    port: {metrics_port}\ninstance: failing\nfaults:\n  fail: true\n"
        ),
    );
    listening(&addr).await;
    listening(&metrics).await;
    let client = GreeterClient::new(&RpcClientConf::endpoints([addr.clone()]))
        .await
        .unwrap();
    let (mut reached, mut refused) = (0u64, 0u64);
    for _ in 0..200 {
        let status = client.say_hello(hello()).await.unwrap_err();
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        if status.message().contains("circuit breaker") {
            refused += 1;
        } else {
            assert_eq!(status.message(), "this instance is failing on purpose");
            reached += 1;
        }
    }
    let text = http_get(&metrics, "/metrics").await;
    let served = sample(
        &text,
        "rpc_server_requests_code_total",
        "code=\"14\",method=\"/greeter.Greeter/SayHello\"",
    );
    assert_eq!(
        served, reached,
        "the server saw {served}, the client sent {reached}"
    );
    assert!(
        served < 100 && refused > 100,
        "the server saw {served} of 200 calls; the client refused {refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_under_load_finishes_calls_in_flight_and_fails_none() {
    let etcd = Etcd::start();
    let key = "greeter-drain.rpc";
    // No timeout on either side may race the 1.5 s call.
    let mut leaving = config("leaving", Some((&etcd, key)), "faults:\n  delay: 1500ms\n");
    leaving.rpc.timeout = Duration::from_secs(10);
    let leaving = serve(leaving).await;
    let staying = serve(config("staying", Some((&etcd, key)), "")).await;
    let leaving_addr = leaving.local_addr().to_string();
    let client = GreeterClient::new(&RpcClientConf::etcd([etcd.endpoint()], key))
        .await
        .unwrap();
    eventually(Duration::from_secs(3), || {
        client.client().endpoints().len() == 2
    })
    .await;

    // A slow call in flight on the instance that leaves.
    let mut direct = RpcClientConf::endpoints([leaving_addr.clone()]);
    direct.timeout = Duration::from_secs(10);
    let direct = GreeterClient::new(&direct).await.unwrap();
    assert_eq!(direct.whoami(()).await.unwrap().name, "leaving");
    let slow = tokio::spawn({
        let direct = direct.clone();
        async move { direct.say_hello(hello()).await }
    });
    // Calls started all through the shutdown, on the client that knows both instances.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = tokio::spawn({
        let (client, done) = (client.clone(), done.clone());
        async move {
            let mut answers = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                answers.push(client.whoami(()).await.map(|i| i.name));
            }
            answers
        }
    });
    // Generous: the slow call reaches the server in a few milliseconds.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let shutdown = tokio::spawn(leaving.shutdown());
    let watcher = rzero::discov::Subscriber::etcd(&rzero::discov::EtcdConf {
        hosts: vec![etcd.endpoint()],
        key: key.into(),
        ..rzero::discov::EtcdConf::default()
    })
    .await
    .unwrap();
    let endpoints = watcher.endpoints();
    let staying_addr = staying.local_addr().to_string();
    eventually(Duration::from_secs(2), || {
        endpoints.borrow().iter().eq([&staying_addr])
    })
    .await;
    // The key is gone, and the instance still answers those that have not noticed yet.
    assert_eq!(direct.whoami(()).await.unwrap().name, "leaving");
    assert!(
        !slow.is_finished(),
        "the slow call ended before the key went"
    );

    shutdown.await.unwrap().unwrap();
    let reply = slow.await.unwrap().expect("the call in flight was cut off");
    assert_eq!(reply.served_by, "leaving");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let answers = load.await.unwrap();
    let failures: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "calls failed during the shutdown: {failures:?}"
    );
    assert!(
        answers
            .iter()
            .any(|a| a.as_ref().is_ok_and(|name| name == "staying")),
        "no call was served by the staying instance"
    );
    // After the drain the port is closed.
    assert!(tokio::net::TcpStream::connect(&leaving_addr).await.is_err());
    staying.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_deregisters_first_then_drains_the_call_in_flight() {
    let etcd = Etcd::start();
    let key = "greeter-sigterm.rpc";
    let dir = tempfile::tempdir().unwrap();
    // The server's own 2 s timeout must not race the 2 s call.
    let mut process = spawn_registered(
        &etcd,
        key,
        dir.path(),
        "  timeout: 10s\n",
        "faults:\n  delay: 2s\n",
    );
    let mut conf = RpcClientConf::etcd([etcd.endpoint()], key);
    conf.timeout = Duration::from_secs(10);
    let client = GreeterClient::new(&conf).await.unwrap();
    eventually(Duration::from_secs(10), || {
        client.client().endpoints().len() == 1
    })
    .await;
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.say_hello(hello()).await }
    });
    // Generous: the call reaches the process in a few milliseconds.
    tokio::time::sleep(Duration::from_millis(300)).await;
    process.signal("TERM");
    eventually(Duration::from_secs(2), || {
        client.client().endpoints().is_empty()
    })
    .await;
    assert!(
        !slow.is_finished(),
        "the call ended before the key went: the process drained before it deregistered"
    );
    let reply = slow
        .await
        .unwrap()
        .expect("SIGTERM cut the call in flight off");
    assert_eq!(reply.served_by, "doomed");
    assert!(process.wait().success(), "the process did not exit cleanly");
}

/// go-zero's shedding interceptor returns the shedder's `ErrServiceOverloaded` as it is,
/// which gRPC sends as UNKNOWN; rzero answers RESOURCE_EXHAUSTED, which says what happened
/// and which go-zero's clients also count as the server's failure (`codes.Acceptable`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_cpu_sheds_calls_with_resource_exhausted() {
    use rzero::load::FixedCpu;
    use std::sync::Arc;
    let cpu = Arc::new(FixedCpu::new(0));
    let mut config = config("hot", None, "faults:\n  delay: 200ms\n");
    // Only the shedder decides here: no breaker on either side turns shed calls into
    // UNAVAILABLE.
    config.rpc.middlewares.breaker = false;
    config.rpc.cpu_threshold = 900;
    let server = greeter::server(config)
        .await
        .unwrap()
        .with_cpu_usage(cpu.clone())
        .bind()
        .await
        .unwrap();
    let mut conf = RpcClientConf::endpoints([server.local_addr().to_string()]);
    conf.middlewares.breaker = false;
    let client = GreeterClient::new(&conf).await.unwrap();
    let wave = |n: usize| {
        let client = client.clone();
        async move {
            let calls: Vec<_> = (0..n)
                .map(|_| {
                    let client = client.clone();
                    tokio::spawn(async move { client.say_hello(hello()).await.map(|_| ()) })
                })
                .collect();
            let mut codes = Vec::new();
            for call in calls {
                codes.push(match call.await.unwrap() {
                    Ok(()) => Code::Ok,
                    Err(status) => status.code(),
                });
            }
            codes
        }
    };
    // A cool CPU: everything passes, however many are in flight.
    assert!(wave(60).await.iter().all(|c| *c == Code::Ok));
    // A hot CPU with more in flight than the server has shown it can finish: some are shed.
    cpu.set(980);
    let mut shed = 0;
    for _ in 0..4 {
        let codes = wave(60).await;
        assert!(
            codes
                .iter()
                .all(|c| matches!(c, Code::Ok | Code::ResourceExhausted)),
            "{codes:?}"
        );
        shed += codes
            .iter()
            .filter(|c| **c == Code::ResourceExhausted)
            .count();
    }
    assert!(shed > 0, "nothing was shed with the CPU at 98%");
    // Cool again, after the shedder's 1 s cool-off: everything passes.
    cpu.set(100);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(wave(20).await.iter().all(|c| *c == Code::Ok));
    server.shutdown().await.unwrap();
}
