//! Shedding: asks the server's adaptive shedder before serving; an overloaded server answers
//! 503 at once. A 503 from further in counts as a failure, anything else as a pass whose
//! response time feeds the shedder's capacity estimate.

use super::Refusal;
use crate::load::AdaptiveShedder;
use http::StatusCode;
use prometheus::IntCounter;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub(crate) struct SheddingStage {
    shedder: Arc<AdaptiveShedder>,
    shed: IntCounter,
}

impl SheddingStage {
    pub(crate) fn new(shedder: Arc<AdaptiveShedder>, shed: IntCounter) -> Self {
        Self { shedder, shed }
    }

    /// Lets the request in or sheds it; an admitted request must end in [`Self::record`]
    /// or, when abandoned, [`Self::abandon`].
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Refusal> {
        self.shedder.enter_at(now).map_err(|_| {
            self.shed.inc();
            tracing::warn!("service overloaded, request shed");
            Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "service overloaded")
        })
    }

    /// `elapsed` is the request's response time, which ended at `end`.
    pub(crate) fn record(&self, elapsed: Duration, status: StatusCode, end: Instant) {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            self.shedder.leave(None);
        } else {
            self.shedder.leave(Some((elapsed, end)));
        }
    }

    pub(crate) fn abandon(&self) {
        self.shedder.leave(None);
    }
}
