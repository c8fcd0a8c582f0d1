use crate::collection::RollingWindow;
use crate::timex;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(10);
const BUCKETS: usize = 40;
const K: f64 = 1.5;
const PROTECTION: f64 = 5.0;
const FORCE_PASS: Duration = Duration::from_secs(1);

/// The call was not made because the breaker is shedding requests to a failing dependency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker `{name}` is open")]
pub struct BreakerOpen {
    /// The breaker's name (a route or an RPC method).
    pub name: String,
}

/// One adaptive-throttling breaker. Cloning shares the state.
#[derive(Debug, Clone)]
pub struct Breaker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    name: String,
    /// 1.0 for each accepted call, 0.0 for each failed one.
    stat: RollingWindow,
    last_pass: AtomicU64,
}

impl Breaker {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                name: name.into(),
                stat: RollingWindow::new(BUCKETS, WINDOW / BUCKETS as u32, false),
                last_pass: AtomicU64::new(0),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Asks to make one call. On `Ok`, report the outcome through the [`Promise`]; a promise
    /// dropped without a verdict (the caller went away) counts as neither.
    pub fn allow(&self) -> Result<Promise, BreakerOpen> {
        self.admit_at(Instant::now())?;
        Ok(Promise {
            breaker: Some(self.clone()),
        })
    }

    /// [`Self::allow`] at a clock reading the caller already took and without a promise,
    /// for a caller that owns the breaker for the length of the call (the REST chain) and
    /// reports through [`Self::mark_at`]: it saves the promise's handle on the breaker, two
    /// atomic operations per request.
    pub(crate) fn admit_at(&self, now: Instant) -> Result<(), BreakerOpen> {
        // A healthy breaker (the common case) needs no random draw.
        if self.drop_ratio_at(now) > 0.0 {
            self.accept_at(rand::random::<f64>(), timex::nanos_at(now))?;
        }
        Ok(())
    }

    /// Runs `call` through the breaker; `acceptable` decides which errors are the caller's own
    /// (a "not found", a validation error) and so must not count against the dependency.
    pub async fn call<T, E, F>(
        &self,
        call: F,
        acceptable: impl FnOnce(&E) -> bool,
    ) -> Result<T, CallError<E>>
    where
        F: Future<Output = Result<T, E>>,
    {
        let promise = self.allow().map_err(CallError::Open)?;
        match call.await {
            Ok(value) => {
                promise.accept();
                Ok(value)
            }
            Err(err) => {
                if acceptable(&err) {
                    promise.accept();
                } else {
                    promise.reject();
                }
                Err(CallError::Failed(err))
            }
        }
    }

    /// The current drop probability, for metrics and tests.
    pub fn drop_ratio(&self) -> f64 {
        self.drop_ratio_at(Instant::now())
    }

    fn drop_ratio_at(&self, now: Instant) -> f64 {
        let totals = self.inner.stat.totals_at(now);
        let (accepts, total) = (totals.sum, totals.count as f64);
        ((total - PROTECTION - K * accepts) / (total + 1.0)).max(0.0)
    }

    /// `dice` is a uniform draw from [0, 1); `now` a [`timex::now_nanos`] reading. `last_pass`
    /// is only kept while the breaker is dropping; a stale value when dropping starts lets one
    /// extra request through, which is harmless.
    fn accept_at(&self, dice: f64, now: u64) -> Result<(), BreakerOpen> {
        let ratio = self.drop_ratio();
        if ratio > 0.0 {
            let last = self.inner.last_pass.load(Ordering::Relaxed);
            let quiet = Duration::from_nanos(now.saturating_sub(last));
            let probe_due = last != 0 && quiet > FORCE_PASS;
            if !probe_due && dice < ratio {
                return Err(BreakerOpen {
                    name: self.inner.name.clone(),
                });
            }
        }
        self.inner.last_pass.store(now, Ordering::Relaxed);
        Ok(())
    }

    #[cfg(test)]
    fn mark(&self, success: bool) {
        self.mark_at(success, Instant::now());
    }

    /// Counts one call's outcome; `success` is false when the dependency failed it.
    pub(crate) fn mark_at(&self, success: bool, now: Instant) {
        self.inner.stat.add_at(if success { 1.0 } else { 0.0 }, now);
    }
}

/// The right to make one call; say how it went with [`Promise::accept`] or [`Promise::reject`].
#[derive(Debug)]
#[must_use = "report the outcome with accept() or reject()"]
pub struct Promise {
    breaker: Option<Breaker>,
}

impl Promise {
    /// The call succeeded, or failed for a reason that is not the dependency's fault.
    pub fn accept(self) {
        self.settle(true);
    }

    /// The call failed because of the dependency.
    pub fn reject(self) {
        self.settle(false);
    }

    fn settle(mut self, success: bool) {
        if let Some(b) = self.breaker.take() {
            b.mark_at(success, Instant::now());
        }
    }
}

/// What [`Breaker::call`] returns on failure.
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    #[error(transparent)]
    Open(BreakerOpen),
    #[error("call failed: {0}")]
    Failed(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_dependency_is_never_throttled() {
        let b = Breaker::new("ok");
        for _ in 0..1000 {
            b.allow().unwrap().accept();
        }
        assert_eq!(b.drop_ratio(), 0.0);
    }

    #[test]
    fn the_first_failures_are_protected() {
        let b = Breaker::new("protected");
        for _ in 0..5 {
            b.allow().unwrap().reject();
        }
        assert_eq!(b.drop_ratio(), 0.0);
        b.allow().unwrap().reject();
        assert!(b.drop_ratio() > 0.0);
    }

    #[test]
    fn the_drop_ratio_follows_the_sre_formula() {
        let b = Breaker::new("formula");
        for _ in 0..10 {
            b.mark(true);
        }
        for _ in 0..90 {
            b.mark(false);
        }
        let expected = (100.0 - 5.0 - 1.5 * 10.0) / 101.0;
        assert!((b.drop_ratio() - expected).abs() < 1e-9);
    }

    #[test]
    fn an_open_breaker_rejects_by_its_ratio() {
        let b = Breaker::new("open");
        for _ in 0..100 {
            b.mark(false);
        }
        // With the ratio near 1, a low dice drops and a dice above the ratio passes.
        let now = timex::now_nanos();
        assert!(b.accept_at(0.0, now).is_err());
        assert!(b.accept_at(0.999_999, now).is_ok());
    }

    #[test]
    fn a_probe_passes_after_a_quiet_second() {
        let b = Breaker::new("probe");
        for _ in 0..100 {
            b.mark(false);
        }
        let start = 1_000;
        b.inner.last_pass.store(start, Ordering::Relaxed);
        assert!(b.accept_at(0.0, start + 500_000_000).is_err());
        let later = start + 2_000_000_000;
        assert!(b.accept_at(0.0, later).is_ok());
        // The probe resets the clock: the next request is judged by the ratio again.
        assert!(b.accept_at(0.0, later + 1).is_err());
    }

    #[tokio::test]
    async fn call_counts_acceptable_errors_as_success() {
        let b = Breaker::new("call");
        for _ in 0..50 {
            let r: Result<(), _> = b.call(async { Err::<(), _>("not found") }, |_| true).await;
            assert!(matches!(r, Err(CallError::Failed("not found"))));
        }
        assert_eq!(b.drop_ratio(), 0.0);
    }
}
