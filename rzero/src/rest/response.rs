//! The response envelope.
//!
//! Every JSON response of an rzero service has the shape `{"code": N, "msg": "...", "data": ...}`:
//!
//! | outcome | HTTP status | `code` | `data` |
//! |---|---|---|---|
//! | success | 200 | `0` (`msg` is `"ok"`) | the handler's value; absent for `()` |
//! | business error ([`BizError`]) | 200 | the error's own code (non-zero) | absent |
//! | bad request, auth, overload, timeout... | 400, 401, 413, 503... | the HTTP status | absent |
//! | internal failure | 500 | `500` (the detail is logged, not sent) | absent |
//!
//! Business errors travel with HTTP 200 because they are answers, not failures: the client
//! branches on `code`, while proxies, breakers and alerting see only real failures.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::borrow::Cow;

/// A business error: a stable numeric code the client can branch on, and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg} (code {code})")]
pub struct BizError {
    code: u32,
    msg: Cow<'static, str>,
}

impl BizError {
    /// For constants: `pub const CODE_EXPIRED: BizError = BizError::new(10002, "code expired");`
    pub const fn new(code: u32, msg: &'static str) -> Self {
        Self {
            code,
            msg: Cow::Borrowed(msg),
        }
    }

    /// The same code with a message built at run time.
    pub fn with_msg(&self, msg: impl Into<String>) -> Self {
        Self {
            code: self.code,
            msg: Cow::Owned(msg.into()),
        }
    }

    pub fn code(&self) -> u32 {
        self.code
    }

    pub fn msg(&self) -> &str {
        &self.msg
    }
}

/// The one error type handlers and logic return; `?` converts business errors into it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Answered with HTTP 200 and the business code.
    #[error(transparent)]
    Biz(#[from] BizError),
    /// Answered with this HTTP status.
    #[error("{status}: {msg}")]
    Status {
        status: StatusCode,
        msg: Cow<'static, str>,
    },
    /// Logged with its cause and answered 500 without detail.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn status(status: StatusCode, msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Status {
            status,
            msg: msg.into(),
        }
    }

    pub fn bad_request(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::status(StatusCode::BAD_REQUEST, msg)
    }

    pub fn unauthorized(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::status(StatusCode::UNAUTHORIZED, msg)
    }

    pub fn forbidden(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::status(StatusCode::FORBIDDEN, msg)
    }

    pub fn not_found(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::status(StatusCode::NOT_FOUND, msg)
    }

    /// An infrastructure failure (database, cache, downstream service).
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Internal(err.into())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Biz(biz) => envelope(StatusCode::OK, biz.code, &biz.msg),
            Error::Status { status, msg } => error_response(status, &msg),
            Error::Internal(err) => {
                tracing::error!(error = %err, "internal error");
                error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
            }
        }
    }
}

/// A successful response: `{"code":0,"msg":"ok","data":...}` with HTTP 200.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reply<T>(pub T);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        const HEAD: &[u8] = br#"{"code":0,"msg":"ok","data":"#;
        // Serialized straight after the envelope's head, then the head is cut back when the
        // data turns out to be `null` (`()` or `None`): one buffer, no copy.
        let mut body = Vec::with_capacity(128);
        body.extend_from_slice(HEAD);
        if let Err(err) = serde_json::to_writer(&mut body, &self.0) {
            return Error::internal(format!("cannot encode the response: {err}")).into_response();
        }
        if &body[HEAD.len()..] == b"null" {
            body.truncate(HEAD.len() - br#","data":"#.len());
        }
        body.push(b'}');
        json_response(StatusCode::OK, body.into())
    }
}

/// `{"code": <status>, "msg": msg}` with that status: how rzero's middlewares and extractors
/// answer.
pub fn error_response(status: StatusCode, msg: &str) -> Response {
    envelope(status, u32::from(status.as_u16()), msg)
}

fn envelope(status: StatusCode, code: u32, msg: &str) -> Response {
    #[derive(Serialize)]
    struct Body<'a> {
        code: u32,
        msg: &'a str,
    }
    match serde_json::to_vec(&Body { code, msg }) {
        Ok(body) => json_response(status, body.into()),
        Err(_) => status.into_response(),
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    // Room for content-type, content-length and traceparent without growing the map.
    *response.headers_mut() = http::HeaderMap::with_capacity(4);
    // RFC 8259 defines no charset parameter for JSON (it is always UTF-8), and every byte of
    // the head is written and read on every response.
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(r: Response) -> (StatusCode, String) {
        let status = r.status();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn success_wraps_data() {
        #[derive(Serialize)]
        struct User {
            id: u64,
        }
        let (status, text) = body(Reply(User { id: 7 }).into_response()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(text, r#"{"code":0,"msg":"ok","data":{"id":7}}"#);
        let (_, text) = body(Reply(()).into_response()).await;
        assert_eq!(text, r#"{"code":0,"msg":"ok"}"#);
    }

    #[tokio::test]
    async fn business_errors_are_http_200() {
        const EXPIRED: BizError = BizError::new(10002, "verification code expired");
        let (status, text) = body(Error::from(EXPIRED).into_response()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(text, r#"{"code":10002,"msg":"verification code expired"}"#);
        let (_, text) = body(Error::from(EXPIRED.with_msg("too late")).into_response()).await;
        assert_eq!(text, r#"{"code":10002,"msg":"too late"}"#);
    }

    #[tokio::test]
    async fn infrastructure_failures_keep_their_status() {
        let (status, text) = body(Error::unauthorized("token expired").into_response()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(text, r#"{"code":401,"msg":"token expired"}"#);
        let io = std::io::Error::other("disk on fire");
        let (status, text) = body(Error::internal(io).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!text.contains("disk"), "{text}");
    }
}
