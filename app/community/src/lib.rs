//! The community's launcher. The services are libraries (`user`, `applet`), each with its own
//! binary for the distributed mode; this crate composes them:
//!
//! - [`embedded`]: every service in one process, wired by fixed endpoints, on SQLite and
//!   in-process caches: what `cargo run -p community` starts.
//! - [`distributed`]: one named service from its own config, registering in or finding its
//!   peers through etcd, as a deployment runs it.

pub mod distributed;
pub mod embedded;

/// Any error while starting.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
