//! Test support shared by the workspace's test suites: real servers started per test on free
//! loopback ports with their own temporary data, so parallel tests never share state and a
//! test needs nothing running beforehand except the server's binary being installed.
//!
//! Panics are this crate's error reporting: it only runs inside tests, where a server that
//! cannot start must fail the test with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod etcd;

pub use etcd::Etcd;

use std::net::TcpListener;

/// A loopback port nothing listens on right now. The port is released before it is returned,
/// so another process could take it in between; tests start their server at once, which makes
/// that window negligible.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}
