//! `bench-rest-overhead bare|rzero|rzero-quiet PORT`: serves `GET /hello` with the same JSON
//! body either from bare axum or through rzero's default middleware chain (`rzero-quiet`
//! is the same chain with the per-request access log off). Driven by `run.sh`.

use axum::Json;
use axum::serve::ListenerExt;
use http::Method;
use rzero::rest::{Reply, RestConf, RouteGroup, Server};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct Hello {
    message: &'static str,
}

#[derive(Serialize)]
struct Envelope {
    code: u32,
    msg: &'static str,
    data: Hello,
}

async fn bare_hello() -> Json<Envelope> {
    Json(Envelope {
        code: 0,
        msg: "ok",
        data: Hello { message: "hello" },
    })
}

async fn rzero_hello() -> Reply<Hello> {
    Reply(Hello { message: "hello" })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(port)) = (args.get(1), args.get(2).and_then(|p| p.parse::<u16>().ok()))
    else {
        eprintln!("usage: bench-rest-overhead bare|rzero|rzero-quiet PORT");
        return ExitCode::FAILURE;
    };
    let result = match mode.as_str() {
        "bare" => serve_bare(port).await,
        "rzero" => serve_rzero(port, true).await,
        "rzero-quiet" => serve_rzero(port, false).await,
        other => Err(format!("unknown mode {other:?}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_bare(port: u16) -> Result<(), String> {
    let router = axum::Router::new().route("/hello", axum::routing::get(bare_hello));
    // rzero's accept loop sets TCP_NODELAY; the baseline does too, so that only the chain
    // differs.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, router)
        .with_graceful_shutdown(rzero::rest::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn serve_rzero(port: u16, access_log: bool) -> Result<(), String> {
    let mut conf = RestConf {
        name: "bench".into(),
        host: "127.0.0.1".into(),
        port,
        ..RestConf::default()
    };
    conf.middlewares.log = access_log;
    // For finding where the time goes: RZERO_OFF=trace,breaker,... switches those off.
    let off = std::env::var("RZERO_OFF").unwrap_or_default();
    for name in off.split(',').filter(|n| !n.is_empty()) {
        let m = &mut conf.middlewares;
        let switch = match name {
            "trace" => &mut m.trace,
            "log" => &mut m.log,
            "metrics" => &mut m.metrics,
            "max_conns" => &mut m.max_conns,
            "breaker" => &mut m.breaker,
            "shedding" => &mut m.shedding,
            "timeout" => &mut m.timeout,
            "recover" => &mut m.recover,
            "max_bytes" => &mut m.max_bytes,
            "gunzip" => &mut m.gunzip,
            other => return Err(format!("unknown middleware {other:?} in RZERO_OFF")),
        };
        *switch = false;
    }
    let mut server = Server::new(conf).map_err(|e| e.to_string())?;
    server
        .add_routes(RouteGroup::new().route(Method::GET, "/hello", rzero_hello))
        .map_err(|e| e.to_string())?;
    server.start().await.map_err(|e| e.to_string())
}
