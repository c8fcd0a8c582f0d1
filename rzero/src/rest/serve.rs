//! The accept loop. Hand-written on hyper-util rather than `axum::serve` because graceful
//! shutdown needs a deadline: `axum::serve` waits for every connection forever, and its
//! connection tasks outlive an aborted server task. Here each connection is a task in a
//! `JoinSet`, drained through hyper's graceful shutdown and aborted when the deadline passes.
//!
//! The client's address travels as a task-local of the connection rather than as a
//! `ConnectInfo` request extension: inserting the extension into every request's type map
//! (hashing, inserting, growing the map) cost about 400 instructions a request, as much as
//! the breaker and the shedder together.

use axum::Router;
use axum::extract::ConnectInfo;
use http::Extensions;
use hyper::rt::Executor;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

tokio::task_local! {
    /// The client of the connection being served.
    static PEER: SocketAddr;
}

/// The client's address of the request being served: set for every request rzero's server
/// accepts, and otherwise taken from axum's `ConnectInfo` (a router from
/// [`super::Server::into_router`] served with `into_make_service_with_connect_info`).
pub(crate) fn peer(extensions: &Extensions) -> Option<SocketAddr> {
    PEER.try_with(|peer| *peer).ok().or_else(|| {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0)
    })
}

/// Runs what hyper spawns for a connection (its HTTP/2 streams, each serving one request)
/// with the connection's peer, as the connection's own task has it for HTTP/1.
#[derive(Clone, Copy)]
struct PeerExecutor {
    peer: SocketAddr,
}

impl<F> Executor<F> for PeerExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        tokio::spawn(PEER.scope(self.peer, future));
    }
}

/// Serves `router` until `stop` turns true, then lets in-flight requests finish for up to
/// `deadline` and cuts off whatever still runs.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
    deadline: Duration,
) {
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
                // A builder per connection, for its executor to know the peer; building one
                // costs a few words, nothing like a request.
                let connection = Builder::new(PeerExecutor { peer })
                    .serve_connection_with_upgrades(
                        TokioIo::new(tcp),
                        TowerToHyperService::new(router.clone()),
                    )
                    .into_owned();
                let connection = graceful.watch(connection);
                connections.spawn(PEER.scope(peer, async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(%err, %peer, "connection closed with an error");
                    }
                }));
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
