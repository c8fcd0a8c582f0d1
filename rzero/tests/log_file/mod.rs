//! What the log tests (each its own binary, since the log subscriber is process-wide) share:
//! a server that logs to files, and reading those files back.

use http::Method;
use rzero::conf::load_str;
use rzero::rest::{Reply, RestConf, RouteGroup, Server};
use std::path::Path;
use std::time::Duration;

/// A server named `service` logging JSON lines at `level` into files under `dir`, with
/// `GET /work` (which logs "doing the work" at info) and `GET /slow` (120 ms, past the 50 ms
/// slow threshold).
pub fn server(service: &str, dir: &Path, level: &str) -> Server {
    let yaml = format!(
        "name: {service}\nhost: 127.0.0.1\nport: 0\nlog:\n  mode: file\n  path: {}\n  rotation: never\n  level: {level}\n  slow_threshold: 50ms\n",
        dir.display()
    );
    let conf: RestConf = load_str("log.yaml", &yaml).unwrap();
    let mut server = Server::new(conf).unwrap();
    server
        .add_routes(
            RouteGroup::new()
                .route(Method::GET, "/work", || async {
                    tracing::info!(step = 1, "doing the work");
                    Reply(())
                })
                .route(Method::GET, "/slow", || async {
                    tokio::time::sleep(Duration::from_millis(120)).await;
                    Reply(())
                }),
        )
        .unwrap();
    server
}

/// Writes out pending lines, then returns the text of the log file named after `service`
/// in `dir` and its lines parsed as JSON.
pub fn read(dir: &Path, service: &str) -> (String, Vec<serde_json::Value>) {
    rzero::log::flush();
    let file = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(service))
        .expect("a log file named after the service");
    let text = std::fs::read_to_string(file).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (text, lines)
}
