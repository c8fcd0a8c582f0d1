//! Max conns: at most `max_conns` requests are served at once; the next one is answered 503
//! at once rather than queued, so a burst cannot pile up behind a slow dependency.

use super::Refusal;
use crate::metrics::HttpMetrics;
use http::StatusCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Shared by every route of a server: the limit is per server, not per route.
#[derive(Debug, Clone)]
pub(crate) struct MaxConnsStage {
    limit: usize,
    active: Arc<AtomicUsize>,
}

impl MaxConnsStage {
    pub(crate) fn new(limit: usize, active: Arc<AtomicUsize>) -> Self {
        Self { limit, active }
    }

    /// Takes a slot, to be given back with [`Self::release`] when the response is ready or
    /// the request is abandoned.
    pub(crate) fn acquire(&self) -> Result<(), Refusal> {
        if self.active.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.active.fetch_sub(1, Ordering::AcqRel);
            HttpMetrics::get().max_conns_rejected.inc();
            tracing::warn!(limit = self.limit, "too many concurrent requests, refused");
            return Err(Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many concurrent requests",
            ));
        }
        Ok(())
    }

    pub(crate) fn release(&self) {
        self.active.fetch_sub(1, Ordering::AcqRel);
    }
}
