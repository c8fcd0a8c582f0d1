//! Metrics: request latency by route, responses by route and status, requests in flight.
//! The route's histogram is resolved once when the route is built, not per request.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::metrics::HttpMetrics;
use prometheus::{Histogram, IntCounterVec, IntGauge};
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};

#[derive(Debug, Clone)]
pub(crate) struct MetricsLayer {
    route: Arc<RouteMetrics>,
}

#[derive(Debug)]
struct RouteMetrics {
    path: String,
    method: String,
    duration: Histogram,
    codes: IntCounterVec,
    in_flight: IntGauge,
}

impl MetricsLayer {
    /// `path` is the route template (`/user/{id}`), never the raw path, to bound cardinality.
    pub(crate) fn new(method: &str, path: &str) -> Self {
        let m = HttpMetrics::get();
        Self {
            route: Arc::new(RouteMetrics {
                path: path.to_owned(),
                method: method.to_owned(),
                duration: m.duration.with_label_values(&[path, method]),
                codes: m.codes.clone(),
                in_flight: m.in_flight.clone(),
            }),
        }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = Metrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Metrics {
            inner,
            route: self.route.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Metrics<S> {
    inner: S,
    route: Arc<RouteMetrics>,
}

pub(crate) struct Observation {
    start: Instant,
    route: Arc<RouteMetrics>,
}

impl OnResponse for Observation {
    fn on_response(self, response: &mut Response) {
        let r = &self.route;
        r.duration
            .observe(self.start.elapsed().as_secs_f64() * 1000.0);
        r.codes
            .with_label_values(&[
                r.path.as_str(),
                r.method.as_str(),
                response.status().as_str(),
            ])
            .inc();
    }
}

impl Drop for Observation {
    fn drop(&mut self) {
        self.route.in_flight.dec();
    }
}

impl<S> Service<Request> for Metrics<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Outcome<S::Future, Observation>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.route.in_flight.inc();
        let observation = Observation {
            start: Instant::now(),
            route: self.route.clone(),
        };
        Outcome::running(self.inner.call(request), observation)
    }
}
