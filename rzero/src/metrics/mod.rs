//! Prometheus metrics. Every rzero component registers into one process-wide registry, which
//! the dev server (or the Prometheus listener) renders at `/metrics`.

#[cfg(feature = "cache")]
mod cache;
#[cfg(feature = "rest")]
mod http;

#[cfg(feature = "cache")]
pub(crate) use cache::CacheMetrics;
#[cfg(feature = "rest")]
pub(crate) use http::HttpMetrics;

use prometheus::{Encoder, Registry, TextEncoder};
use std::sync::OnceLock;

/// The registry rzero's metrics live in. Applications may register their own collectors here
/// to have them served beside rzero's.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

/// The registry in Prometheus text exposition format.
pub fn render() -> String {
    let mut out = Vec::new();
    // Encoding into a Vec cannot fail for the text format; an error would mean an invalid
    // metric family, which registration already refuses.
    if let Err(err) = TextEncoder::new().encode(&registry().gather(), &mut out) {
        tracing::error!(%err, "cannot encode metrics");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Registers `collector` in [`registry`], tolerating a second registration of the same
/// metric (which happens when two servers in one process set up the same family).
#[cfg_attr(not(any(feature = "rest", feature = "cache")), allow(dead_code))]
pub(crate) fn register<C: prometheus::core::Collector + Clone + 'static>(collector: C) -> C {
    match registry().register(Box::new(collector.clone())) {
        Ok(()) | Err(prometheus::Error::AlreadyReg) => {}
        Err(err) => tracing::error!(%err, "cannot register a metric"),
    }
    collector
}
