//! Max bytes: a body announced larger than the limit is answered 413 before it is read; a
//! body of unknown length is cut off at the limit (the extractors then answer 413).

use super::{Request, Response};
use crate::rest::response::error_response;
use axum::body::Body;
use futures_util::future::Either;
use http::StatusCode;
use http_body::Body as _;
use http_body_util::Limited;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::{Layer, Service};

#[derive(Debug, Clone, Copy)]
pub(crate) struct MaxBytesLayer {
    pub(crate) limit: u64,
}

impl<S> Layer<S> for MaxBytesLayer {
    type Service = MaxBytes<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MaxBytes {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MaxBytes<S> {
    inner: S,
    limit: u64,
}

impl<S> Service<Request> for MaxBytes<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, std::future::Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let hint = request.body().size_hint();
        if hint.lower() > self.limit {
            return Either::Right(std::future::ready(Ok(error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "request body of {} bytes is larger than the limit of {} bytes",
                    hint.lower(),
                    self.limit
                ),
            ))));
        }
        // HTTP/1 and HTTP/2 bodies with a Content-Length never yield more than announced, so
        // only bodies of unknown length need the counting wrapper.
        if hint.upper().is_some_and(|upper| upper <= self.limit) {
            return Either::Left(self.inner.call(request));
        }
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let request = request.map(|body| Body::new(Limited::new(body, limit)));
        Either::Left(self.inner.call(request))
    }
}
