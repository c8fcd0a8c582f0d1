//! Per-method state: the breaker, the latency histogram and the code counters of one
//! `/package.Service/Method`, looked up once per call by path.

use crate::breaker::Breaker;
use crate::metrics::RpcMetrics;
use parking_lot::RwLock;
use prometheus::{Histogram, IntCounter};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tonic::Code;

/// More distinct paths than a service has methods means someone is sending made-up paths;
/// past this many they share one entry instead of growing the table without bound.
const MAX_METHODS: usize = 4096;
const OTHER: &str = "unknown";

/// One method's instruments.
#[derive(Debug)]
pub(crate) struct Method {
    pub(crate) breaker: Breaker,
    pub(crate) timeout: Option<Duration>,
    duration: Histogram,
    name: Box<str>,
    metrics: &'static RpcMetrics,
    /// One counter per gRPC code (0..=16), created on first use: `with_label_values` hashes
    /// its labels on every call, which a per-call hot path should not pay.
    codes: [OnceLock<IntCounter>; 17],
}

impl Method {
    /// Records a finished call in the metrics.
    pub(crate) fn observe(&self, elapsed: Duration, code: Code) {
        self.duration.observe(elapsed.as_secs_f64() * 1000.0);
        let index = usize::try_from(code as i32).unwrap_or(2).min(16);
        if let Some(slot) = self.codes.get(index) {
            slot.get_or_init(|| {
                self.metrics
                    .codes
                    .with_label_values(&[&*self.name, &index.to_string()])
            })
            .inc();
        }
    }
}

/// The methods of one side (a server, or a client), created on first call.
#[derive(Debug)]
pub(crate) struct Methods {
    metrics: &'static RpcMetrics,
    default_timeout: Option<Duration>,
    timeouts: HashMap<String, Duration>,
    /// Paths of client-, server- and bidi-streaming methods.
    streaming: HashSet<String>,
    by_path: RwLock<HashMap<Box<str>, Arc<Method>>>,
}

impl Methods {
    /// `default_timeout` applies to every unary method not in `timeouts`; `None` or zero
    /// disables. A streaming method gets only its entry in `timeouts`: as in go-zero, whose
    /// timeout interceptors are unary only, the default would cut off an upload or a feed
    /// that rightly takes longer than any one unary call.
    pub(crate) fn new(
        metrics: &'static RpcMetrics,
        default_timeout: Option<Duration>,
        timeouts: HashMap<String, Duration>,
        streaming: HashSet<String>,
    ) -> Self {
        Self {
            metrics,
            default_timeout: default_timeout.filter(|t| !t.is_zero()),
            timeouts,
            streaming,
            by_path: RwLock::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, path: &str) -> Arc<Method> {
        if let Some(method) = self.by_path.read().get(path) {
            return Arc::clone(method);
        }
        let mut all = self.by_path.write();
        let key = if all.len() >= MAX_METHODS {
            OTHER
        } else {
            path
        };
        Arc::clone(all.entry(key.into()).or_insert_with(|| {
            let timeout = match self.timeouts.get(key) {
                Some(t) => Some(*t).filter(|t| !t.is_zero()),
                None if self.streaming.contains(key) => None,
                None => self.default_timeout,
            };
            Arc::new(Method {
                breaker: Breaker::new(key),
                timeout,
                duration: self.metrics.duration.with_label_values(&[key]),
                name: key.into(),
                metrics: self.metrics,
                codes: std::array::from_fn(|_| OnceLock::new()),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_method_timeouts_override_the_default() {
        let methods = Methods::new(
            RpcMetrics::server(),
            Some(Duration::from_secs(2)),
            HashMap::from([
                ("/a.A/Slow".to_owned(), Duration::from_secs(10)),
                ("/a.A/Free".to_owned(), Duration::ZERO),
                ("/a.A/BoundedUpload".to_owned(), Duration::from_secs(30)),
            ]),
            HashSet::from(["/a.A/Upload".to_owned(), "/a.A/BoundedUpload".to_owned()]),
        );
        assert_eq!(
            methods.get("/a.A/Fast").timeout,
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            methods.get("/a.A/Slow").timeout,
            Some(Duration::from_secs(10))
        );
        assert_eq!(methods.get("/a.A/Free").timeout, None);
        // Streams get no default, only their own override.
        assert_eq!(methods.get("/a.A/Upload").timeout, None);
        assert_eq!(
            methods.get("/a.A/BoundedUpload").timeout,
            Some(Duration::from_secs(30))
        );
        assert!(Arc::ptr_eq(
            &methods.get("/a.A/Fast"),
            &methods.get("/a.A/Fast")
        ));
    }
}
