//! Logging: `tracing` set up from config, JSON or plain, to the console or to rotated files.
//! Every line written inside a request carries the request's trace and span ids (the trace
//! middleware attaches a [`TraceContext`] to the request span; the formatter finds it).

mod format;
mod setup;

pub use setup::{Encoding, LogConf, LogMode, Rotation, flush, setup};

use crate::trace::TraceContext;
use tracing::Span;
use tracing_subscriber::Registry;
use tracing_subscriber::registry::LookupSpan;

/// Stores `ctx` in the span's extensions, where the formatter and [`current_trace`] look.
/// Without a subscriber built on `tracing_subscriber::Registry` this does nothing.
pub(crate) fn attach_trace(span: &Span, ctx: TraceContext) {
    span.with_subscriber(|(id, dispatch)| {
        if let Some(span) = dispatch
            .downcast_ref::<Registry>()
            .and_then(|registry| registry.span(id))
        {
            span.extensions_mut().insert(ctx);
        }
    });
}

/// The trace context of the innermost span that has one.
pub(crate) fn current_trace() -> Option<TraceContext> {
    Span::current()
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            let span = registry.span(id)?;
            span.scope()
                .find_map(|s| s.extensions().get::<TraceContext>().copied())
        })
        .flatten()
}
