use super::CpuUsage;
use crate::collection::RollingWindow;
use crate::timex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(5);
const BUCKETS: usize = 50;
/// Assumed response time before any request has been measured.
const DEFAULT_MIN_RT_MS: f64 = 1000.0;
const FLYING_BETA: f64 = 0.9;
const COOL_OFF: Duration = Duration::from_secs(1);
const CPU_MAX: f64 = 1000.0;
/// Above the threshold the allowed in-flight count shrinks with the CPU, down to this share.
const OVERLOAD_FACTOR_FLOOR: f64 = 0.1;

/// The request was refused because the service is overloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("service overloaded, request shed")]
pub struct Overloaded;

/// The adaptive shedder. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct AdaptiveShedder {
    cpu: Arc<dyn CpuUsage>,
    cpu_threshold: u64,
    buckets_per_second: f64,
    flying: AtomicI64,
    /// The smoothed in-flight count, as `f64` bits.
    avg_flying: AtomicU64,
    /// One entry per passed request: its response time in milliseconds. A bucket's count is
    /// its passes, its sum over its count the average response time.
    passes: RollingWindow,
    dropped_recently: AtomicBool,
    drop_time: AtomicU64,
    /// `max_flight` as `f64` bits and when it was computed: it only changes as buckets roll,
    /// so a hot CPU does not mean folding the window on every request.
    max_flight_cache: AtomicU64,
    max_flight_at: AtomicU64,
    bucket: Duration,
}

impl AdaptiveShedder {
    /// A shedder that acts when `cpu` reads at least `cpu_threshold` per mille (go-zero's
    /// default is 900).
    pub fn new(cpu_threshold: u64, cpu: Arc<dyn CpuUsage>) -> Self {
        let bucket = WINDOW / BUCKETS as u32;
        Self {
            cpu,
            cpu_threshold,
            buckets_per_second: Duration::from_secs(1).as_secs_f64() / bucket.as_secs_f64(),
            flying: AtomicI64::new(0),
            avg_flying: AtomicU64::new(0.0_f64.to_bits()),
            passes: RollingWindow::new(BUCKETS, bucket, true),
            dropped_recently: AtomicBool::new(false),
            drop_time: AtomicU64::new(0),
            max_flight_cache: AtomicU64::new(0),
            max_flight_at: AtomicU64::new(0),
            bucket,
        }
    }

    /// Admits or refuses one request. An admitted request must report through the promise;
    /// a promise dropped without a verdict counts as a failure.
    pub fn allow(self: &Arc<Self>) -> Result<ShedPromise, Overloaded> {
        let now = Instant::now();
        self.enter_at(now)?;
        Ok(ShedPromise {
            shedder: Some(Arc::clone(self)),
            start: now,
        })
    }

    /// [`Self::allow`] at a clock reading the caller already took and without a promise, for
    /// a caller that owns the shedder for the length of the request (the REST chain): it must
    /// call [`Self::leave`] exactly once, also when the request is abandoned. It saves the
    /// promise's handle, two atomic operations.
    pub(crate) fn enter_at(&self, now: Instant) -> Result<(), Overloaded> {
        if self.should_drop() {
            self.drop_time
                .store(timex::nanos_at(now), Ordering::Relaxed);
            self.dropped_recently.store(true, Ordering::Relaxed);
            return Err(Overloaded);
        }
        self.flying.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Requests currently admitted and not finished.
    pub fn in_flight(&self) -> i64 {
        self.flying.load(Ordering::Relaxed)
    }

    fn should_drop(&self) -> bool {
        let cpu = self.cpu.usage();
        (cpu >= self.cpu_threshold || self.still_hot()) && self.high_flying(cpu)
    }

    fn still_hot(&self) -> bool {
        if !self.dropped_recently.load(Ordering::Relaxed) {
            return false;
        }
        let last = self.drop_time.load(Ordering::Relaxed);
        let hot = last != 0 && timex::since(last) < COOL_OFF;
        if !hot {
            self.dropped_recently.store(false, Ordering::Relaxed);
        }
        hot
    }

    fn high_flying(&self, cpu: u64) -> bool {
        let limit = self.cached_max_flight() * self.overload_factor(cpu);
        let avg = f64::from_bits(self.avg_flying.load(Ordering::Relaxed));
        avg > limit && self.flying.load(Ordering::Relaxed) as f64 > limit
    }

    fn cached_max_flight(&self) -> f64 {
        let at = self.max_flight_at.load(Ordering::Relaxed);
        if at != 0 && timex::since(at) < self.bucket {
            return f64::from_bits(self.max_flight_cache.load(Ordering::Relaxed));
        }
        let value = self.max_flight();
        self.max_flight_cache
            .store(value.to_bits(), Ordering::Relaxed);
        self.max_flight_at
            .store(timex::now_nanos(), Ordering::Relaxed);
        value
    }

    /// How many requests the service finishes concurrently at its best: the most passes seen
    /// in one bucket, scaled to a second, times the shortest response time.
    fn max_flight(&self) -> f64 {
        let (max_pass, min_rt) = self.passes.reduce((0.0_f64, None::<f64>), |(max, min), b| {
            let max = max.max(b.count as f64);
            if b.count == 0 {
                return (max, min);
            }
            let avg = (b.sum / b.count as f64).round();
            (max, Some(min.map_or(avg, |m: f64| m.min(avg))))
        });
        let max_pass = max_pass.max(1.0);
        let min_rt = min_rt.unwrap_or(DEFAULT_MIN_RT_MS).max(1.0);
        (max_pass * self.buckets_per_second * min_rt / 1000.0).max(1.0)
    }

    fn overload_factor(&self, cpu: u64) -> f64 {
        let threshold = self.cpu_threshold as f64;
        if threshold >= CPU_MAX {
            return 1.0;
        }
        ((CPU_MAX - cpu as f64) / (CPU_MAX - threshold)).clamp(OVERLOAD_FACTOR_FLOOR, 1.0)
    }

    /// Ends a request admitted by [`Self::enter_at`]: `passed` holds its response time and
    /// end when it was served, `None` when it failed or was abandoned.
    pub(crate) fn leave(&self, passed: Option<(Duration, Instant)>) {
        let flying = self.flying.fetch_sub(1, Ordering::Relaxed) - 1;
        // A lost race between two finishing requests only skips one smoothing step.
        let old = f64::from_bits(self.avg_flying.load(Ordering::Relaxed));
        let new = old * FLYING_BETA + flying as f64 * (1.0 - FLYING_BETA);
        self.avg_flying.store(new.to_bits(), Ordering::Relaxed);
        if let Some((rt, now)) = passed {
            self.passes.add_at((rt.as_secs_f64() * 1000.0).ceil(), now);
        }
    }
}

/// An admitted request; report [`ShedPromise::pass`] or [`ShedPromise::fail`].
#[derive(Debug)]
#[must_use = "report the outcome with pass() or fail()"]
pub struct ShedPromise {
    shedder: Option<Arc<AdaptiveShedder>>,
    start: Instant,
}

impl ShedPromise {
    /// The request was served; its response time feeds the capacity estimate.
    pub fn pass(mut self) {
        if let Some(s) = self.shedder.take() {
            let end = Instant::now();
            s.leave(Some((end.saturating_duration_since(self.start), end)));
        }
    }

    /// The request failed (for HTTP: answered 503); it leaves the capacity estimate alone.
    pub fn fail(mut self) {
        if let Some(s) = self.shedder.take() {
            s.leave(None);
        }
    }
}

impl Drop for ShedPromise {
    fn drop(&mut self) {
        if let Some(s) = self.shedder.take() {
            s.leave(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::FixedCpu;

    fn shedder(cpu: u64) -> (Arc<AdaptiveShedder>, Arc<FixedCpu>) {
        let fixed = Arc::new(FixedCpu::new(cpu));
        (Arc::new(AdaptiveShedder::new(900, fixed.clone())), fixed)
    }

    /// Admits `n` requests and finishes them, so that the average in-flight count rises.
    fn load_up(s: &Arc<AdaptiveShedder>, n: usize) -> Vec<ShedPromise> {
        let held: Vec<_> = (0..n).filter_map(|_| s.allow().ok()).collect();
        held
    }

    #[test]
    fn a_cool_cpu_admits_everything() {
        let (s, _) = shedder(100);
        let held = load_up(&s, 500);
        assert_eq!(held.len(), 500);
        assert_eq!(s.in_flight(), 500);
        held.into_iter().for_each(ShedPromise::pass);
        assert_eq!(s.in_flight(), 0);
    }

    #[test]
    fn a_hot_cpu_with_too_many_in_flight_sheds() {
        let (s, cpu) = shedder(950);
        // Raise the smoothed in-flight count the way a backlog does: many long requests
        // finishing while many more are still running.
        let mut held = load_up(&s, 200);
        assert!(!held.is_empty());
        for _ in 0..60 {
            if let Some(p) = held.pop() {
                p.fail();
            }
        }
        assert_eq!(s.allow().err(), Some(Overloaded));
        // Still hot for a second after a drop, even when the CPU reading falls, so that one
        // cool sample does not let the backlog flood back in.
        cpu.set(100);
        assert_eq!(s.allow().err(), Some(Overloaded));
        drop(held);
    }

    #[test]
    fn few_in_flight_are_admitted_even_when_hot() {
        let (s, _) = shedder(990);
        for _ in 0..100 {
            let p = s.allow().unwrap();
            p.pass();
        }
    }

    #[test]
    fn a_dropped_promise_releases_its_slot() {
        let (s, _) = shedder(0);
        let p = s.allow().unwrap();
        assert_eq!(s.in_flight(), 1);
        drop(p);
        assert_eq!(s.in_flight(), 0);
    }

    #[test]
    fn overload_factor_shrinks_capacity_as_cpu_rises() {
        let (s, _) = shedder(900);
        assert_eq!(s.overload_factor(900), 1.0);
        assert!((s.overload_factor(950) - 0.5).abs() < 1e-9);
        assert_eq!(s.overload_factor(1000), OVERLOAD_FACTOR_FLOOR);
    }
}
