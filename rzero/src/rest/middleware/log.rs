//! Log: one access line per request (status, method, path, duration, peer), at `warn` for
//! requests slower than `log.slow_threshold`, at `error` for 5xx, else at `info`. It is written
//! inside the trace context, so the line carries the trace id.

use super::Request;
use crate::log::Access;
use http::{Method, StatusCode};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub(crate) struct LogStage {
    slow_threshold: Duration,
    /// The route's path when it has no parameters: then only that exact path reaches the
    /// route (axum matches the raw path byte for byte), and the line need not copy it.
    fixed_path: Option<Box<str>>,
}

impl LogStage {
    /// `template` is the route's path as axum matches it (`/user/{id}`).
    pub(crate) fn new(slow_threshold: Duration, template: &str) -> Self {
        Self {
            slow_threshold,
            fixed_path: (!template.contains('{')).then(|| template.into()),
        }
    }

    pub(crate) fn begin(&self, request: &Request) -> AccessLine {
        let path = request.uri().path();
        AccessLine {
            method: request.method().clone(),
            path: match &self.fixed_path {
                Some(fixed) if **fixed == *path => None,
                _ => Some(Path::new(path)),
            },
            peer: crate::rest::serve::peer(request.extensions()),
        }
    }

    pub(crate) fn finish(
        &self,
        line: AccessLine,
        end: Instant,
        duration: Duration,
        status: StatusCode,
        traceparent: Option<&[u8; 55]>,
    ) {
        crate::log::access(&Access {
            status: status.as_u16(),
            method: line.method.as_str(),
            path: match (&line.path, &self.fixed_path) {
                (Some(path), _) => path.as_str(),
                (None, fixed) => fixed.as_deref().unwrap_or_default(),
            },
            duration,
            end,
            peer: line.peer,
            slow: duration > self.slow_threshold,
            traceparent,
        });
    }
}

/// What the access line needs from the request, taken before the request is handed on.
pub(crate) struct AccessLine {
    method: Method,
    /// `None` when the path is the stage's `fixed_path`.
    path: Option<Path>,
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
