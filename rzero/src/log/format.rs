use super::Encoding;
use crate::trace::TraceContext;
use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// One line per event. JSON lines use go-zero's key names (`@timestamp`, `level`, `content`,
/// `trace`, `span`, `caller`) so existing log pipelines keep working. The JSON is written
/// directly rather than through a `serde_json::Map`: services log every request, and building
/// a map per line cost more than the rest of the request chain together.
pub(super) struct Format {
    encoding: Encoding,
    /// The service name, already JSON-escaped.
    service: String,
}

impl Format {
    pub(super) fn new(encoding: Encoding, service: &str) -> Self {
        let mut escaped = String::new();
        let _ = write_json_str(&mut escaped, service);
        Self {
            encoding,
            service: if service.is_empty() {
                String::new()
            } else {
                escaped
            },
        }
    }
}

/// Keys the line itself uses; an event field of the same name is written as `_<name>`.
const RESERVED: [&str; 7] = [
    "@timestamp",
    "level",
    "content",
    "trace",
    "span",
    "service",
    "caller",
];

impl<S, N> FormatEvent<S, N> for Format
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let trace = TraceContext::current();
        match self.encoding {
            Encoding::Json => BUFFERS.with(|buffers| {
                let Ok(mut buffers) = buffers.try_borrow_mut() else {
                    // Logging from inside a Debug impl being formatted: fresh buffers.
                    return self.write_json(&mut writer, event, trace, &mut Default::default());
                };
                self.write_json(&mut writer, event, trace, &mut buffers)
            }),
            Encoding::Plain => {
                let meta = event.metadata();
                write_timestamp(&mut writer)?;
                write!(writer, " {:>5} ", meta.level())?;
                if let Some(trace) = trace {
                    write!(writer, "[{} {}] ", trace.trace_id, trace.span_id)?;
                }
                write!(writer, "{}: ", meta.target())?;
                ctx.field_format().format_fields(writer.by_ref(), event)?;
                writeln!(writer)
            }
        }
    }
}

impl Format {
    fn write_json(
        &self,
        writer: &mut Writer<'_>,
        event: &Event<'_>,
        trace: Option<TraceContext>,
        buffers: &mut (String, String, String),
    ) -> fmt::Result {
        let meta = event.metadata();
        buffers.0.clear();
        buffers.1.clear();
        let mut fields = JsonFields {
            message: std::mem::take(&mut buffers.0),
            rest: std::mem::take(&mut buffers.1),
            scratch: std::mem::take(&mut buffers.2),
        };
        event.record(&mut fields);
        writer.write_str("{\"@timestamp\":\"")?;
        write_timestamp(writer)?;
        write!(
            writer,
            "\",\"level\":\"{}\",\"content\":\"",
            level_name(meta.level())
        )?;
        writer.write_str(&fields.message)?;
        writer.write_char('"')?;
        if let Some(trace) = trace {
            write!(
                writer,
                ",\"trace\":\"{}\",\"span\":\"{}\"",
                trace.trace_id, trace.span_id
            )?;
        }
        if !self.service.is_empty() {
            write!(writer, ",\"service\":{}", self.service)?;
        }
        if let (Some(file), Some(line)) = (meta.file(), meta.line()) {
            writer.write_str(",\"caller\":\"")?;
            write_escaped(writer, file)?;
            write!(writer, ":{line}\"")?;
        }
        writer.write_str(&fields.rest)?;
        *buffers = (fields.message, fields.rest, fields.scratch);
        writer.write_str("}\n")
    }
}

fn level_name(level: &tracing::Level) -> &'static str {
    match *level {
        tracing::Level::TRACE => "trace",
        tracing::Level::DEBUG => "debug",
        tracing::Level::INFO => "info",
        tracing::Level::WARN => "warn",
        tracing::Level::ERROR => "error",
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, as RFC 3339 writes every second of years 1970 to 9999.
const SECONDS_LEN: usize = 19;
/// The last second of the year 9999.
const LAST_SECOND: u64 = 253_402_300_799;

thread_local! {
    /// The second last formatted and its RFC 3339 text up to the seconds.
    static SECOND: Cell<(u64, [u8; SECONDS_LEN])> = const { Cell::new((u64::MAX, [0; SECONDS_LEN])) };
}

/// `2026-11-28T06:15:42.123Z`, formatting the date part once per second.
fn write_timestamp(w: &mut impl fmt::Write) -> fmt::Result {
    w.write_str(timestamp(SystemTime::now()).as_str())
}

/// `2026-11-28T06:15:42.123Z` in a fixed-size buffer: every line carries one, and a fixed
/// size lets it be copied without a length check or a call to `memcpy`.
#[derive(Clone, Copy)]
pub(super) struct Timestamp([u8; SECONDS_LEN + 5]);

impl Timestamp {
    pub(super) fn as_bytes(&self) -> &[u8; SECONDS_LEN + 5] {
        &self.0
    }

    pub(super) fn as_str(&self) -> &str {
        // Only ASCII is ever written into the buffer.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// The timestamp of `now`, formatting the date part once per second. Times outside years
/// 1970 to 9999 (a clock decades off) are written as the nearest end of that range.
pub(super) fn timestamp(now: SystemTime) -> Timestamp {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    timestamp_at(since.as_secs(), since.subsec_millis())
}

/// [`timestamp`] of `secs` and `millis` since the Unix epoch.
pub(super) fn timestamp_at(secs: u64, millis: u32) -> Timestamp {
    let secs = secs.min(LAST_SECOND);
    let seconds = SECOND.with(|cache| {
        let (cached, text) = cache.get();
        if cached == secs {
            return text;
        }
        // humantime panics on times before 1970 and fails on years after 9999, hence the
        // clamped second and `write!` rather than `to_string`.
        let mut formatted = String::with_capacity(SECONDS_LEN + 1);
        let _ = write!(
            formatted,
            "{}",
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs))
        );
        let text = formatted
            .as_bytes()
            .get(..SECONDS_LEN)
            .filter(|_| formatted.len() == SECONDS_LEN + 1)
            .and_then(|t| <[u8; SECONDS_LEN]>::try_from(t).ok())
            .unwrap_or(*b"9999-12-31T23:59:59");
        cache.set((secs, text));
        text
    });
    let millis = millis.min(999);
    let mut out = [0u8; SECONDS_LEN + 5];
    out[..SECONDS_LEN].copy_from_slice(&seconds);
    out[SECONDS_LEN..].copy_from_slice(&[
        b'.',
        b'0' + (millis / 100) as u8,
        b'0' + (millis / 10 % 10) as u8,
        b'0' + (millis % 10) as u8,
        b'Z',
    ]);
    Timestamp(out)
}

/// Writes `s` as a JSON string literal.
pub(super) fn write_json_str(w: &mut impl fmt::Write, s: &str) -> fmt::Result {
    w.write_char('"')?;
    write_escaped(w, s)?;
    w.write_char('"')
}

/// Whether `s` has a byte JSON must escape. Nearly every string has none; this check is one
/// vectorised pass.
pub(super) fn needs_escaping(s: &[u8]) -> bool {
    s.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Writes the inside of a JSON string literal. Scans bytes, not chars: every byte that needs
/// escaping is ASCII, and multi-byte UTF-8 sequences never contain ASCII bytes.
pub(super) fn write_escaped(w: &mut impl fmt::Write, s: &str) -> fmt::Result {
    let bytes = s.as_bytes();
    if !needs_escaping(bytes) {
        return w.write_str(s);
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        w.write_str(s.get(start..i).unwrap_or_default())?;
        if escape.is_empty() {
            write!(w, "\\u{b:04x}")?;
        } else {
            w.write_str(escape)?;
        }
        start = i + 1;
    }
    w.write_str(s.get(start..).unwrap_or_default())
}

/// The message (escaped), and the other fields as `,"key":value` pairs ready to append.
struct JsonFields {
    message: String,
    rest: String,
    /// Where `Debug`/`Display` values are formatted before being escaped in one pass (they
    /// arrive in many small pieces, and escaping each piece costs more than copying).
    scratch: String,
}

thread_local! {
    /// Buffers reused from line to line, so formatting a line does not allocate.
    static BUFFERS: RefCell<(String, String, String)> = RefCell::new((
        String::with_capacity(256),
        String::with_capacity(512),
        String::with_capacity(256),
    ));
}

impl JsonFields {
    fn key(&mut self, field: &Field) {
        let name = field.name();
        self.rest.push(',');
        if RESERVED.contains(&name) {
            let _ = write_json_str(&mut self.rest, &format!("_{name}"));
        } else {
            let _ = write_json_str(&mut self.rest, name);
        }
        self.rest.push(':');
    }
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write_escaped(&mut self.message, value);
            return;
        }
        self.key(field);
        let _ = write_json_str(&mut self.rest, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        let _ = write!(self.rest, "{value}");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        let _ = write!(self.rest, "{value}");
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        if value.is_finite() {
            let _ = write!(self.rest, "{value}");
        } else {
            self.rest.push_str("null");
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.rest.push_str(if value { "true" } else { "false" });
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.key(field);
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        let _ = write_json_str(&mut self.rest, &self.scratch);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.scratch.clear();
        let _ = write!(self.scratch, "{value:?}");
        if field.name() == "message" {
            let _ = write_escaped(&mut self.message, &self.scratch);
            return;
        }
        self.key(field);
        let _ = write_json_str(&mut self.rest, &self.scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        write_json_str(&mut out, "a \"quoted\" \\ line\nwith\ttab and \u{1} bell é").unwrap();
        assert_eq!(
            out,
            r#""a \"quoted\" \\ line\nwith\ttab and \u0001 bell é""#
        );
        let parsed: String = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, "a \"quoted\" \\ line\nwith\ttab and \u{1} bell é");
    }

    #[test]
    fn timestamps_are_rfc3339_with_millis() {
        let mut out = String::new();
        write_timestamp(&mut out).unwrap();
        assert_eq!(out.len(), "2026-11-28T06:15:42.123Z".len(), "{out}");
        assert!(out.ends_with('Z') && out.as_bytes()[10] == b'T', "{out}");
    }

    #[test]
    fn clocks_far_off_are_clamped_rather_than_panicking() {
        let before_1970 = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(timestamp(before_1970).as_str(), "1970-01-01T00:00:00.000Z");
        let after_9999 = UNIX_EPOCH + Duration::from_secs(LAST_SECOND + 86_400);
        assert_eq!(timestamp(after_9999).as_str(), "9999-12-31T23:59:59.000Z");
        let exact = UNIX_EPOCH + Duration::from_millis(1_764_633_600_042);
        assert_eq!(timestamp(exact).as_str(), "2025-12-02T00:00:00.042Z");
    }
}
