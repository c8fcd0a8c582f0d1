//! rzero: the runtime that `rzctl`-generated services stand on.
//!
//! | module | what it holds |
//! |---|---|
//! | [`conf`] | YAML config loading: defaults, `${ENV}` substitution, overrides, unknown keys refused |
//! | [`log`] | `tracing` setup: JSON or plain, console or files, trace ids on every line |
//! | [`trace`] | W3C trace context |
//! | [`metrics`] | the Prometheus registry |
//! | [`breaker`] | Google SRE adaptive circuit breaker |
//! | [`load`] | adaptive load shedding on CPU usage |
//! | [`collection`] | the rolling window both of those count in |
//! | [`rest`] | the HTTP server and its middleware chain, binding, JWT, the response envelope |
//! | [`devserver`] | health and metrics listeners |
//! | `rpc` | the gRPC server and client: interceptors, p2c-EWMA balancing, health, reflection |
//! | `discov` | etcd registration and discovery, fixed endpoints |
//! | [`syncx`] | single flight |
//! | `cache` | the cache in front of the database: Redis or in-process, with go-zero's protections |
//! | `db` | MySQL/MariaDB or SQLite pools behind one type |
//! | `sqlc` | cached SQL access for generated models |

pub mod breaker;
#[cfg(feature = "cache")]
pub mod cache;
#[cfg(feature = "codec")]
pub mod codec;
pub mod collection;
pub mod conf;
#[cfg(feature = "sqlc")]
pub mod db;
#[cfg(any(feature = "rest", feature = "rpc"))]
pub mod devserver;
#[cfg(feature = "rpc")]
pub mod discov;
#[cfg(feature = "cache")]
pub mod kv;
pub mod load;
pub mod log;
pub mod metrics;
#[cfg(feature = "rest")]
pub mod rest;
#[cfg(feature = "rpc")]
pub mod rpc;
#[cfg(any(feature = "rest", feature = "rpc"))]
pub mod signal;
#[cfg(feature = "sqlc")]
pub mod sqlc;
pub mod syncx;
mod timex;
pub mod trace;
