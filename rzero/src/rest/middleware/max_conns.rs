//! Max conns: at most `max_conns` requests are served at once; the next one is answered 503
//! at once rather than queued, so a burst cannot pile up behind a slow dependency.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::metrics::HttpMetrics;
use crate::rest::response::error_response;
use http::StatusCode;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Shared by every route of a server: the limit is per server, not per route.
#[derive(Debug, Clone)]
pub(crate) struct MaxConnsLayer {
    limit: usize,
    active: Arc<AtomicUsize>,
}

impl MaxConnsLayer {
    pub(crate) fn new(limit: usize, active: Arc<AtomicUsize>) -> Self {
        Self { limit, active }
    }
}

impl<S> Layer<S> for MaxConnsLayer {
    type Service = MaxConns<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MaxConns {
            inner,
            limit: self.limit,
            active: self.active.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MaxConns<S> {
    inner: S,
    limit: usize,
    active: Arc<AtomicUsize>,
}

/// Holds one slot until the response is ready or the request is dropped.
pub(crate) struct Slot(Arc<AtomicUsize>);

impl OnResponse for Slot {
    fn on_response(self, _: &mut Response) {}
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<S> Service<Request> for MaxConns<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<S::Future, Slot>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if self.active.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.active.fetch_sub(1, Ordering::AcqRel);
            HttpMetrics::get().max_conns_rejected.inc();
            tracing::warn!(limit = self.limit, "too many concurrent requests, refused");
            return Outcome::answered(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many concurrent requests",
            ));
        }
        Outcome::running(self.inner.call(request), Slot(self.active.clone()))
    }
}
