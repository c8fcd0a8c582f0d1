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

impl OnResponse for AccessLine {
    fn on_response(self, response: &mut Response) {
        let elapsed = self.start.elapsed();
        let status = response.status().as_u16();
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        let peer = self.peer.map(|p| p.to_string()).unwrap_or_default();
        if elapsed > self.slow_threshold {
            tracing::warn!(
                target: "rzero::access",
                status, method = %self.method, path = %self.path, duration_ms, peer,
                "[HTTP] {status} - {} {} - slow call, took {duration_ms:.1}ms", self.method, self.path,
            );
        } else if status >= 500 {
            tracing::error!(
                target: "rzero::access",
                status, method = %self.method, path = %self.path, duration_ms, peer,
                "[HTTP] {status} - {} {}", self.method, self.path,
            );
        } else {
            tracing::info!(
                target: "rzero::access",
                status, method = %self.method, path = %self.path, duration_ms, peer,
                "[HTTP] {status} - {} {}", self.method, self.path,
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
