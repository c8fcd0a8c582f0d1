//! A time-bucketed window of recent observations: the breaker counts accepted calls over the
//! last 10 s in 40 buckets, the shedder passes and response times over 5 s in 50.

use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// The observations of one time slot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bucket {
    /// The sum of the values added.
    pub sum: f64,
    /// How many values were added.
    pub count: u64,
}

/// A ring of `size` buckets, each covering `interval`. Buckets older than the window are
/// cleared lazily when the window is next touched, so an idle window costs nothing.
#[derive(Debug)]
pub struct RollingWindow {
    interval: Duration,
    ignore_current: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    buckets: Vec<Bucket>,
    /// The sum of all buckets, kept up to date so that hot paths need not fold the window.
    total: Bucket,
    offset: usize,
    /// Start of the bucket at `offset`, aligned to `interval` boundaries since creation.
    last: Instant,
    /// `last + interval`: before it, nothing needs to move. Comparing instants is a few
    /// instructions where the elapsed time since `last` costs a checked subtraction of
    /// seconds and nanoseconds, on every add and read of a hot window.
    next: Instant,
}

impl RollingWindow {
    /// `size` buckets of `interval` each. With `ignore_current`, reductions skip the bucket
    /// being filled, whose partial data would skew maxima and minima.
    pub fn new(size: usize, interval: Duration, ignore_current: bool) -> Self {
        Self::starting_at(size, interval, ignore_current, Instant::now())
    }

    fn starting_at(size: usize, interval: Duration, ignore_current: bool, now: Instant) -> Self {
        let size = size.max(1);
        let interval = interval.max(Duration::from_nanos(1));
        Self {
            interval,
            ignore_current,
            state: Mutex::new(State {
                buckets: vec![Bucket::default(); size],
                total: Bucket::default(),
                offset: 0,
                last: now,
                next: now.checked_add(interval).unwrap_or(now),
            }),
        }
    }

    /// Adds `value` to the current bucket.
    pub fn add(&self, value: f64) {
        self.add_at(value, Instant::now());
    }

    pub(crate) fn add_at(&self, value: f64, now: Instant) {
        let mut state = self.state.lock();
        self.advance(&mut state, now);
        let offset = state.offset;
        let bucket = &mut state.buckets[offset];
        bucket.sum += value;
        bucket.count += 1;
        state.total.sum += value;
        state.total.count += 1;
    }

    /// The sum and count over the whole window in O(1) (the current bucket included, whatever
    /// `ignore_current` says).
    pub fn totals(&self) -> Bucket {
        self.totals_at(Instant::now())
    }

    pub(crate) fn totals_at(&self, now: Instant) -> Bucket {
        let mut state = self.state.lock();
        self.advance(&mut state, now);
        state.total
    }

    /// Folds every bucket still inside the window, oldest first.
    pub fn reduce<A>(&self, init: A, f: impl FnMut(A, &Bucket) -> A) -> A {
        self.reduce_at(init, f, Instant::now())
    }

    pub(crate) fn reduce_at<A>(
        &self,
        init: A,
        mut f: impl FnMut(A, &Bucket) -> A,
        now: Instant,
    ) -> A {
        let mut state = self.state.lock();
        self.advance(&mut state, now);
        let size = state.buckets.len();
        let skip = usize::from(self.ignore_current);
        // After `advance`, the current bucket is at `offset`; the oldest follows it.
        (1..=size - skip)
            .map(|step| (state.offset + step) % size)
            .fold(init, |acc, i| f(acc, &state.buckets[i]))
    }

    fn advance(&self, state: &mut State, now: Instant) {
        // The common case on a hot path: still inside the current bucket.
        if now < state.next {
            return;
        }
        let elapsed = now.saturating_duration_since(state.last);
        if elapsed < self.interval {
            return;
        }
        let span = (elapsed.as_nanos() / self.interval.as_nanos()) as usize;
        let size = state.buckets.len();
        if span >= size {
            state.buckets.fill(Bucket::default());
            state.total = Bucket::default();
        } else {
            for step in 1..=span {
                let i = (state.offset + step) % size;
                let expired = std::mem::take(&mut state.buckets[i]);
                state.total.sum -= expired.sum;
                state.total.count -= expired.count;
            }
            // Float sums drift after many subtractions; an empty window is exactly zero.
            if state.total.count == 0 {
                state.total.sum = 0.0;
            }
        }
        state.offset = (state.offset + span) % size;
        let rem = elapsed.as_nanos() % self.interval.as_nanos();
        state.last = now - Duration::from_nanos(rem as u64);
        // Past the end of time, every call takes the slow path, which stays correct.
        state.next = state.last.checked_add(self.interval).unwrap_or(state.last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn sums(w: &RollingWindow, now: Instant) -> Vec<f64> {
        w.reduce_at(
            Vec::new(),
            |mut v, b| {
                v.push(b.sum);
                v
            },
            now,
        )
    }

    #[test]
    fn values_land_in_time_buckets_and_expire() {
        let t0 = Instant::now();
        let w = RollingWindow::starting_at(3, 100 * MS, false, t0);
        w.add_at(1.0, t0);
        w.add_at(2.0, t0 + 50 * MS);
        assert_eq!(sums(&w, t0 + 60 * MS), vec![0.0, 0.0, 3.0]);
        w.add_at(5.0, t0 + 150 * MS);
        assert_eq!(sums(&w, t0 + 160 * MS), vec![0.0, 3.0, 5.0]);
        w.add_at(7.0, t0 + 250 * MS);
        assert_eq!(sums(&w, t0 + 260 * MS), vec![3.0, 5.0, 7.0]);
        // The first bucket falls out of the window.
        assert_eq!(sums(&w, t0 + 310 * MS), vec![5.0, 7.0, 0.0]);
        // A long idle period clears everything.
        assert_eq!(sums(&w, t0 + 10_000 * MS), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn ignore_current_skips_the_partial_bucket() {
        let t0 = Instant::now();
        let w = RollingWindow::starting_at(3, 100 * MS, true, t0);
        w.add_at(1.0, t0);
        w.add_at(2.0, t0 + 120 * MS);
        assert_eq!(sums(&w, t0 + 130 * MS), vec![0.0, 1.0]);
    }

    #[test]
    fn counts_follow_adds() {
        let t0 = Instant::now();
        let w = RollingWindow::starting_at(4, 10 * MS, false, t0);
        for i in 0..10u32 {
            w.add_at(f64::from(i), t0 + 3 * i * MS);
        }
        let (sum, count) =
            w.reduce_at((0.0, 0), |(s, c), b| (s + b.sum, c + b.count), t0 + 29 * MS);
        assert_eq!(count, 10);
        assert_eq!(sum, 45.0);
    }
}
