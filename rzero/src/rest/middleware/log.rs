//! Log: one access line per request (status, method, path, duration, peer), at `warn` for
//! requests slower than `log.slow_threshold`, at `error` for 5xx, else at `info`. It is written
//! inside the trace context, so the line carries the trace id.

use super::Request;
use crate::log::Access;
use axum::extract::ConnectInfo;
use http::{Method, StatusCode, Uri};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub(crate) struct LogStage {
    pub(crate) slow_threshold: Duration,
}

impl LogStage {
    pub(crate) fn begin(&self, request: &Request) -> AccessLine {
        AccessLine {
            method: request.method().clone(),
            uri: request.uri().clone(),
            peer: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        }
    }

    pub(crate) fn finish(&self, line: AccessLine, start: Instant, status: StatusCode) {
        let duration = start.elapsed();
        crate::log::access(&Access {
            status: status.as_u16(),
            method: line.method.as_str(),
            path: line.uri.path(),
            duration,
            peer: line.peer,
            slow: duration > self.slow_threshold,
        });
    }
}

/// What the access line needs from the request, taken before the request is handed on.
pub(crate) struct AccessLine {
    method: Method,
    uri: Uri,
    peer: Option<SocketAddr>,
}
