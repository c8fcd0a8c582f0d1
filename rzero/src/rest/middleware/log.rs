//! Log: one access line per request (status, method, path, duration, peer), at `warn` for
//! requests slower than `log.slow_threshold`, at `error` for 5xx, else at `info`. It is written
//! inside the trace context, so the line carries the trace id.

use super::Request;
use crate::log::Access;
use axum::extract::ConnectInfo;
use http::{Method, StatusCode};
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
            path: Path::new(request.uri().path()),
            peer: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        }
    }

    pub(crate) fn finish(
        &self,
        line: AccessLine,
        end: Instant,
        duration: Duration,
        status: StatusCode,
    ) {
        crate::log::access(&Access {
            status: status.as_u16(),
            method: line.method.as_str(),
            path: line.path.as_str(),
            duration,
            end,
            peer: line.peer,
            slow: duration > self.slow_threshold,
        });
    }
}

/// What the access line needs from the request, taken before the request is handed on.
pub(crate) struct AccessLine {
    method: Method,
    path: Path,
    peer: Option<SocketAddr>,
}

/// The request path, copied inline when short (nearly always): cheaper than keeping a
/// reference-counted clone of the URI alive for the length of the request.
enum Path {
    Inline { bytes: [u8; 64], len: u8 },
    Heap(String),
}

impl Path {
    fn new(path: &str) -> Self {
        if path.len() <= 64 {
            let mut bytes = [0u8; 64];
            bytes[..path.len()].copy_from_slice(path.as_bytes());
            Path::Inline {
                bytes,
                len: path.len() as u8,
            }
        } else {
            Path::Heap(path.to_owned())
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Copied from a `&str` on a char boundary (its end), so always valid UTF-8.
            Path::Inline { bytes, len } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Path::Heap(path) => path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn paths_survive_inline_and_on_the_heap() {
        for path in [
            "/",
            "/hello",
            &format!("/{}", "é".repeat(31)),
            &"/x".repeat(40),
        ] {
            assert_eq!(Path::new(path).as_str(), path);
        }
    }
}
