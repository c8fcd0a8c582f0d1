//! Recover: a panic in a handler (while building its future or while running it) becomes a
//! logged 500, and the connection and the server carry on. `chain.rs` catches the unwinding
//! around each call into the route; this file turns the payload into the answer.

use super::Response;
use crate::rest::response::error_response;
use http::StatusCode;
use std::any::Any;

pub(crate) fn panic_response(panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload");
    tracing::error!(panic = message, "handler panicked; answered 500");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
}

/// The answer for a request that ran past its deadline (the timeout stage).
pub(crate) fn timeout_response(timeout: std::time::Duration) -> Response {
    tracing::warn!(timeout_ms = timeout.as_millis() as u64, "request timed out");
    error_response(StatusCode::SERVICE_UNAVAILABLE, "request timed out")
}
