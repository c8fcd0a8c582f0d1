//! Metrics: request latency by route, responses by route and status, requests in flight.
//! The route's histogram and its common status counters are resolved once, when the route is
//! built, not per request.

use crate::metrics::HttpMetrics;
use http::StatusCode;
use prometheus::{Histogram, IntCounter, IntCounterVec, IntGauge};
use std::time::Duration;

const COMMON_STATUSES: [u16; 8] = [200, 400, 401, 403, 404, 413, 500, 503];

#[derive(Debug)]
pub(crate) struct MetricsStage {
    path: String,
    method: String,
    duration: Histogram,
    codes: IntCounterVec,
    common: Vec<(u16, IntCounter)>,
    in_flight: IntGauge,
}

impl MetricsStage {
    /// `path` is the route template (`/user/{id}`), never the raw path, to bound cardinality.
    pub(crate) fn new(method: &str, path: &str) -> Self {
        let m = HttpMetrics::get();
        Self {
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
        }
    }

    /// Counts the request in flight until [`Self::leave`].
    pub(crate) fn enter(&self) {
        self.in_flight.inc();
    }

    /// The request's response is ready, or the request was abandoned.
    pub(crate) fn leave(&self) {
        self.in_flight.dec();
    }

    pub(crate) fn finish(&self, elapsed: Duration, status: StatusCode) {
        self.duration.observe(elapsed.as_secs_f64() * 1000.0);
        match self
            .common
            .iter()
            .find(|(code, _)| *code == status.as_u16())
        {
            Some((_, counter)) => counter.inc(),
            None => self
                .codes
                .with_label_values(&[self.path.as_str(), self.method.as_str(), status.as_str()])
                .inc(),
        }
    }
}
