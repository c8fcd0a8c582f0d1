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
use super::format::{push_timestamp, write_escaped};
use crate::trace::TraceContext;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// The facts of one served request.
#[derive(Debug)]
pub(crate) struct Access<'a> {
    pub(crate) status: u16,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) duration: Duration,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) slow: bool,
}

/// Set by `setup` when rzero's own JSON subscriber is the global one.
pub(super) struct Direct {
    pub(super) writer: BatchWriter,
    /// `,"service":"..."` or empty.
    pub(super) service: String,
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
    let enabled = match level {
        Level::WARN => tracing::enabled!(target: "rzero::access", Level::WARN),
        Level::ERROR => tracing::enabled!(target: "rzero::access", Level::ERROR),
        _ => tracing::enabled!(target: "rzero::access", Level::INFO),
    };
    if !enabled {
        return;
    }
    match DIRECT.get() {
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
    static LINE: RefCell<String> = RefCell::new(String::with_capacity(512));
}

impl Direct {
    fn write(&self, a: &Access<'_>, level: Level) {
        LINE.with(|line| {
            let Ok(mut line) = line.try_borrow_mut() else {
                return event(a, level);
            };
            line.clear();
            self.format(&mut line, a, level);
            let _ = self.writer.make_writer().write_all(line.as_bytes());
        });
    }

    /// Written with `push_str` and hand-rolled number formatting: `write!` and `Display` for
    /// socket addresses cost several times more than everything else in the line.
    fn format(&self, out: &mut String, a: &Access<'_>, level: Level) {
        let level_name = match level {
            Level::WARN => "warn",
            Level::ERROR => "error",
            _ => "info",
        };
        out.push_str("{\"@timestamp\":\"");
        push_timestamp(out);
        out.push_str("\",\"level\":\"");
        out.push_str(level_name);
        out.push_str("\",\"content\":\"[HTTP] ");
        push_u64(out, u64::from(a.status));
        out.push_str(" - ");
        out.push_str(a.method);
        out.push(' ');
        let _ = write_escaped(out, a.path);
        out.push_str(" - ");
        push_peer(out, a.peer);
        if a.slow {
            out.push_str(" - slow call");
        }
        out.push('"');
        if let Some(trace) = TraceContext::current() {
            out.push_str(",\"trace\":\"");
            trace.trace_id.push_hex(out);
            out.push_str("\",\"span\":\"");
            trace.span_id.push_hex(out);
            out.push('"');
        }
        out.push_str(&self.service);
        out.push_str(",\"caller\":\"");
        out.push_str(CALLER);
        out.push_str("\",\"status\":");
        push_u64(out, u64::from(a.status));
        out.push_str(",\"duration\":\"");
        let micros = u64::try_from(a.duration.as_micros()).unwrap_or(u64::MAX);
        push_u64(out, micros / 1000);
        out.push('.');
        let frac = micros % 1000;
        if frac < 100 {
            out.push('0');
        }
        if frac < 10 {
            out.push('0');
        }
        push_u64(out, frac);
        out.push_str("ms\"}\n");
    }
}

fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

fn push_peer(out: &mut String, peer: Option<SocketAddr>) {
    match peer {
        Some(SocketAddr::V4(v4)) => {
            for (i, octet) in v4.ip().octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_u64(out, u64::from(octet));
            }
            out.push(':');
            push_u64(out, u64::from(v4.port()));
        }
        Some(other) => {
            let _ = write!(out, "{other}");
        }
        None => out.push('-'),
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
        let mut out = String::new();
        for n in [0u64, 7, 10, 99, 12345, u64::MAX] {
            out.clear();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
        let v4: SocketAddr = "127.0.0.1:54321".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        for peer in [Some(v4), Some(v6), None] {
            out.clear();
            push_peer(&mut out, peer);
            assert_eq!(out, Peer(peer).to_string());
        }
    }
}
