//! Trace context: W3C `traceparent` parsing and formatting, and the request span that carries
//! the ids, so that every log line inside a request names its trace and span.
//!
//! This is a deliberately small piece of OpenTelemetry's model, written here because the
//! propagation format is 55 characters of hex and pulling in the whole SDK for it would cost
//! every service a large build; exporting spans to a collector is what `telemetry` will add.

mod context;

pub use context::{Scoped, SpanId, TraceContext, TraceId};

use serde::Deserialize;

/// Tracing settings shared by REST and RPC servers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConf {
    /// The service name attached to spans; defaults to the server's name.
    pub name: String,
    /// The share of new traces marked as sampled (0.0..=1.0). A request that arrives with a
    /// `traceparent` keeps its caller's decision.
    pub sampler: f64,
}

impl Default for TelemetryConf {
    fn default() -> Self {
        Self {
            name: String::new(),
            sampler: 1.0,
        }
    }
}
