//! Gunzip: requests with `Content-Encoding: gzip` are decompressed on the fly (tower-http);
//! an encoding we cannot decode is answered 415. It sits inside max bytes, so the limit
//! applies to the bytes on the wire; the extractors' limit then applies to the inflated body.
//! Requests without `Content-Encoding` (nearly all) bypass the decompressor and keep their body
//! untouched, so they pay nothing for it.

use super::{Request, Response};
use axum::body::Body;
use futures_util::future::Either;
use http::header::CONTENT_ENCODING;
use http_body_util::BodyExt;
use http_body_util::LengthLimitError;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::layer::util::{Identity, Stack};
use tower::util::{MapRequestLayer, MapResponseLayer};
use tower::{Layer, Service, ServiceBuilder};
use tower_http::BoxError;
use tower_http::decompression::RequestDecompressionLayer;

type BoxedResponse =
    http::Response<tower_http::body::UnsyncBoxBody<bytes::Bytes, tower_http::BoxError>>;
type DecompressedRequest = http::Request<tower_http::decompression::DecompressionBody<Body>>;

/// tower-http's decompression, with the body types mapped back to axum's.
type Inflate = Stack<
    MapRequestLayer<fn(DecompressedRequest) -> Request>,
    Stack<
        RequestDecompressionLayer,
        Stack<MapResponseLayer<fn(BoxedResponse) -> Response>, Identity>,
    >,
>;

fn inflate() -> Inflate {
    ServiceBuilder::new()
        .layer(MapResponseLayer::new(
            (|r: BoxedResponse| r.map(Body::new)) as fn(BoxedResponse) -> Response,
        ))
        .layer(RequestDecompressionLayer::new().gzip(true))
        .layer(MapRequestLayer::new(
            (|r: DecompressedRequest| r.map(|body| Body::new(body.map_err(surface_length_limit))))
                as fn(DecompressedRequest) -> Request,
        ))
        .into_inner()
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GunzipLayer;

impl<S> Layer<S> for GunzipLayer {
    type Service = Gunzip<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Gunzip { inner }
    }
}

/// Holds only the plain service: the decompressing wrapper is built for the rare request
/// that needs it, so the common path clones one service, not two.
#[derive(Debug, Clone)]
pub(crate) struct Gunzip<S> {
    inner: S,
}

impl<S> Service<Request> for Gunzip<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone,
    <Inflate as Layer<S>>::Service: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, <<Inflate as Layer<S>>::Service as Service<Request>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.headers().contains_key(CONTENT_ENCODING) {
            // The clone takes the readiness `poll_ready` established; `inner` gets a fresh one.
            let ready = self.inner.clone();
            let ready = std::mem::replace(&mut self.inner, ready);
            Either::Right(inflate().layer(ready).call(request))
        } else {
            Either::Left(self.inner.call(request))
        }
    }
}

/// Unwraps the error wrappers that decompression adds, so that a body cut off by the max bytes
/// limit still reaches the extractors as `LengthLimitError` (which they answer 413), not as
/// an unknown body error (400).
fn surface_length_limit(mut err: BoxError) -> BoxError {
    loop {
        if err.is::<LengthLimitError>() {
            return err;
        }
        err = match err.downcast::<axum::Error>() {
            Ok(wrapper) => wrapper.into_inner(),
            Err(other) => match other.downcast::<std::io::Error>() {
                Ok(io) if io.get_ref().is_some() => match io.into_inner() {
                    Some(inner) => inner,
                    None => return Box::new(std::io::Error::other("body read failed")),
                },
                Ok(io) => return io,
                Err(other) => return other,
            },
        };
    }
}
