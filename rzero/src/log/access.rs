//! The access line of a request, in go-zero's shape: the content `[HTTP] 200 - GET /path -
//! peer`, the status and the duration as fields. It is the one line every request writes, so
//! when rzero owns the log output in JSON it does not go through a `tracing` event (several
//! thousand instructions: dynamic field visiting, `Display` of each value, escaping piece by
//! piece). Its typed fields are copied into the log batch as a record of about 100 bytes, and
//! the record is formatted into the line when the batch is written out, with the rest of the
//! batch (see [`super::batch`]). The line is the same either way; with another subscriber, or
//! in plain text, it is a normal event.

use super::batch::{ACCESS, BatchWriter};
use super::format::{Timestamp, needs_escaping, timestamp_at, write_escaped};
use crate::timex;
use crate::trace::TraceContext;
use std::cell::Cell;
use std::io::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tracing::Level;

/// The facts of one served request.
#[derive(Debug)]
pub(crate) struct Access<'a> {
    pub(crate) status: u16,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) duration: Duration,
    /// When the request ended, on the monotonic clock: the line's timestamp.
    pub(crate) end: Instant,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) slow: bool,
    /// The request's `traceparent` as the trace stage answers it, when that stage is on: the
    /// line takes its trace and span ids from it instead of encoding them a second time.
    pub(crate) traceparent: Option<&'a [u8; 55]>,
}

/// Set by `setup` when rzero's own JSON subscriber is the global one.
pub(super) struct Direct {
    pub(super) writer: BatchWriter,
    /// What follows the trace ids on every line, up to the status:
    /// `,"service":"...","caller":"...","status":`.
    tail: String,
    /// `tail` with the status of nearly every line and the duration's key after it:
    /// `...,"status":200,"duration":"`, one piece instead of three.
    tail_ok: String,
    /// Whether access lines at info, warn and error pass the filter, decided once when the
    /// filter's directives are all static (targets and levels only): then the answer cannot
    /// change, and asking the subscriber for every line costs a dispatch per request.
    levels: Option<[bool; 3]>,
}

pub(super) static DIRECT: OnceLock<Direct> = OnceLock::new();

const CALLER: &str = concat!(file!(), ":", line!());

pub(crate) fn access(a: &Access<'_>) {
    let level = if a.slow {
        Level::WARN
    } else if a.status >= 500 {
        Level::ERROR
    } else {
        Level::INFO
    };
    let direct = DIRECT.get();
    if let Some((direct, levels)) = direct.and_then(|d| Some((d, d.levels?))) {
        let index = match level {
            Level::WARN => 1,
            Level::ERROR => 2,
            _ => 0,
        };
        if levels[index] {
            direct.write(a, level);
        }
        return;
    }
    let enabled = match level {
        Level::WARN => tracing::enabled!(target: "rzero::access", Level::WARN),
        Level::ERROR => tracing::enabled!(target: "rzero::access", Level::ERROR),
        _ => tracing::enabled!(target: "rzero::access", Level::INFO),
    };
    if !enabled {
        return;
    }
    match direct {
        Some(direct) => direct.write(a, level),
        None => event(a, level),
    }
}

fn event(a: &Access<'_>, level: Level) {
    let (status, method, path) = (a.status, a.method, a.path);
    let duration = Millis(a.duration);
    let peer = Peer(a.peer);
    let note = if a.slow { " - slow call" } else { "" };
    match level {
        Level::WARN => tracing::warn!(
            target: "rzero::access", status, %duration,
            "[HTTP] {status} - {method} {path} - {peer}{note}"
        ),
        Level::ERROR => tracing::error!(
            target: "rzero::access", status, %duration,
            "[HTTP] {status} - {method} {path} - {peer}{note}"
        ),
        _ => tracing::info!(
            target: "rzero::access", status, %duration,
            "[HTTP] {status} - {method} {path} - {peer}{note}"
        ),
    }
}

impl Direct {
    /// `service` is the `,"service":"..."` member, or empty; `directives` the filter's text.
    /// Called once rzero's subscriber is the global one.
    pub(super) fn new(writer: BatchWriter, service: &str, directives: &str) -> Self {
        let tail = format!("{service},\"caller\":\"{CALLER}\",\"status\":");
        // Span (`[...]`) and field (`{...}`) directives make the answer depend on the spans
        // a line is logged in.
        let dynamic = directives.contains(['[', '{']);
        // Records carry their end on the process's clock (`timex`), which can only place
        // moments after its first reading: take it before the first request ends.
        timex::now_nanos();
        Self {
            writer,
            tail_ok: format!("{tail}200,\"duration\":\""),
            tail,
            levels: (!dynamic).then(|| {
                [
                    tracing::enabled!(target: "rzero::access", Level::INFO),
                    tracing::enabled!(target: "rzero::access", Level::WARN),
                    tracing::enabled!(target: "rzero::access", Level::ERROR),
                ]
            }),
        }
    }

    fn write(&self, a: &Access<'_>, level: Level) {
        let mut head = [0u8; RECORD_HEAD_MAX];
        let len = encode_head(&mut head, a, level);
        let head = head.get(..len).unwrap_or_default();
        let method = a.method.as_bytes();
        let method = method.get(..usize::from(u16::MAX)).unwrap_or(method);
        self.writer.push(ACCESS, &[head, method, a.path.as_bytes()]);
    }

    /// Written as bytes, with the constant runs of the line as single pieces and numbers by
    /// hand: `write!` and `Display` for socket addresses cost several times more than
    /// everything else in the line, and every piece appended costs a length check and a copy.
    fn format(&self, out: &mut Vec<u8>, r: &Record<'_>, clock: &Clock) {
        out.extend_from_slice(b"{\"@timestamp\":\"");
        out.extend_from_slice(clock.timestamp(r.end).as_bytes());
        out.extend_from_slice(match r.level {
            WARN => b"\",\"level\":\"warn\",\"content\":\"[HTTP] ",
            ERROR => b"\",\"level\":\"error\",\"content\":\"[HTTP] ",
            _ => b"\",\"level\":\"info\",\"content\":\"[HTTP] ",
        });
        push_status(out, r.status);
        out.extend_from_slice(b" - ");
        out.extend_from_slice(r.method);
        out.push(b' ');
        push_escaped(out, r.path);
        out.extend_from_slice(b" - ");
        push_peer(out, r.peer);
        if r.slow {
            out.extend_from_slice(b" - slow call");
        }
        match r.trace {
            Some(ids) => {
                out.extend_from_slice(b"\",\"trace\":\"");
                out.extend_from_slice(&ids[..32]);
                out.extend_from_slice(b"\",\"span\":\"");
                out.extend_from_slice(&ids[32..]);
                out.push(b'"');
            }
            None => out.push(b'"'),
        }
        if r.status == 200 {
            out.extend_from_slice(self.tail_ok.as_bytes());
        } else {
            out.extend_from_slice(self.tail.as_bytes());
            push_status(out, r.status);
            out.extend_from_slice(b",\"duration\":\"");
        }
        push_u64(out, r.micros / 1000);
        let frac = r.micros % 1000;
        out.extend_from_slice(&[
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        out.extend_from_slice(b"ms\"}\n");
    }
}

// The record of one access line: a fixed-layout head, then the method, then the path.
//
// | bytes | field |
// |---|---|
// | 1 | level: `INFO`, `WARN` or `ERROR` |
// | 1 | slow: 0 or 1 |
// | 2 | status |
// | 8 | duration in microseconds |
// | 8 | end of the request, [`timex::nanos_at`] |
// | 2 | length of the method |
// | 1 | peer: 0 (none), 4 or 6 |
// | 0, 6 or 22 | IPv4 address and port, or IPv6 address, port and scope id |
// | 1 (+ 48) | 0, or 1 and the trace id and span id in hex |
//
// Numbers are little-endian.
const INFO: u8 = 0;
const WARN: u8 = 1;
const ERROR: u8 = 2;
const RECORD_HEAD_MAX: usize = 1 + 1 + 2 + 8 + 8 + 2 + 1 + 22 + 1 + 48;

/// Writes the head of `a`'s record into `head`; returns its length.
fn encode_head(head: &mut [u8; RECORD_HEAD_MAX], a: &Access<'_>, level: Level) -> usize {
    let mut w = Cursor { buf: head, len: 0 };
    w.put(&[
        match level {
            Level::WARN => WARN,
            Level::ERROR => ERROR,
            _ => INFO,
        },
        u8::from(a.slow),
    ]);
    w.put(&a.status.to_le_bytes());
    let micros = u64::try_from(a.duration.as_micros()).unwrap_or(u64::MAX);
    w.put(&micros.to_le_bytes());
    w.put(&timex::nanos_at(a.end).to_le_bytes());
    let method_len = u16::try_from(a.method.len()).unwrap_or(u16::MAX);
    w.put(&method_len.to_le_bytes());
    match a.peer {
        None => w.put(&[0]),
        Some(SocketAddr::V4(v4)) => {
            w.put(&[4]);
            w.put(&v4.ip().octets());
            w.put(&v4.port().to_le_bytes());
        }
        Some(SocketAddr::V6(v6)) => {
            w.put(&[6]);
            w.put(&v6.ip().octets());
            w.put(&v6.port().to_le_bytes());
            w.put(&v6.scope_id().to_le_bytes());
        }
    }
    let current;
    let traceparent = match a.traceparent {
        Some(traceparent) => Some(traceparent),
        None => {
            current = TraceContext::current().map(|trace| trace.traceparent_bytes());
            current.as_ref()
        }
    };
    match traceparent {
        // `00-<trace id>-<span id>-<flags>`
        Some(traceparent) => {
            w.put(&[1]);
            w.put(&traceparent[3..35]);
            w.put(&traceparent[36..52]);
        }
        None => w.put(&[0]),
    }
    w.len
}

/// Appends to a buffer sized for the longest head, so every `put` fits.
struct Cursor<'a> {
    buf: &'a mut [u8; RECORD_HEAD_MAX],
    len: usize,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(to) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            to.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }
}

/// A record read back.
#[derive(Debug, PartialEq)]
struct Record<'a> {
    level: u8,
    slow: bool,
    status: u16,
    micros: u64,
    end: u64,
    peer: Option<SocketAddr>,
    trace: Option<&'a [u8; 48]>,
    /// Both as the request had them, as text (a `&str` when written).
    method: &'a [u8],
    path: &'a [u8],
}

impl<'a> Record<'a> {
    /// `None` for bytes that are not a record, which only [`Direct::write`] writes.
    fn decode(mut bytes: &'a [u8]) -> Option<Self> {
        fn take<'a, const N: usize>(bytes: &mut &'a [u8]) -> Option<&'a [u8; N]> {
            let (head, rest) = bytes.split_first_chunk::<N>()?;
            *bytes = rest;
            Some(head)
        }
        let &[level, slow] = take::<2>(&mut bytes)?;
        let status = u16::from_le_bytes(*take(&mut bytes)?);
        let micros = u64::from_le_bytes(*take(&mut bytes)?);
        let end = u64::from_le_bytes(*take(&mut bytes)?);
        let method_len = usize::from(u16::from_le_bytes(*take(&mut bytes)?));
        let peer = match take::<1>(&mut bytes)? {
            [4] => {
                let ip = Ipv4Addr::from(*take::<4>(&mut bytes)?);
                let port = u16::from_le_bytes(*take(&mut bytes)?);
                Some(SocketAddr::from((ip, port)))
            }
            [6] => {
                let ip = Ipv6Addr::from(*take::<16>(&mut bytes)?);
                let port = u16::from_le_bytes(*take(&mut bytes)?);
                let scope = u32::from_le_bytes(*take(&mut bytes)?);
                Some(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope)))
            }
            _ => None,
        };
        let trace = match take::<1>(&mut bytes)? {
            [1] => Some(take::<48>(&mut bytes)?),
            _ => None,
        };
        let (method, path) = bytes.split_at_checked(method_len)?;
        Some(Record {
            level,
            slow: slow != 0,
            status,
            micros,
            end,
            peer,
            trace,
            method,
            path,
        })
    }
}

/// The monotonic and the wall clock read together when a batch is written out, to turn the
/// records' monotonic end times into wall time: the same as reading the wall clock at the end
/// of each request, give or take the clock's slew over the batch's 50 ms.
pub(super) struct Clock {
    mono: u64,
    /// Nanoseconds since the Unix epoch.
    wall: u64,
    /// The last millisecond formatted: a batch holds dozens of records per millisecond.
    last: Cell<Option<(u64, Timestamp)>>,
}

impl Clock {
    pub(super) fn now() -> Self {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        Self {
            mono: timex::now_nanos(),
            wall: u64::try_from(wall).unwrap_or(u64::MAX),
            last: Cell::new(None),
        }
    }

    /// The wall time of `nanos` ([`timex::nanos_at`]) in milliseconds since the Unix epoch.
    fn wall_millis(&self, nanos: u64) -> u64 {
        let wall = if nanos <= self.mono {
            self.wall.saturating_sub(self.mono - nanos)
        } else {
            self.wall.saturating_add(nanos - self.mono)
        };
        wall / 1_000_000
    }

    fn timestamp(&self, nanos: u64) -> Timestamp {
        let millis = self.wall_millis(nanos);
        match self.last.get() {
            Some((last, text)) if last == millis => text,
            _ => {
                let text = timestamp_at(millis / 1000, (millis % 1000) as u32);
                self.last.set(Some((millis, text)));
                text
            }
        }
    }
}

/// Formats one access record into its line.
pub(super) fn render(record: &[u8], clock: &Clock, out: &mut Vec<u8>) {
    if let (Some(direct), Some(record)) = (DIRECT.get(), Record::decode(record)) {
        direct.format(out, &record, clock);
    }
}

/// HTTP statuses have three digits (`http` guarantees 100..=999).
fn push_status(out: &mut Vec<u8>, status: u16) {
    if (100..1000).contains(&status) {
        out.extend_from_slice(&[
            b'0' + (status / 100) as u8,
            b'0' + (status / 10 % 10) as u8,
            b'0' + (status % 10) as u8,
        ]);
    } else {
        push_u64(out, u64::from(status));
    }
}

/// Writes `n` (at most 65535) in decimal at the start of `out`, which has room for five
/// digits; returns how many it wrote.
fn put_digits(out: &mut [u8], n: u32) -> usize {
    let mut digits = [0u8; 5];
    let mut rest = n.min(65_535);
    let mut count = 0;
    loop {
        digits[4 - count] = b'0' + (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out[..count].copy_from_slice(&digits[5 - count..]);
    count
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The path as JSON string content; paths almost never need escaping.
fn push_escaped(out: &mut Vec<u8>, path: &[u8]) {
    if !needs_escaping(path) {
        return out.extend_from_slice(path);
    }
    let mut escaped = String::new();
    let _ = write_escaped(&mut escaped, &String::from_utf8_lossy(path));
    out.extend_from_slice(escaped.as_bytes());
}

fn push_peer(out: &mut Vec<u8>, peer: Option<SocketAddr>) {
    match peer {
        Some(SocketAddr::V4(v4)) => {
            // `255.255.255.255:65535` at most: built in place and appended in one piece.
            let mut text = [0u8; 21];
            let mut len = 0;
            for (i, octet) in v4.ip().octets().into_iter().enumerate() {
                if i > 0 {
                    text[len] = b'.';
                    len += 1;
                }
                len += put_digits(&mut text[len..], u32::from(octet));
            }
            text[len] = b':';
            len += 1;
            len += put_digits(&mut text[len..], u32::from(v4.port()));
            out.extend_from_slice(&text[..len]);
        }
        Some(other) => {
            let _ = write!(out, "{other}");
        }
        None => out.push(b'-'),
    }
}

/// Milliseconds with three decimals, formatted from integers (float formatting is slow).
struct Millis(Duration);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = self.0.as_micros();
        write!(f, "{}.{:03}ms", micros / 1000, micros % 1000)
    }
}

/// The peer address or `-`.
struct Peer(Option<SocketAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(addr) => write!(f, "{addr}"),
            None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_peers_are_written_like_display() {
        let mut out = Vec::new();
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            out.clear();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
        for status in [100u16, 200, 404, 503, 999, 42, 1000] {
            out.clear();
            push_status(&mut out, status);
            assert_eq!(out, status.to_string().as_bytes());
        }
        let v4: SocketAddr = "127.0.0.1:54321".parse().unwrap();
        let widest: SocketAddr = "255.255.255.255:65535".parse().unwrap();
        let narrowest: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        for peer in [Some(v4), Some(widest), Some(narrowest), Some(v6), None] {
            out.clear();
            push_peer(&mut out, peer);
            assert_eq!(out, Peer(peer).to_string().as_bytes());
        }
        for (path, json) in [("/a/b", "/a/b"), ("/say \"hi\"", "/say \\\"hi\\\"")] {
            out.clear();
            push_escaped(&mut out, path.as_bytes());
            assert_eq!(out, json.as_bytes());
        }
    }

    /// Milliseconds since the epoch of a timestamp the log writes.
    fn millis_of(text: &str) -> u128 {
        humantime::parse_rfc3339(text)
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
    }

    fn record(a: &Access<'_>, level: Level) -> Vec<u8> {
        let mut head = [0u8; RECORD_HEAD_MAX];
        let len = encode_head(&mut head, a, level);
        [&head[..len], a.method.as_bytes(), a.path.as_bytes()].concat()
    }

    #[test]
    fn records_read_back_as_written() {
        let traceparent = *b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let v6 = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 8080, 7, 3));
        let end = Instant::now();
        for (peer, traceparent, status, slow, method, path) in [
            (
                Some("127.0.0.1:54321".parse().unwrap()),
                Some(&traceparent),
                200,
                false,
                "GET",
                "/hello",
            ),
            (Some(v6), None, 503, true, "PURGE", "/say \"hi\""),
            (None, Some(&traceparent), 404, false, "POST", ""),
        ] {
            let a = Access {
                status,
                method,
                path,
                duration: Duration::from_micros(1_234_567),
                end,
                peer,
                slow,
                traceparent,
            };
            let bytes = record(&a, Level::WARN);
            let read = Record::decode(&bytes).unwrap();
            let ids = traceparent
                .map(|t| <[u8; 48]>::try_from([&t[3..35], &t[36..52]].concat()).unwrap());
            assert_eq!(
                read,
                Record {
                    level: WARN,
                    slow,
                    status,
                    micros: 1_234_567,
                    end: timex::nanos_at(end),
                    // The flow label is not part of the line.
                    peer: peer.map(|p| match p {
                        SocketAddr::V6(v6) => {
                            SocketAddr::V6(SocketAddrV6::new(*v6.ip(), v6.port(), 0, v6.scope_id()))
                        }
                        v4 => v4,
                    }),
                    trace: ids.as_ref(),
                    method: method.as_bytes(),
                    path: path.as_bytes(),
                }
            );
            // Cut short anywhere, it is refused rather than misread.
            for cut in 0..bytes.len() - path.len() - method.len() {
                assert_eq!(Record::decode(&bytes[..cut]), None, "{cut}");
            }
        }
    }

    #[test]
    fn a_record_formats_into_the_access_line() {
        let writer = BatchWriter::start(Box::new(std::io::sink())).unwrap();
        let direct = Direct::new(writer, ",\"service\":\"svc\"", "info");
        let traceparent = *b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let clock = Clock {
            mono: 5_000_000_000,
            wall: 1_764_633_600_250_000_000,
            last: Cell::new(None),
        };
        let line = |a: &Access<'_>, level| {
            let bytes = record(a, level);
            let mut read = Record::decode(&bytes).unwrap();
            // Half a second before the clock was read.
            read.end = 4_500_000_000;
            let mut out = Vec::new();
            direct.format(&mut out, &read, &clock);
            String::from_utf8(out).unwrap()
        };
        let ok = Access {
            status: 200,
            method: "GET",
            path: "/hello",
            duration: Duration::from_micros(1_234),
            end: Instant::now(),
            peer: Some("127.0.0.1:54321".parse().unwrap()),
            slow: false,
            traceparent: Some(&traceparent),
        };
        assert_eq!(
            line(&ok, Level::INFO),
            format!(
                "{{\"@timestamp\":\"2025-12-01T23:59:59.750Z\",\"level\":\"info\",\"content\":\"[HTTP] 200 - GET /hello - 127.0.0.1:54321\",\"trace\":\"0af7651916cd43dd8448eb211c80319c\",\"span\":\"b7ad6b7169203331\",\"service\":\"svc\",\"caller\":\"{CALLER}\",\"status\":200,\"duration\":\"1.234ms\"}}\n"
            )
        );
        let slow = Access {
            status: 503,
            path: "/say \"hi\"",
            peer: None,
            slow: true,
            traceparent: None,
            duration: Duration::from_micros(2_000_001),
            ..ok
        };
        let text = line(&slow, Level::WARN);
        assert!(
            text.contains("\"level\":\"warn\",\"content\":\"[HTTP] 503 - GET /say \\\"hi\\\" - - - slow call\",\"service\""),
            "{text}"
        );
        assert!(
            text.ends_with("\"status\":503,\"duration\":\"2000.001ms\"}\n"),
            "{text}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed["content"],
            "[HTTP] 503 - GET /say \"hi\" - - - slow call"
        );
    }

    #[test]
    fn record_end_times_become_wall_time() {
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
        };
        // Records can only place moments after the process's clock epoch, set by its first
        // reading (the server sets it up with the log).
        timex::now_nanos();
        std::thread::sleep(Duration::from_millis(250));
        let clock = Clock::now();
        let base = Instant::now();
        let before = i128::try_from(now()).unwrap();
        for offset in [0i128, 300, -200, 5_000] {
            let at = if offset >= 0 {
                base + Duration::from_millis(offset as u64)
            } else {
                base - Duration::from_millis(offset.unsigned_abs() as u64)
            };
            let out = clock.timestamp(timex::nanos_at(at));
            let written = i128::try_from(millis_of(out.as_str())).unwrap();
            assert!(
                (written - (before + offset)).abs() <= 5,
                "{}: {written} vs {}",
                out.as_str(),
                before + offset
            );
        }
    }
}
