//! Log: one access line per request (status, method, path, duration, peer), and a warning for
//! requests slower than `log.slow_threshold`. It runs inside the trace span, so the lines
//! carry the trace id.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use axum::extract::ConnectInfo;
use http::Method;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};

#[derive(Debug, Clone, Copy)]
pub(crate) struct LogLayer {
    pub(crate) slow_threshold: Duration,
}

impl<S> Layer<S> for LogLayer {
    type Service = Log<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Log {
            inner,
            slow_threshold: self.slow_threshold,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Log<S> {
    inner: S,
    slow_threshold: Duration,
}

pub(crate) struct AccessLine {
    start: Instant,
    method: Method,
    path: String,
    peer: Option<SocketAddr>,
    slow_threshold: Duration,
}

/// Milliseconds with three decimals, formatted from integers (float formatting is slow).
struct Millis(Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = self.0.as_micros();
        write!(f, "{}.{:03}ms", micros / 1000, micros % 1000)
    }
}

/// The peer address or `-`.
struct Peer(Option<SocketAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(addr) => write!(f, "{addr}"),
            None => f.write_str("-"),
        }
    }
}

impl OnResponse for AccessLine {
    fn on_response(self, response: &mut Response) {
        let elapsed = self.start.elapsed();
        let status = response.status().as_u16();
        let method = self.method.as_str();
        let path = self.path.as_str();
        let duration = Millis(elapsed);
        let peer = Peer(self.peer);
        if elapsed > self.slow_threshold {
            tracing::warn!(
                target: "rzero::access",
                status, method, path, %duration, %peer,
                "[HTTP] {status} - {method} {path} - slow call",
            );
        } else if status >= 500 {
            tracing::error!(
                target: "rzero::access",
                status, method, path, %duration, %peer,
                "[HTTP] {status} - {method} {path}",
            );
        } else {
            tracing::info!(
                target: "rzero::access",
                status, method, path, %duration, %peer,
                "[HTTP] {status} - {method} {path}",
            );
        }
    }
}

impl<S> Service<Request> for Log<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<S::Future, AccessLine>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let line = AccessLine {
            start: Instant::now(),
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            peer: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            slow_threshold: self.slow_threshold,
        };
        Outcome::running(self.inner.call(request), line)
    }
}
