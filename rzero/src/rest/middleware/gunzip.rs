//! Gunzip: requests with `Content-Encoding: gzip` are decompressed on the fly (tower-http);
//! an encoding we cannot decode is answered 415. It sits inside max bytes, so the limit
//! applies to the bytes on the wire; the extractors' limit then applies to the inflated body.

use axum::body::Body;
use http_body_util::BodyExt;
use http_body_util::LengthLimitError;
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower::util::{MapRequestLayer, MapResponseLayer};
use tower_http::BoxError;
use tower_http::decompression::RequestDecompressionLayer;

type BoxedResponse =
    http::Response<tower_http::body::UnsyncBoxBody<bytes::Bytes, tower_http::BoxError>>;
type DecompressedRequest = http::Request<tower_http::decompression::DecompressionBody<Body>>;

/// The layer, with the body types mapped back to axum's so the layers around it stay simple.
pub(crate) type GunzipLayer = Stack<
    MapRequestLayer<fn(DecompressedRequest) -> http::Request<Body>>,
    Stack<
        RequestDecompressionLayer,
        Stack<MapResponseLayer<fn(BoxedResponse) -> axum::response::Response>, Identity>,
    >,
>;

pub(crate) fn gunzip_layer() -> GunzipLayer {
    ServiceBuilder::new()
        .layer(MapResponseLayer::new(
            (|r: BoxedResponse| r.map(Body::new)) as fn(BoxedResponse) -> axum::response::Response,
        ))
        .layer(RequestDecompressionLayer::new().gzip(true))
        .layer(MapRequestLayer::new(
            (|r: DecompressedRequest| r.map(|body| Body::new(body.map_err(surface_length_limit))))
                as fn(DecompressedRequest) -> http::Request<Body>,
        ))
        .into_inner()
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
