//! Breaker: one SRE adaptive breaker per route (`METHOD://path`); a 5xx response counts as a
//! failure of the route, anything else as a success; an open breaker answers 503.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::breaker::{Breaker, Promise};
use crate::rest::response::error_response;
use http::StatusCode;
use prometheus::IntCounter;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// One `Arc` for both, so that cloning the route's stack per request stays cheap.
#[derive(Debug, Clone)]
pub(crate) struct BreakerLayer(Arc<(Breaker, IntCounter)>);

impl BreakerLayer {
    pub(crate) fn new(breaker: Breaker, rejected: IntCounter) -> Self {
        Self(Arc::new((breaker, rejected)))
    }
}

impl<S> Layer<S> for BreakerLayer {
    type Service = BreakerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BreakerService {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct BreakerService<S> {
    inner: S,
    layer: BreakerLayer,
}

pub(crate) struct Verdict(Promise);

impl OnResponse for Verdict {
    fn on_response(self, response: &mut Response) {
        if response.status().is_server_error() {
            self.0.reject();
        } else {
            self.0.accept();
        }
    }
}

impl<S> Service<Request> for BreakerService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<S::Future, Verdict>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let (breaker, rejected) = &*self.layer.0;
        match breaker.allow() {
            Ok(promise) => Outcome::running(self.inner.call(request), Verdict(promise)),
            Err(open) => {
                rejected.inc();
                tracing::warn!(breaker = open.name, "circuit breaker open, request refused");
                Outcome::answered(error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "circuit breaker is open",
                ))
            }
        }
    }
}
