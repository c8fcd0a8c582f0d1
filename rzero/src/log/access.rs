// Only the REST server writes access lines; other builds keep the writer set-up alone.
#![cfg_attr(not(feature = "rest"), allow(dead_code))]

//! The access line of a request, in go-zero's shape: the content `[HTTP] 200 - GET /path -
//! peer`, the status and the duration as fields. It is the one line every request writes, so
//! when rzero owns
//! the log output in JSON it is formatted directly from its typed fields into the log buffer
//! (a few hundred instructions) instead of going through a `tracing` event (several thousand:
//! dynamic field visiting, `Display` of each value, escaping piece by piece). The line is the
//! same either way; with another subscriber, or in plain text, it is a normal event.

use super::batch::BatchWriter;
use super::format::{needs_escaping, timestamp, write_escaped};
use crate::trace::TraceContext;
use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

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

thread_local! {
    static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
}

impl Direct {
    /// `service` is the `,"service":"..."` member, or empty; `directives` the filter's text.
    /// Called once rzero's subscriber is the global one.
    pub(super) fn new(writer: BatchWriter, service: &str, directives: &str) -> Self {
        let tail = format!("{service},\"caller\":\"{CALLER}\",\"status\":");
        // Span (`[...]`) and field (`{...}`) directives make the answer depend on the spans
        // a line is logged in.
        let dynamic = directives.contains(['[', '{']);
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
        LINE.with(|line| {
            let Ok(mut line) = line.try_borrow_mut() else {
                return event(a, level);
            };
            line.clear();
            self.format(&mut line, a, level);
            let _ = self.writer.make_writer().write_all(&line);
        });
    }

    /// Written as bytes, with the constant runs of the line as single pieces and numbers by
    /// hand: `write!` and `Display` for socket addresses cost several times more than
    /// everything else in the line, and every piece appended costs a length check and a copy.
    fn format(&self, out: &mut Vec<u8>, a: &Access<'_>, level: Level) {
        out.extend_from_slice(b"{\"@timestamp\":\"");
        out.extend_from_slice(timestamp(wall_at(a.end)).as_bytes());
        out.extend_from_slice(match level {
            Level::WARN => b"\",\"level\":\"warn\",\"content\":\"[HTTP] ",
            Level::ERROR => b"\",\"level\":\"error\",\"content\":\"[HTTP] ",
            _ => b"\",\"level\":\"info\",\"content\":\"[HTTP] ",
        });
        push_status(out, a.status);
        out.extend_from_slice(b" - ");
        out.extend_from_slice(a.method.as_bytes());
        out.push(b' ');
        push_escaped(out, a.path);
        out.extend_from_slice(b" - ");
        push_peer(out, a.peer);
        if a.slow {
            out.extend_from_slice(b" - slow call");
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
                out.extend_from_slice(b"\",\"trace\":\"");
                out.extend_from_slice(&traceparent[3..35]);
                out.extend_from_slice(b"\",\"span\":\"");
                out.extend_from_slice(&traceparent[36..52]);
                out.push(b'"');
            }
            None => out.push(b'"'),
        }
        if a.status == 200 {
            out.extend_from_slice(self.tail_ok.as_bytes());
        } else {
            out.extend_from_slice(self.tail.as_bytes());
            push_status(out, a.status);
            out.extend_from_slice(b",\"duration\":\"");
        }
        let micros = u64::try_from(a.duration.as_micros()).unwrap_or(u64::MAX);
        push_u64(out, micros / 1000);
        let frac = micros % 1000;
        out.extend_from_slice(&[
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        out.extend_from_slice(b"ms\"}\n");
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
fn push_escaped(out: &mut Vec<u8>, path: &str) {
    if !needs_escaping(path) {
        return out.extend_from_slice(path.as_bytes());
    }
    let mut escaped = String::new();
    let _ = write_escaped(&mut escaped, path);
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

thread_local! {
    /// A wall-clock reading and the monotonic instant it was taken at, renewed every second.
    static WALL: Cell<Option<(Instant, SystemTime)>> = const { Cell::new(None) };
}

const WALL_RENEWAL: Duration = Duration::from_secs(1);

/// The wall time of a moment the caller already read on the monotonic clock (the access
/// line's end of request), derived from a reading of this thread at most a second old: it
/// saves a clock read per line and differs from reading the wall clock by no more than the
/// clock's slew over that second.
fn wall_at(at: Instant) -> SystemTime {
    let derive = |(base, system): (Instant, SystemTime)| {
        if at >= base {
            let ahead = at.duration_since(base);
            (ahead < WALL_RENEWAL).then(|| system + ahead)
        } else {
            let behind = base.duration_since(at);
            (behind < WALL_RENEWAL).then(|| system - behind)
        }
    };
    WALL.with(|wall| {
        wall.get().and_then(derive).unwrap_or_else(|| {
            let base = (Instant::now(), SystemTime::now());
            wall.set(Some(base));
            derive(base).unwrap_or(base.1)
        })
    })
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
    use std::time::UNIX_EPOCH;

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
            push_escaped(&mut out, path);
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

    #[test]
    fn derived_timestamps_match_the_wall_clock() {
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
        };
        // Earlier, at and later than the thread's base reading, and long after it (which
        // renews the base).
        let base = Instant::now();
        for at in [
            base,
            base + Duration::from_millis(300),
            base - Duration::from_millis(200),
        ] {
            let before = now();
            let out = timestamp(wall_at(at));
            let expected = i128::try_from(before).unwrap()
                + if at >= base {
                    i128::try_from(at.duration_since(base).as_millis()).unwrap()
                } else {
                    -i128::try_from(base.duration_since(at).as_millis()).unwrap()
                };
            let written = i128::try_from(millis_of(out.as_str())).unwrap();
            assert!(
                (written - expected).abs() <= 5,
                "{}: {written} vs {expected}",
                out.as_str()
            );
        }
        std::thread::sleep(Duration::from_millis(1100));
        let before = now();
        let out = timestamp(wall_at(Instant::now()));
        let written = millis_of(out.as_str());
        assert!(
            written + 5 >= before && written <= now() + 5,
            "{}",
            out.as_str()
        );
    }
}
