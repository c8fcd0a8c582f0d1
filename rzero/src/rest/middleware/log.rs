//! Log: one access line per request (status, method, path, duration, peer), at `warn` for
//! requests slower than `log.slow_threshold`, at `error` for 5xx, else at `info`. It runs
//! inside the trace context, so the lines carry the trace id.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::log::Access;
use axum::extract::ConnectInfo;
use http::{Method, Uri};
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
    uri: Uri,
    peer: Option<SocketAddr>,
    slow_threshold: Duration,
}

impl OnResponse for AccessLine {
    fn on_response(self, response: &mut Response) {
        let duration = self.start.elapsed();
        crate::log::access(&Access {
            status: response.status().as_u16(),
            method: self.method.as_str(),
            path: self.uri.path(),
            duration,
            peer: self.peer,
            slow: duration > self.slow_threshold,
        });
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
            uri: request.uri().clone(),
            peer: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            slow_threshold: self.slow_threshold,
        };
        Outcome::running(self.inner.call(request), line)
    }
}
