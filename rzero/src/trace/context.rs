use pin_project_lite::pin_project;
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A 16-byte trace id, shown as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id, shown as 16 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(pub [u8; 8]);

thread_local! {
    /// Ids need to be unpredictable enough not to collide, not secret: a fast generator
    /// seeded once per thread from the OS is plenty and cheaper than the default ChaCha.
    static IDS: std::cell::RefCell<SmallRng> = std::cell::RefCell::new(SmallRng::from_os_rng());
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    IDS.with(|rng| rng.borrow_mut().fill_bytes(&mut out));
    out
}

/// A new trace id and span id from one turn of the generator: a root context needs both, and
/// whole words cost less than `fill_bytes` twice.
fn random_ids() -> (TraceId, SpanId) {
    let [a, b, c] = IDS.with(|rng| {
        let mut rng = rng.borrow_mut();
        [rng.next_u64(), rng.next_u64(), rng.next_u64()]
    });
    let mut trace = [0u8; 16];
    trace[..8].copy_from_slice(&a.to_le_bytes());
    trace[8..].copy_from_slice(&b.to_le_bytes());
    match (TraceId(trace), SpanId(c.to_le_bytes())) {
        // All-zero ids are invalid; a draw of 64 zero bits is as good as impossible, but
        // cheap to rule out.
        (trace, span) if trace.0 != [0; 16] && span.0 != [0; 8] => (trace, span),
        _ => (TraceId::random(), SpanId::random()),
    }
}

impl TraceId {
    /// Appends the 32 hex digits.
    pub fn push_hex(&self, out: &mut String) {
        out.push_str(std::str::from_utf8(&self.hex()).unwrap_or_default());
    }

    /// The 32 hex digits as bytes, for writers of byte buffers.
    pub(crate) fn hex(&self) -> [u8; 32] {
        let id = u128::from_be_bytes(self.0);
        let mut buf = [0u8; 32];
        buf[..16].copy_from_slice(&hex8(((id >> 64) as u64).to_be_bytes()));
        buf[16..].copy_from_slice(&hex8((id as u64).to_be_bytes()));
        buf
    }

    fn random() -> Self {
        loop {
            let bytes: [u8; 16] = random_bytes();
            if bytes != [0; 16] {
                return Self(bytes);
            }
        }
    }
}

impl SpanId {
    /// Appends the 16 hex digits.
    pub fn push_hex(&self, out: &mut String) {
        out.push_str(std::str::from_utf8(&self.hex()).unwrap_or_default());
    }

    /// The 16 hex digits as bytes, for writers of byte buffers.
    pub(crate) fn hex(&self) -> [u8; 16] {
        hex8(self.0)
    }

    fn random() -> Self {
        loop {
            let bytes: [u8; 8] = random_bytes();
            if bytes != [0; 8] {
                return Self(bytes);
            }
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes` into `out` (twice as long). Hand-rolled because ids are written
/// on every request and every log line; `write!("{:02x}")` per byte is several times slower.
fn hex_into(bytes: &[u8], out: &mut [u8]) {
    let mut words = bytes.chunks_exact(8);
    let mut pairs = out.chunks_exact_mut(16);
    for (word, to) in (&mut words).zip(&mut pairs) {
        if let Ok(word) = <[u8; 8]>::try_from(word) {
            to.copy_from_slice(&hex8(word));
        }
    }
    let rest = pairs.into_remainder();
    for (pair, byte) in rest.chunks_exact_mut(2).zip(words.remainder()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
}

/// The 16 hex digits of 8 bytes, all lanes at once: every request encodes three such words
/// for its `traceparent`, and a table lookup per nibble costs four times the instructions.
fn hex8(bytes: [u8; 8]) -> [u8; 16] {
    const LANES: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
    // Spread the 16 nibbles into the low halves of 16 bytes, in order.
    let mut v = u128::from(u64::from_be_bytes(bytes));
    v = (v | (v << 32)) & 0x0000_0000_ffff_ffff_0000_0000_ffff_ffff;
    v = (v | (v << 16)) & 0x0000_ffff_0000_ffff_0000_ffff_0000_ffff;
    v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff_00ff_00ff_00ff_00ff;
    v = (v | (v << 4)) & (LANES * 0x0f);
    // 1 in the lanes holding 10..=15, which map to `a`..`f` (39 past `0` + 10); no lane
    // carries into the next, the largest being 15 + 6 and then `f`.
    let letters = ((v + LANES * 6) >> 4) & LANES;
    (v + LANES * u128::from(b'0') + letters * 39).to_be_bytes()
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut buf = [0u8; 32];
    let out = &mut buf[..bytes.len() * 2];
    hex_into(bytes, out);
    f.write_str(std::str::from_utf8(out).map_err(|_| fmt::Error)?)
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
        let (trace_id, span_id) = random_ids();
        Self {
            trace_id,
            span_id,
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
        String::from_utf8_lossy(&self.traceparent_bytes()).into_owned()
    }

    /// [`Self::traceparent`] without allocating.
    ///
    /// Every traced request encodes one, so the three ids go straight to fixed offsets: the
    /// compiler then writes each piece with a few wide stores and no bounds checks.
    pub fn traceparent_bytes(&self) -> [u8; 55] {
        let trace = self.trace_id.hex();
        let mut out = [0u8; 55];
        out[..3].copy_from_slice(b"00-");
        out[3..35].copy_from_slice(&trace);
        out[35] = b'-';
        out[36..52].copy_from_slice(&self.span_id.hex());
        out[52..].copy_from_slice(if self.sampled { b"-01" } else { b"-00" });
        out
    }

    /// The context of the work the caller is running in: set by the REST and RPC servers for
    /// each request, and by [`Self::scope`] for work of your own.
    pub fn current() -> Option<Self> {
        CURRENT.with(Cell::get)
    }

    /// Runs `future` with `self` as [`Self::current`], e.g. a task spawned by a handler that
    /// should log under the request's trace: `tokio::spawn(ctx.child().scope(work))`.
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        Scoped { ctx: self, future }
    }

    /// Runs `f` with `self` as [`Self::current`], restoring the previous context afterwards
    /// (also when `f` panics).
    pub fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let _restore = Restore(CURRENT.with(|current| current.replace(Some(self))));
        f()
    }
}

// A thread-local swapped in around every poll, rather than a `tracing` span per request (an
// allocation, a registry entry, formatting) or tokio's task-local (a `RefCell` and a move of
// the whole future): the context is 41 bytes of `Copy` data, so a `Cell` is enough.
thread_local! {
    static CURRENT: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

/// Puts the previous context back when a scope ends.
struct Restore(Option<TraceContext>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

pin_project! {
    /// A future that runs with a trace context current; see [`TraceContext::scope`].
    #[derive(Debug)]
    pub struct Scoped<F> {
        ctx: TraceContext,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let ctx = *this.ctx;
        let future = this.future;
        ctx.sync_scope(|| future.poll(cx))
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

    #[test]
    fn hex_words_match_the_table() {
        let table = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
        let mut rng = SmallRng::seed_from_u64(7);
        let mut cases = vec![[0u8; 8], [0xff; 8], *b"\x01\x23\x45\x67\x89\xab\xcd\xef"];
        cases.extend((0..1000).map(|_| rng.next_u64().to_le_bytes()));
        for bytes in cases {
            assert_eq!(std::str::from_utf8(&hex8(bytes)).unwrap(), table(&bytes));
        }
        for len in [0, 3, 8, 11, 16, 24] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            let mut out = vec![0u8; len * 2];
            hex_into(&bytes, &mut out);
            assert_eq!(std::str::from_utf8(&out).unwrap(), table(&bytes), "{len}");
        }
    }

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
    fn scopes_nest_and_restore() {
        assert_eq!(TraceContext::current(), None);
        let outer = TraceContext::root(1.0);
        let inner = outer.child();
        outer.sync_scope(|| {
            assert_eq!(TraceContext::current(), Some(outer));
            inner.sync_scope(|| assert_eq!(TraceContext::current(), Some(inner)));
            assert_eq!(TraceContext::current(), Some(outer));
            let panicked = std::panic::catch_unwind(|| inner.sync_scope(|| panic!("boom")));
            assert!(panicked.is_err());
            assert_eq!(TraceContext::current(), Some(outer));
        });
        assert_eq!(TraceContext::current(), None);
    }

    #[tokio::test]
    async fn a_scoped_future_sees_its_context_on_every_poll() {
        let ctx = TraceContext::root(1.0);
        let seen = ctx
            .scope(async {
                tokio::task::yield_now().await;
                TraceContext::current()
            })
            .await;
        assert_eq!(seen, Some(ctx));
        assert_eq!(TraceContext::current(), None);
    }

    #[test]
    fn a_new_root_honours_the_sampler() {
        assert!(TraceContext::root(1.0).sampled);
        assert!(!TraceContext::root(0.0).sampled);
        let child = TraceContext::root(1.0).child();
        assert!(child.parent_span_id.is_some());
    }
}
