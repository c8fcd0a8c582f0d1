//! The request context handed to logic code: what go-zero's `l.ctx` carries (the JWT claims,
//! the trace), without the logic having to know about HTTP.

use super::jwt::Claims;
use super::response::Error;
use crate::trace::TraceContext;
use axum::extract::FromRequestParts;
use http::request::Parts;
use std::net::SocketAddr;

/// Extract it in a handler and pass it to the logic: `ctx: Context`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    claims: Option<Claims>,
    trace: Option<TraceContext>,
    peer: Option<SocketAddr>,
}

impl Context {
    /// The verified claims on a JWT route; `None` elsewhere.
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }

    /// One claim converted to `T`, or a 401 when it is missing (a token without the claim the
    /// logic needs is as good as no token).
    pub fn claim<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        self.claims
            .as_ref()
            .and_then(|c| c.get(key))
            .ok_or_else(|| {
                Error::unauthorized(format!("the token carries no usable `{key}` claim"))
            })
    }

    pub fn trace(&self) -> Option<TraceContext> {
        self.trace
    }

    /// The client's address as the server saw it.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Context {
            claims: parts.extensions.get::<Claims>().cloned(),
            trace: TraceContext::current(),
            peer: super::serve::peer(&parts.extensions),
        })
    }
}
