//! A process-local monotonic clock in nanoseconds, so that "when did this last happen" can
//! live in an atomic instead of behind a lock.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since the first call in this process; never 0, so 0 can mean "never".
pub(crate) fn now_nanos() -> u64 {
    nanos_at(Instant::now())
}

/// [`now_nanos`] for a reading already taken, so that a request's stages share one clock read.
pub(crate) fn nanos_at(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The time since `nanos` (a value of [`now_nanos`]).
pub(crate) fn since(nanos: u64) -> Duration {
    Duration::from_nanos(now_nanos().saturating_sub(nanos))
}
