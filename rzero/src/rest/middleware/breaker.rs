//! Breaker: one SRE adaptive breaker per route (`METHOD://path`); a 5xx response counts as a
//! failure of the route, anything else as a success; an open breaker answers 503.

use super::Refusal;
use crate::breaker::{Breaker, Promise};
use http::StatusCode;
use prometheus::IntCounter;
use std::time::Instant;

#[derive(Debug, Clone)]
pub(crate) struct BreakerStage {
    breaker: Breaker,
    rejected: IntCounter,
}

impl BreakerStage {
    pub(crate) fn new(breaker: Breaker, rejected: IntCounter) -> Self {
        Self { breaker, rejected }
    }

    pub(crate) fn admit(&self, now: Instant) -> Result<Promise, Refusal> {
        self.breaker.allow_at(now).map_err(|open| {
            self.rejected.inc();
            tracing::warn!(breaker = open.name, "circuit breaker open, request refused");
            Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "circuit breaker is open")
        })
    }

    pub(crate) fn record(promise: Promise, status: StatusCode, end: Instant) {
        promise.settle_at(!status.is_server_error(), end);
    }
}
