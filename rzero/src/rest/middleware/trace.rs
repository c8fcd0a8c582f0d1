//! Trace: continues the caller's W3C trace (`traceparent`) or starts one, runs the request
//! with it as the current trace context (log lines carry its ids), and answers with `traceparent` naming this server's span.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::trace::TraceContext;
use http::HeaderValue;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

const TRACEPARENT: &str = "traceparent";

#[derive(Debug, Clone, Copy)]
pub(crate) struct TraceLayer {
    /// Share of new traces sampled.
    pub(crate) sampler: f64,
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace {
            inner,
            sampler: self.sampler,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Trace<S> {
    inner: S,
    sampler: f64,
}

pub(crate) struct TraceHeader(Option<HeaderValue>);

impl OnResponse for TraceHeader {
    fn on_response(self, response: &mut Response) {
        if let Some(value) = self.0 {
            response.headers_mut().insert(TRACEPARENT, value);
        }
    }
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<TaskLocalFuture<TraceContext, S::Future>, TraceHeader>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let incoming = request
            .headers()
            .get(TRACEPARENT)
            .and_then(|v| v.to_str().ok());
        let ctx = TraceContext::continue_or_root(incoming, self.sampler);
        let header = HeaderValue::from_bytes(&ctx.traceparent_bytes()).ok();
        let future = ctx.sync_scope(|| self.inner.call(request));
        Outcome::running(ctx.scope(future), TraceHeader(header))
    }
}
