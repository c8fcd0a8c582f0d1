//! Shedding: asks the server's adaptive shedder before serving; an overloaded server answers
//! 503 at once. A 503 from further in counts as a failure, anything else as a pass whose
//! response time feeds the shedder's capacity estimate.

use super::Refusal;
use crate::load::{AdaptiveShedder, ShedPromise};
use http::StatusCode;
use prometheus::IntCounter;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct SheddingStage {
    shedder: Arc<AdaptiveShedder>,
    shed: IntCounter,
}

impl SheddingStage {
    pub(crate) fn new(shedder: Arc<AdaptiveShedder>, shed: IntCounter) -> Self {
        Self { shedder, shed }
    }

    pub(crate) fn admit(&self) -> Result<ShedPromise, Refusal> {
        self.shedder.allow().map_err(|_| {
            self.shed.inc();
            tracing::warn!("service overloaded, request shed");
            Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "service overloaded")
        })
    }

    pub(crate) fn record(promise: ShedPromise, status: StatusCode) {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            promise.fail();
        } else {
            promise.pass();
        }
    }
}
