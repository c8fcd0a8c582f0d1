//! go-zero's p2c-EWMA (`zrpc/internal/balancer/p2c`): pick two connections at random and
//! take the less loaded, where load = sqrt(EWMA latency + 1) x (in-flight + 1).
//!
//! - Latency and success rate are EWMAs that decay with `w = exp(-elapsed / 10 s)`, so a
//!   burst of old data fades and a connection that answers again is trusted again.
//! - A connection whose success EWMA fell to half or below is unhealthy: up to three random
//!   pairs are drawn looking for two healthy ones. One improvement on go-zero: when only
//!   one of the final pair is healthy it wins whatever its load, because a connection that
//!   fails fast (a dead host refusing connections) looks *less* loaded than a working one.
//! - A connection not picked for a second is picked anyway, so a slow instance that has
//!   recovered gets the traffic that shows it.

use crate::timex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Latency and success decay over this many nanoseconds (finagle's and go-zero's 10 s).
const DECAY_NANOS: f64 = 10e9;
/// A connection not picked for this long is picked anyway.
const FORCE_PICK_NANOS: u64 = 1_000_000_000;
const INIT_SUCCESS: u64 = 1000;
const THROTTLE_SUCCESS: u64 = INIT_SUCCESS / 2;
const PENALTY: u64 = i32::MAX as u64;
/// Random pairs drawn looking for two healthy connections.
pub(crate) const PICK_TIMES: usize = 3;

/// The load figures of one connection, all atomics: picks and completions run concurrently
/// from every caller without a lock.
#[derive(Debug)]
pub(crate) struct Stats {
    /// EWMA of the latency in nanoseconds.
    lag: AtomicU64,
    in_flight: AtomicI64,
    /// EWMA of successes, 0..=1000.
    success: AtomicU64,
    /// When a call last finished ([`timex::now_nanos`]), 0 before the first.
    last: AtomicU64,
    /// When the connection was last picked.
    pick: AtomicU64,
    /// Calls picked in total, for stats and tests.
    requests: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            lag: AtomicU64::new(0),
            in_flight: AtomicI64::new(0),
            success: AtomicU64::new(INIT_SUCCESS),
            last: AtomicU64::new(0),
            pick: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }
}

impl Stats {
    pub(crate) fn healthy(&self) -> bool {
        self.success.load(Ordering::Relaxed) > THROTTLE_SUCCESS
    }

    pub(crate) fn load(&self) -> u64 {
        // sqrt keeps a latency spike from dominating the in-flight count; +1 avoids
        // multiplying by zero.
        let lag = ((self.lag.load(Ordering::Relaxed) + 1) as f64).sqrt() as u64;
        let in_flight = u64::try_from(self.in_flight.load(Ordering::Relaxed).max(0)).unwrap_or(0);
        match lag.saturating_mul(in_flight + 1) {
            0 => PENALTY,
            load => load,
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A call was sent on this connection at `now`.
    pub(crate) fn start(&self, now: u64) {
        self.pick.store(now, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// A call sent at `started` finished at `now`; `ok` says whether the server handled it
    /// (acceptable codes included).
    pub(crate) fn finish(&self, started: u64, now: u64, ok: bool) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let last = self.last.swap(now, Ordering::Relaxed);
        let idle = now.saturating_sub(last) as f64;
        let old_lag = self.lag.load(Ordering::Relaxed);
        // The first measurement replaces the initial zero outright.
        let w = if old_lag == 0 {
            0.0
        } else {
            (-idle / DECAY_NANOS).exp()
        };
        let lag = now.saturating_sub(started) as f64;
        self.lag.store(
            (old_lag as f64 * w + lag * (1.0 - w)) as u64,
            Ordering::Relaxed,
        );
        let success = if ok { INIT_SUCCESS as f64 } else { 0.0 };
        let old_success = self.success.load(Ordering::Relaxed) as f64;
        self.success.store(
            (old_success * w + success * (1.0 - w)) as u64,
            Ordering::Relaxed,
        );
    }
}

/// Of two candidates, the one to send the next call to at `now`: `true` for `a`.
pub(crate) fn choose_first(a: &Stats, b: &Stats, now: u64) -> bool {
    match (a.healthy(), b.healthy()) {
        (true, false) => return true,
        (false, true) => return false,
        _ => {}
    }
    let (more, less_is_a) = if a.load() <= b.load() {
        (b, true)
    } else {
        (a, false)
    };
    // The busier one is taken when nobody has tried it for a second; the compare-exchange
    // lets only one caller at a time make that probe.
    let picked = more.pick.load(Ordering::Relaxed);
    if now.saturating_sub(picked) > FORCE_PICK_NANOS
        && more
            .pick
            .compare_exchange(picked, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        return !less_is_a;
    }
    less_is_a
}

/// Draws the pair of indexes among `n >= 3` connections: two different ones, retrying up to
/// [`PICK_TIMES`] while either is unhealthy.
pub(crate) fn draw_pair(n: usize, healthy: impl Fn(usize) -> bool) -> (usize, usize) {
    let mut pair = (0, 1);
    for _ in 0..PICK_TIMES {
        let a = rand::random_range(0..n);
        let mut b = rand::random_range(0..n - 1);
        if b >= a {
            b += 1;
        }
        pair = (a, b);
        if healthy(a) && healthy(b) {
            break;
        }
    }
    pair
}

/// Now, for callers that record starts and finishes.
pub(crate) fn now() -> u64 {
    timex::now_nanos()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn with_calls(lag_ms: u64, calls: u64, ok: bool) -> Stats {
        let stats = Stats::default();
        let mut at = 10 * MS;
        for _ in 0..calls {
            stats.start(at);
            stats.finish(at, at + lag_ms * MS, ok);
            at += lag_ms * MS + MS;
        }
        stats
    }

    #[test]
    fn load_follows_latency_and_in_flight_calls() {
        let fast = with_calls(1, 20, true);
        let slow = with_calls(50, 20, true);
        assert!(fast.load() < slow.load());
        let before = fast.load();
        fast.start(now());
        fast.start(now());
        assert!(fast.load() >= before * 3 - 3, "{} vs {before}", fast.load());
        assert_eq!(
            Stats::default().load(),
            1,
            "an unused connection is the least loaded"
        );
    }

    #[test]
    fn the_less_loaded_connection_wins_until_the_other_is_due_a_probe() {
        let fast = with_calls(1, 20, true);
        let slow = with_calls(50, 20, true);
        let t = 5_000 * MS;
        slow.pick.store(t, Ordering::Relaxed);
        assert!(choose_first(&fast, &slow, t + 10 * MS));
        assert!(!choose_first(&slow, &fast, t + 10 * MS));
        // A second later the slow one gets one call, once.
        assert!(!choose_first(&fast, &slow, t + 1_100 * MS));
        assert!(choose_first(&fast, &slow, t + 1_101 * MS));
    }

    #[test]
    fn failures_make_a_connection_unhealthy_and_it_loses_to_a_healthy_one() {
        let failing = with_calls(1, 50, false);
        assert!(!failing.healthy());
        let working = with_calls(100, 20, true);
        assert!(working.healthy());
        assert!(failing.load() < working.load(), "failing fast looks cheap");
        assert!(!choose_first(&failing, &working, 0));
        assert!(choose_first(&working, &failing, 0));
    }

    #[test]
    fn old_figures_decay() {
        let stats = with_calls(100, 10, true);
        let high = stats.lag.load(Ordering::Relaxed);
        // One fast call 30 s later weighs e^-3 against the old average: mostly new.
        let later = 30_000 * MS;
        stats.start(later);
        stats.finish(later, later + MS, true);
        assert!(stats.lag.load(Ordering::Relaxed) < high / 10);
    }

    #[test]
    fn pairs_are_two_different_connections() {
        for _ in 0..1000 {
            let (a, b) = draw_pair(3, |_| true);
            assert_ne!(a, b);
            assert!(a < 3 && b < 3);
        }
        // With one unhealthy connection of three, one draw is healthy with p = 1/3, so three
        // draws find a healthy pair with p = 1 - (2/3)^3 = 0.70, against 0.33 with one.
        let healthy_pairs = (0..1000)
            .filter(|_| {
                let (a, b) = draw_pair(3, |i| i != 0);
                a != 0 && b != 0
            })
            .count();
        assert!((600..=800).contains(&healthy_pairs), "{healthy_pairs}");
    }
}
