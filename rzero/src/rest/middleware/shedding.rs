//! Shedding: asks the server's adaptive shedder before serving; an overloaded server answers
//! 503 at once. A 503 from further in counts as a failure, anything else as a pass whose
//! response time feeds the shedder's capacity estimate.

use super::Refusal;
use crate::load::{AdaptiveShedder, ShedPromise};
use http::StatusCode;
use prometheus::IntCounter;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub(crate) struct SheddingStage {
    shedder: Arc<AdaptiveShedder>,
    shed: IntCounter,
}

impl SheddingStage {
    pub(crate) fn new(shedder: Arc<AdaptiveShedder>, shed: IntCounter) -> Self {
        Self { shedder, shed }
    }

    pub(crate) fn admit(&self, now: Instant) -> Result<ShedPromise, Refusal> {
        self.shedder.allow_at(now).map_err(|_| {
            self.shed.inc();
            tracing::warn!("service overloaded, request shed");
            Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "service overloaded")
        })
    }

    pub(crate) fn record(promise: ShedPromise, status: StatusCode, end: Instant) {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            promise.fail();
        } else {
            promise.pass_at(end);
        }
    }
}
