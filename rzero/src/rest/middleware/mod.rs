//! The built-in middlewares, one stage per file, in the order a request meets them:
//! trace, log, metrics, max conns, breaker, shedding, timeout, recover, max bytes, gunzip
//! (and the group's JWT). Each file holds one concern: what it decides before the request
//! goes in, and what it does with the response that comes out.
//!
//! `chain.rs` runs a route's enabled stages as one tower service with one hand-written
//! future. They began as one tower layer each; measured with `bench/rest-overhead`, ten layers
//! cost more than the stages' own work (every layer moved the request, wrapped the future in
//! an `Either` and was cloned per request), so they were fused. User middlewares stay tower
//! layers (`user.rs`).

mod breaker;
mod chain;
mod gunzip;
mod log;
mod max_bytes;
mod max_conns;
mod metrics;
mod recover;
mod shedding;
mod trace;
mod user;

pub(crate) use breaker::BreakerStage;
pub(crate) use chain::{ChainLayer, Stages};
pub(crate) use log::LogStage;
pub(crate) use max_bytes::MaxBytesStage;
pub(crate) use max_conns::MaxConnsStage;
pub(crate) use metrics::MetricsStage;
pub(crate) use shedding::SheddingStage;
pub(crate) use trace::TraceStage;
pub(crate) use user::UserMiddlewareLayer;
pub use user::{Middleware, Next};

/// A stage's refusal: the status and message of the answer, built into a response only when
/// a request is actually refused.
#[derive(Debug)]
pub(crate) struct Refusal {
    status: http::StatusCode,
    msg: std::borrow::Cow<'static, str>,
}

impl Refusal {
    pub(crate) fn new(
        status: http::StatusCode,
        msg: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            msg: msg.into(),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        crate::rest::response::error_response(self.status, &self.msg)
    }
}

/// The request type every rzero middleware handles.
pub type Request = http::Request<axum::body::Body>;
/// The response type every rzero middleware returns.
pub type Response = axum::response::Response;
