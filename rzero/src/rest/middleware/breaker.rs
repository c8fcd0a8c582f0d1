//! Breaker: one SRE adaptive breaker per route (`METHOD://path`); a 5xx response counts as a
//! failure of the route, anything else as a success; an open breaker answers 503.

use super::Refusal;
use crate::breaker::Breaker;
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

    /// Lets the request in or refuses it; an admitted request is reported through
    /// [`Self::record`] (a request abandoned before its response reports nothing, as a
    /// breaker promise dropped without a verdict).
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Refusal> {
        self.breaker.admit_at(now).map_err(|open| {
            self.rejected.inc();
            tracing::warn!(breaker = open.name, "circuit breaker open, request refused");
            Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "circuit breaker is open")
        })
    }

    pub(crate) fn record(&self, status: StatusCode, end: Instant) {
        self.breaker.mark_at(!status.is_server_error(), end);
    }
}
