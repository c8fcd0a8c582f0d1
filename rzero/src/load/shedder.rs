use super::CpuUsage;
use crate::collection::RollingWindow;
use crate::timex;
use parking_lot::Mutex;
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
    avg_flying: Mutex<f64>,
    passes: RollingWindow,
    /// Response times in milliseconds of passed requests.
    response_times: RollingWindow,
    dropped_recently: AtomicBool,
    drop_time: AtomicU64,
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
            avg_flying: Mutex::new(0.0),
            passes: RollingWindow::new(BUCKETS, bucket, true),
            response_times: RollingWindow::new(BUCKETS, bucket, true),
            dropped_recently: AtomicBool::new(false),
            drop_time: AtomicU64::new(0),
        }
    }

    /// Admits or refuses one request. An admitted request must report through the promise;
    /// a promise dropped without a verdict counts as a failure.
    pub fn allow(self: &Arc<Self>) -> Result<ShedPromise, Overloaded> {
        if self.should_drop() {
            self.drop_time.store(timex::now_nanos(), Ordering::Relaxed);
            self.dropped_recently.store(true, Ordering::Relaxed);
            return Err(Overloaded);
        }
        self.flying.fetch_add(1, Ordering::Relaxed);
        Ok(ShedPromise {
            shedder: Some(Arc::clone(self)),
            start: Instant::now(),
        })
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
        let limit = self.max_flight() * self.overload_factor(cpu);
        let avg = *self.avg_flying.lock();
        avg > limit && self.flying.load(Ordering::Relaxed) as f64 > limit
    }

    /// How many requests the service finishes concurrently at its best: the most passes seen
    /// in one bucket, scaled to a second, times the shortest response time.
    fn max_flight(&self) -> f64 {
        let max_pass = self
            .passes
            .reduce(0.0_f64, |max, b| max.max(b.sum))
            .max(1.0);
        let min_rt = self
            .response_times
            .reduce(None::<f64>, |min, b| {
                if b.count == 0 {
                    return min;
                }
                let avg = (b.sum / b.count as f64).round();
                Some(min.map_or(avg, |m: f64| m.min(avg)))
            })
            .unwrap_or(DEFAULT_MIN_RT_MS)
            .max(1.0);
        (max_pass * self.buckets_per_second * min_rt / 1000.0).max(1.0)
    }

    fn overload_factor(&self, cpu: u64) -> f64 {
        let threshold = self.cpu_threshold as f64;
        if threshold >= CPU_MAX {
            return 1.0;
        }
        ((CPU_MAX - cpu as f64) / (CPU_MAX - threshold)).clamp(OVERLOAD_FACTOR_FLOOR, 1.0)
    }

    fn finish(&self, passed: Option<Duration>) {
        let flying = self.flying.fetch_sub(1, Ordering::Relaxed) - 1;
        {
            let mut avg = self.avg_flying.lock();
            *avg = *avg * FLYING_BETA + flying as f64 * (1.0 - FLYING_BETA);
        }
        if let Some(rt) = passed {
            self.response_times.add((rt.as_secs_f64() * 1000.0).ceil());
            self.passes.add(1.0);
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
            s.finish(Some(self.start.elapsed()));
        }
    }

    /// The request failed (for HTTP: answered 503); it leaves the capacity estimate alone.
    pub fn fail(mut self) {
        if let Some(s) = self.shedder.take() {
            s.finish(None);
        }
    }
}

impl Drop for ShedPromise {
    fn drop(&mut self) {
        if let Some(s) = self.shedder.take() {
            s.finish(None);
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
        let (s, _) = shedder(950);
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
        // Still hot for a second after a drop, even when the CPU reading falls.
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
