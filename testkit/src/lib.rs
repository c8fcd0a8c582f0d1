//! Test support shared by the workspace's test suites: real servers started per test on free
//! loopback ports with their own temporary data, so parallel tests never share state and a
//! test needs nothing running beforehand except the server's binary being installed.
//!
//! Panics are this crate's error reporting: it only runs inside tests, where a server that
//! cannot start must fail the test with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod etcd;

pub use etcd::Etcd;

use std::collections::BTreeSet;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Where [`free_port`] looks when the kernel's ephemeral range cannot be read.
const EPHEMERAL_DEFAULT: (u16, u16) = (32768, 60999);
/// The lowest port [`free_port`] hands out: below it sit well-known services.
const LOWEST: u16 = 10_000;

/// A loopback port nothing listens on right now, for a server the test starts at once.
///
/// The port is released before it is returned, so something else could take it in between.
/// A port the kernel picks for `bind(0)` is in its ephemeral range, the same range every
/// outgoing connection takes its source port from: with many connections open (as in the
/// cluster tests), one of them could take the port before the server binds it, and the
/// server then fails with "address already in use" (seen in CI with etcd). So the port is
/// drawn at random from below the ephemeral range, which outgoing connections never use, and
/// never handed out twice in one process, so two tests of one binary cannot draw the same.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let (ephemeral_low, _) = ephemeral_range();
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
    if ephemeral_low > LOWEST {
        let span = u64::from(ephemeral_low - LOWEST);
        let random = RandomState::new();
        for attempt in 0u64..1000 {
            let offset = random.hash_one(attempt) % span;
            let port = LOWEST + u16::try_from(offset).unwrap_or(0);
            if !handed_out.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
                handed_out.insert(port);
                return port;
            }
        }
    }
    // No room below the ephemeral range (or all of it busy): let the kernel choose.
    let port = TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port");
    handed_out.insert(port);
    port
}

/// The kernel's range for outgoing connections' source ports, read once per process.
fn ephemeral_range() -> (u16, u16) {
    static RANGE: OnceLock<(u16, u16)> = OnceLock::new();
    *RANGE.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|text| {
                let mut ports = text.split_whitespace().map(str::parse::<u16>);
                match (ports.next(), ports.next()) {
                    (Some(Ok(low)), Some(Ok(high))) => Some((low, high)),
                    _ => None,
                }
            })
            .unwrap_or(EPHEMERAL_DEFAULT)
    })
}

/// Taken by this crate's tests that start a process or bind ports they were handed. A child
/// holds a copy of every socket its parent has open from fork to exec, so a port checked by
/// `free_port` while another test starts etcd stays bound for a moment after the check.
#[cfg(test)]
static PROCESSES_AND_PORTS: Mutex<()> = Mutex::new(());

#[cfg(test)]
pub(crate) fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    PROCESSES_AND_PORTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_bindable_distinct_and_outside_the_ephemeral_range() {
        let _exclusive = exclusive();
        let (low, high) = ephemeral_range();
        let ports: Vec<u16> = (0..200).map(|_| free_port()).collect();
        let distinct: BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "a port was handed out twice");
        for port in ports {
            assert!(
                !(low..=high).contains(&port) || low <= LOWEST,
                "{port} is ephemeral"
            );
            TcpListener::bind(("127.0.0.1", port)).expect("a handed-out port is free");
        }
    }
}
