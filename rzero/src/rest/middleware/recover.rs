//! Recover: a panic in a handler (while building its future or while running it) becomes a
//! logged 500, and the connection and the server carry on.
//!
//! Hand-written rather than tower-http's `CatchPanic` because that one changes the response
//! body type, which every outer layer would then have to convert back.

use super::{Request, Response};
use crate::rest::response::error_response;
use futures_util::FutureExt;
use futures_util::future::CatchUnwind;
use http::StatusCode;
use pin_project_lite::pin_project;
use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};

#[derive(Debug, Clone, Copy)]
pub(crate) struct RecoverLayer;

impl<S> Layer<S> for RecoverLayer {
    type Service = Recover<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Recover { inner }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Recover<S> {
    inner: S,
}

impl<S> Service<Request> for Recover<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = RecoverFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => RecoverFuture::Running {
                future: AssertUnwindSafe(future).catch_unwind(),
            },
            Err(panic) => RecoverFuture::Panicked {
                response: Some(panic_response(panic.as_ref())),
            },
        }
    }
}

pin_project! {
    #[project = RecoverProj]
    pub(crate) enum RecoverFuture<F> {
        Running { #[pin] future: CatchUnwind<AssertUnwindSafe<F>> },
        Panicked { response: Option<Response> },
    }
}

impl<F> Future for RecoverFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            RecoverProj::Running { future } => match std::task::ready!(future.poll(cx)) {
                Ok(result) => Poll::Ready(result),
                Err(panic) => Poll::Ready(Ok(panic_response(panic.as_ref()))),
            },
            RecoverProj::Panicked { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
                })))
            }
        }
    }
}

fn panic_response(panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload");
    tracing::error!(panic = message, "handler panicked; answered 500");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
}
