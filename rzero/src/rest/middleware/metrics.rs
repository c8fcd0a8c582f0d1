//! Metrics: request latency by route, responses by route and status, requests in flight.
//! The route's histogram is resolved once when the route is built, not per request.

use super::outcome::{OnResponse, Outcome};
use super::{Request, Response};
use crate::metrics::HttpMetrics;
use prometheus::{Histogram, IntCounter, IntCounterVec, IntGauge};
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
    /// Counters of the statuses nearly every route answers, resolved once.
    common: Vec<(u16, IntCounter)>,
    in_flight: IntGauge,
}

const COMMON_STATUSES: [u16; 8] = [200, 400, 401, 403, 404, 413, 500, 503];

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
                common: COMMON_STATUSES
                    .iter()
                    .map(|&status| {
                        let code = status.to_string();
                        (
                            status,
                            m.codes.with_label_values(&[path, method, code.as_str()]),
                        )
                    })
                    .collect(),
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
        let status = response.status();
        match r.common.iter().find(|(code, _)| *code == status.as_u16()) {
            Some((_, counter)) => counter.inc(),
            None => r
                .codes
                .with_label_values(&[r.path.as_str(), r.method.as_str(), status.as_str()])
                .inc(),
        }
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
