//! The accept loop. Hand-written on hyper-util rather than `axum::serve` because graceful
//! shutdown needs a deadline: `axum::serve` waits for every connection forever, and its
//! connection tasks outlive an aborted server task. Here each connection is a task in a
//! `JoinSet`, drained through hyper's graceful shutdown and aborted when the deadline passes.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Serves `router` until `stop` turns true, then lets in-flight requests finish for up to
/// `deadline` and cuts off whatever still runs.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
    deadline: Duration,
) {
    let builder = Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::error!(%err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Small JSON responses must not wait for Nagle's algorithm.
                let _ = tcp.set_nodelay(true);
                let service = router.clone().map_request(move |mut request: http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
                let connection = builder
                    .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service))
                    .into_owned();
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(%err, %peer, "connection closed with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            // Mapped to `()` so the watch guard is not held in the select's output.
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            deadline_ms = deadline.as_millis() as u64,
            "requests still running at the shutdown deadline were cut off"
        );
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
}
