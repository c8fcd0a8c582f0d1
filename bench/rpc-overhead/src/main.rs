//! `bench-rpc-overhead serve bare|rzero PORT` serves the greeter's `SayHello` from bare tonic
//! or from rzero's server (every interceptor on); `bench-rpc-overhead load bare|rzero ADDR
//! SECONDS CALLERS` calls it for SECONDS from CALLERS concurrent tasks, through a bare tonic
//! channel or through rzero's client (interceptors and p2c-EWMA balancer on), and prints
//! `calls calls/s client-cpu-ticks`. Driven by `run.sh`; both sides run the same method body.

use greeter::pb::greeter::greeter_client::GreeterClient;
use greeter::pb::greeter::greeter_server::{Greeter, GreeterServer};
use greeter::pb::greeter::{
    CountdownRequest, HelloReply, HelloRequest, Instance, Line, Sentence, Tick, Word,
};
use rzero::rpc::{BoxStream, RpcClientConf, RpcServerConf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status, Streaming};

/// The method under test answers at once: what is measured is the framework around it.
#[derive(Debug, Clone, Copy)]
struct Hello;

#[tonic::async_trait]
impl Greeter for Hello {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        Ok(Response::new(HelloReply {
            message: format!("hello, {}", request.into_inner().name),
            ..HelloReply::default()
        }))
    }

    type CountdownStream = BoxStream<Tick>;

    async fn countdown(
        &self,
        _: Request<CountdownRequest>,
    ) -> Result<Response<Self::CountdownStream>, Status> {
        Err(Status::unimplemented("not benchmarked"))
    }

    async fn collect(&self, _: Request<Streaming<Word>>) -> Result<Response<Sentence>, Status> {
        Err(Status::unimplemented("not benchmarked"))
    }

    type ChatStream = BoxStream<Line>;

    async fn chat(
        &self,
        _: Request<Streaming<Line>>,
    ) -> Result<Response<Self::ChatStream>, Status> {
        Err(Status::unimplemented("not benchmarked"))
    }

    async fn whoami(&self, _: Request<()>) -> Result<Response<Instance>, Status> {
        Err(Status::unimplemented("not benchmarked"))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve", side, port] => match port.parse::<u16>() {
            Ok(port) => serve(side, port).await,
            Err(_) => Err(format!("bad port {port}")),
        },
        ["load", side, addr, seconds, callers] => match (seconds.parse::<u64>(), callers.parse::<usize>()) {
            (Ok(seconds), Ok(callers)) => load(side, addr, Duration::from_secs(seconds), callers).await,
            _ => Err("bad SECONDS or CALLERS".to_owned()),
        },
        _ => Err("usage: bench-rpc-overhead serve bare|rzero PORT | load bare|rzero ADDR SECONDS CALLERS".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(side: &str, port: u16) -> Result<(), String> {
    match side {
        "bare" => {
            let addr = ([127, 0, 0, 1], port).into();
            tonic::transport::Server::builder()
                .tcp_nodelay(true)
                .add_service(GreeterServer::new(Hello))
                .serve_with_shutdown(addr, rzero::rest::shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        "rzero" => {
            let conf = RpcServerConf {
                name: "bench.rpc".into(),
                listen_on: format!("127.0.0.1:{port}"),
                ..RpcServerConf::default()
            };
            let mut server = rzero::rpc::Server::new(conf).map_err(|e| e.to_string())?;
            server.add_service(GreeterServer::new(Hello));
            server.start().await.map_err(|e| e.to_string())
        }
        other => Err(format!("unknown side {other:?}")),
    }
}

async fn load(side: &str, addr: &str, duration: Duration, callers: usize) -> Result<(), String> {
    let calls = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    match side {
        "bare" => {
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .map_err(|e| e.to_string())?
                .tcp_nodelay(true)
                .connect()
                .await
                .map_err(|e| e.to_string())?;
            let client = GreeterClient::new(channel);
            for _ in 0..callers {
                tasks.push(tokio::spawn(call_loop(
                    client.clone(),
                    calls.clone(),
                    stop.clone(),
                )));
            }
        }
        "rzero" => {
            let client = rzero::rpc::Client::new(&RpcClientConf::endpoints([addr]))
                .await
                .map_err(|e| e.to_string())?;
            let client = GreeterClient::new(client.channel());
            for _ in 0..callers {
                tasks.push(tokio::spawn(call_loop(
                    client.clone(),
                    calls.clone(),
                    stop.clone(),
                )));
            }
        }
        other => return Err(format!("unknown side {other:?}")),
    }
    let start = Instant::now();
    let ticks_before = cpu_ticks();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let ticks = cpu_ticks().saturating_sub(ticks_before);
    let elapsed = start.elapsed();
    let mut failed = 0;
    for task in tasks {
        failed += task.await.map_err(|e| e.to_string())?;
    }
    let done = calls.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(format!("{failed} calls failed"));
    }
    println!("{done} {:.0} {ticks}", done as f64 / elapsed.as_secs_f64());
    Ok(())
}

/// This process's CPU time so far (user + system) in clock ticks, from `/proc/self/stat`,
/// so the script can report the load generator's CPU per call beside the server's.
fn cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // The command name (field 2) may hold spaces; the fields after its `)` are plain.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15, i.e. 12 and 13 after the `)`.
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Calls until told to stop; returns the number of failed calls.
async fn call_loop<T>(
    mut client: GreeterClient<T>,
    calls: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> u64
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let mut failed = 0;
    while !stop.load(Ordering::Relaxed) {
        let request = HelloRequest {
            name: "bench".into(),
        };
        match client.say_hello(request).await {
            Ok(_) => {
                calls.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => failed += 1,
        }
    }
    failed
}
