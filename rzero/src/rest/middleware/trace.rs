//! Trace: continues the caller's W3C trace (`traceparent`) or starts one, makes it the current
//! trace context while the request is served (log lines carry its ids), and answers with a
//! `traceparent` naming this server's span.

use super::{Request, Response};
use crate::trace::TraceContext;
use http::{HeaderName, HeaderValue};

static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

#[derive(Debug, Clone, Copy)]
pub(crate) struct TraceStage {
    /// Share of new traces sampled.
    pub(crate) sampler: f64,
}

impl TraceStage {
    pub(crate) fn start(&self, request: &Request) -> TraceContext {
        let incoming = request
            .headers()
            .get(&TRACEPARENT)
            .and_then(|v| v.to_str().ok());
        TraceContext::continue_or_root(incoming, self.sampler)
    }

    /// Answers with `traceparent`, [`TraceContext::traceparent_bytes`] of the request's
    /// context.
    pub(crate) fn finish(traceparent: &[u8; 55], response: &mut Response) {
        if let Ok(value) = HeaderValue::from_bytes(traceparent) {
            response.headers_mut().insert(TRACEPARENT.clone(), value);
        }
    }
}
