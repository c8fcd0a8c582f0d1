//! Shedding: asks the server's adaptive shedder before serving; an overloaded server answers
//! 503 at once. A 503 from further in counts as a failure, anything else as a pass whose
//! response time feeds the shedder's capacity estimate.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::load::{AdaptiveShedder, ShedPromise};
use crate::rest::response::error_response;
use http::StatusCode;
use prometheus::IntCounter;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// One `Arc` for both, so that cloning the route's stack per request stays cheap.
#[derive(Debug, Clone)]
pub(crate) struct SheddingLayer(Arc<(Arc<AdaptiveShedder>, IntCounter)>);

impl SheddingLayer {
    pub(crate) fn new(shedder: Arc<AdaptiveShedder>, shed: IntCounter) -> Self {
        Self(Arc::new((shedder, shed)))
    }
}

impl<S> Layer<S> for SheddingLayer {
    type Service = Shedding<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Shedding {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Shedding<S> {
    inner: S,
    layer: SheddingLayer,
}

pub(crate) struct Admitted(ShedPromise);

impl OnResponse for Admitted {
    fn on_response(self, response: &mut Response) {
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            self.0.fail();
        } else {
            self.0.pass();
        }
    }
}

impl<S> Service<Request> for Shedding<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<S::Future, Admitted>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let (shedder, shed) = &*self.layer.0;
        match shedder.allow() {
            Ok(promise) => Outcome::running(self.inner.call(request), Admitted(promise)),
            Err(_) => {
                shed.inc();
                tracing::warn!("service overloaded, request shed");
                Outcome::answered(error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service overloaded",
                ))
            }
        }
    }
}
