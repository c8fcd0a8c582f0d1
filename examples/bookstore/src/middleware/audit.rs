//! The `Audit` middleware named in bookstore.api.
//!
//! Created by rzctl; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
use rzero::rest::http::HeaderValue;
use rzero::rest::{Claims, Middleware, Next, Request, Response};

/// Logs who changed the shop, and marks the responses it saw.
pub struct Audit {}

impl Audit {
    pub fn new(svc: &ServiceContext) -> Self {
        let _ = svc;
        Self {}
    }
}

impl Middleware for Audit {
    async fn handle(&self, request: Request, next: Next) -> Response {
        let user = request
            .extensions()
            .get::<Claims>()
            .and_then(|c| c.get::<String>("user"))
            .unwrap_or_default();
        let action = format!("{} {}", request.method(), request.uri().path());
        let mut response = next.run(request).await;
        tracing::info!(%user, %action, status = response.status().as_u16(), "audit");
        response
            .headers_mut()
            .insert("x-audited", HeaderValue::from_static("true"));
        response
    }
}
