//! The cache's protections against real servers: MariaDB and Redis (distributed mode), SQLite
//! and the in-process cache (embedded mode). Each test makes its own database and key prefix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod bloom;
mod breakdown;
mod consistency;
mod kv;
mod metrics;
mod redis_down;
mod repair;
mod support;
