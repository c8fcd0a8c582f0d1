use super::register;
use prometheus::{IntCounter, IntCounterVec, Opts};
use std::sync::OnceLock;

/// One cache's counters, labelled by its name.
#[derive(Debug, Clone)]
pub(crate) struct CacheMetrics {
    pub(crate) hits: IntCounter,
    pub(crate) misses: IntCounter,
    pub(crate) placeholder_hits: IntCounter,
    /// Entries that no longer decode as the row type (deleted and reloaded).
    pub(crate) corrupt: IntCounter,
    pub(crate) db_queries: IntCounter,
    pub(crate) delete_retries: IntCounter,
    pub(crate) errors: IntCounter,
}

struct Families {
    requests: IntCounterVec,
    db_queries: IntCounterVec,
    delete_retries: IntCounterVec,
    errors: IntCounterVec,
}

fn families() -> &'static Families {
    static FAMILIES: OnceLock<Families> = OnceLock::new();
    FAMILIES.get_or_init(|| {
        let vec = |name: &str, help: &str, labels: &[&str]| {
            // Constant names and labels; construction fails only for invalid ones.
            #[allow(clippy::expect_used)]
            register(
                IntCounterVec::new(
                    Opts::new(name, help).namespace("rzero").subsystem("cache"),
                    labels,
                )
                .expect("valid counter"),
            )
        };
        Families {
            requests: vec(
                "requests_total",
                "Cache lookups by result: hit, miss, placeholder, corrupt (an entry that no longer decodes, reloaded).",
                &["cache", "result"],
            ),
            db_queries: vec(
                "db_queries_total",
                "Database queries made on cache misses.",
                &["cache"],
            ),
            delete_retries: vec(
                "delete_retries_total",
                "Cache deletes retried after a failure.",
                &["cache"],
            ),
            errors: vec(
                "errors_total",
                "Cache reads that failed (store down or slow).",
                &["cache"],
            ),
        }
    })
}

impl CacheMetrics {
    pub(crate) fn new(cache: &str) -> Self {
        let f = families();
        Self {
            hits: f.requests.with_label_values(&[cache, "hit"]),
            misses: f.requests.with_label_values(&[cache, "miss"]),
            placeholder_hits: f.requests.with_label_values(&[cache, "placeholder"]),
            corrupt: f.requests.with_label_values(&[cache, "corrupt"]),
            db_queries: f.db_queries.with_label_values(&[cache]),
            delete_retries: f.delete_retries.with_label_values(&[cache]),
            errors: f.errors.with_label_values(&[cache]),
        }
    }
}
