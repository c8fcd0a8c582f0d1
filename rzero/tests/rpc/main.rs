//! rzero's RPC runtime against a real etcd (testkit starts one per test): registration,
//! discovery, recovery after etcd restarts, and the server's health and shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod discov;
mod server;

use std::time::{Duration, Instant};

/// Waits until `check` holds, up to `limit`; returns how long it took.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}
