//! Max bytes: a body announced larger than the limit is answered 413 before it is read; a
//! body of unknown length is cut off at the limit (the extractors then answer 413).

use super::Refusal;
use super::Request;
use axum::body::Body;
use http::StatusCode;
use http_body::Body as _;
use http_body_util::Limited;

#[derive(Debug, Clone, Copy)]
pub(crate) struct MaxBytesStage {
    pub(crate) limit: u64,
}

impl MaxBytesStage {
    pub(crate) fn check(&self, request: &mut Request) -> Result<(), Refusal> {
        let hint = request.body().size_hint();
        if hint.lower() > self.limit {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request body of {} bytes is larger than the limit of {} bytes",
                    hint.lower(),
                    self.limit
                ),
            ));
        }
        // HTTP/1 and HTTP/2 bodies with a Content-Length never yield more than announced, so
        // only bodies of unknown length need the counting wrapper.
        if hint.upper().is_none_or(|upper| upper > self.limit) {
            let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
            let body = std::mem::take(request.body_mut());
            *request.body_mut() = Body::new(Limited::new(body, limit));
        }
        Ok(())
    }
}
