//! Gunzip: requests with `Content-Encoding: gzip` are decompressed on the fly (tower-http);
//! an encoding we cannot decode is answered 415. It sits inside max bytes, so the limit
//! applies to the bytes on the wire; the extractors' limit then applies to the inflated body.
//! Requests without `Content-Encoding` (nearly all) never reach this code.

use super::{Request, Response};
use axum::body::Body;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use http_body_util::BodyExt;
use http_body_util::LengthLimitError;
use std::convert::Infallible;
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_http::BoxError;
use tower_http::decompression::{DecompressionBody, RequestDecompressionLayer};

/// Serves `request` through `inner` with its body inflated (tower-http's decompression, with
/// the body types mapped back to axum's).
pub(crate) fn inflate<S>(
    inner: S,
    request: Request,
) -> BoxFuture<'static, Result<Response, Infallible>>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send,
{
    let service = ServiceBuilder::new()
        .map_response(|response: http::Response<_>| response.map(Body::new))
        .layer(RequestDecompressionLayer::new().gzip(true))
        .map_request(|request: http::Request<DecompressionBody<Body>>| {
            request.map(|body| Body::new(body.map_err(surface_length_limit)))
        })
        .service(inner);
    // A combinator, not an `async` block: the compiler cannot prove an async block holding
    // this future `Send` (a higher-ranked lifetime in tower-http's error type trips it).
    Box::pin(service.oneshot(request).map(|result| result))
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
