use std::fmt;

/// A 16-byte trace id, shown as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id, shown as 16 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    fn random() -> Self {
        loop {
            let bytes: [u8; 16] = rand::random();
            if bytes != [0; 16] {
                return Self(bytes);
            }
        }
    }
}

impl SpanId {
    fn random() -> Self {
        loop {
            let bytes: [u8; 8] = rand::random();
            if bytes != [0; 8] {
                return Self(bytes);
            }
        }
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// The trace position of one unit of work (a request being served, a call being made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    /// The caller's span, when the trace came in from outside.
    pub parent_span_id: Option<SpanId>,
    pub sampled: bool,
}

impl TraceContext {
    /// A new trace, sampled with probability `ratio`.
    pub fn root(ratio: f64) -> Self {
        Self {
            trace_id: TraceId::random(),
            span_id: SpanId::random(),
            parent_span_id: None,
            sampled: ratio >= 1.0 || (ratio > 0.0 && rand::random::<f64>() < ratio),
        }
    }

    /// A new span of the same trace, its parent being `self`.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            span_id: SpanId::random(),
            parent_span_id: Some(self.span_id),
            sampled: self.sampled,
        }
    }

    /// Continues the trace of an incoming `traceparent` header value, or starts a new one
    /// (sampled with `ratio`) when the header is absent or malformed.
    pub fn continue_or_root(traceparent: Option<&str>, ratio: f64) -> Self {
        match traceparent.and_then(parse_traceparent) {
            Some((trace_id, parent, sampled)) => Self {
                trace_id,
                span_id: SpanId::random(),
                parent_span_id: Some(parent),
                sampled,
            },
            None => Self::root(ratio),
        }
    }

    /// The `traceparent` value that names this span as the parent of the next hop.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            self.trace_id,
            self.span_id,
            u8::from(self.sampled)
        )
    }

    /// The span that log lines inside this unit of work belong to. `name` is a static
    /// description such as `"http.request"`.
    pub fn span(&self, name: &'static str) -> tracing::Span {
        // At ERROR level so that the span exists whenever anything at all is logged: a
        // `warn` filter must still see trace ids on the warnings and errors of a request.
        let span = tracing::error_span!(
            "request",
            otel.name = name,
            trace_id = %self.trace_id,
            span_id = %self.span_id,
        );
        crate::log::attach_trace(&span, *self);
        span
    }

    /// The context of the span the caller is running in, if one was made by [`Self::span`]
    /// (and logging was set up by [`crate::log::setup`]).
    pub fn current() -> Option<Self> {
        crate::log::current_trace()
    }
}

/// `version-traceid-parentid-flags`, per W3C Trace Context level 1. Versions above 00 are read
/// by their first four fields, as the spec asks; all-zero ids are invalid.
fn parse_traceparent(value: &str) -> Option<(TraceId, SpanId, bool)> {
    let value = value.trim();
    let mut parts = value.split('-');
    let version = parts.next()?;
    let trace = parts.next()?;
    let parent = parts.next()?;
    let flags = parts.next()?;
    if version.len() != 2 || version.eq_ignore_ascii_case("ff") {
        return None;
    }
    let version = u8::from_str_radix(version, 16).ok()?;
    if version == 0 && parts.next().is_some() {
        return None;
    }
    let trace_id = TraceId(decode_hex::<16>(trace)?);
    let span_id = SpanId(decode_hex::<8>(parent)?);
    if trace_id.0 == [0; 16] || span_id.0 == [0; 8] || flags.len() != 2 {
        return None;
    }
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some((trace_id, span_id, flags & 1 == 1))
}

fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2
        || !text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn continues_a_valid_traceparent() {
        let ctx = TraceContext::continue_or_root(Some(SAMPLE), 0.0);
        assert_eq!(ctx.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            ctx.parent_span_id.map(|s| s.to_string()).as_deref(),
            Some("00f067aa0ba902b7")
        );
        assert!(ctx.sampled);
        assert_ne!(ctx.span_id.to_string(), "00f067aa0ba902b7");
        let out = ctx.traceparent();
        assert!(out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(out.ends_with("-01"));
        assert_eq!(out.len(), SAMPLE.len());
    }

    #[test]
    fn refuses_malformed_headers() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e47é6-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad}");
        }
        // A future version may append fields.
        assert!(parse_traceparent(&format!("01{}-extra", &SAMPLE[2..])).is_some());
    }

    #[test]
    fn a_new_root_honours_the_sampler() {
        assert!(TraceContext::root(1.0).sampled);
        assert!(!TraceContext::root(0.0).sampled);
        let child = TraceContext::root(1.0).child();
        assert!(child.parent_span_id.is_some());
    }
}
