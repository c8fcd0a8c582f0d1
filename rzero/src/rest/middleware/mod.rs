//! The built-in middlewares, one tower layer per file, in the order a request meets them:
//! trace, log, metrics, max conns, breaker, shedding, timeout, recover, max bytes, gunzip.
//! `crate::rest::chain` stacks them per route according to `RestConf::middlewares`.

mod breaker;
mod gunzip;
mod log;
mod max_bytes;
mod max_conns;
mod metrics;
pub(crate) mod outcome;
mod recover;
mod shedding;
mod timeout;
mod trace;
mod user;

pub(crate) use breaker::BreakerLayer;
pub(crate) use gunzip::GunzipLayer;
pub(crate) use log::LogLayer;
pub(crate) use max_bytes::MaxBytesLayer;
pub(crate) use max_conns::MaxConnsLayer;
pub(crate) use metrics::MetricsLayer;
pub(crate) use recover::RecoverLayer;
pub(crate) use shedding::SheddingLayer;
pub(crate) use timeout::TimeoutLayer;
pub(crate) use trace::TraceLayer;
pub(crate) use user::UserMiddlewareLayer;
pub use user::{Middleware, Next};

/// The request type every rzero middleware handles.
pub type Request = http::Request<axum::body::Body>;
/// The response type every rzero middleware returns.
pub type Response = axum::response::Response;
