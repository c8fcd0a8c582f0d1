use super::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts};
use std::sync::OnceLock;

/// The REST server's metrics, named as go-zero names them so dashboards carry over.
#[derive(Debug, Clone)]
pub(crate) struct HttpMetrics {
    /// `http_server_requests_duration_ms{path,method}`
    pub(crate) duration: HistogramVec,
    /// `http_server_requests_code_total{path,method,code}`
    pub(crate) codes: IntCounterVec,
    /// `http_server_requests_in_flight`
    pub(crate) in_flight: IntGauge,
    /// `http_server_requests_shed_total{path,method}`
    pub(crate) shed: IntCounterVec,
    /// `http_server_requests_breaker_rejected_total{path,method}`
    pub(crate) breaker_rejected: IntCounterVec,
    /// `http_server_requests_max_conns_rejected_total`
    pub(crate) max_conns_rejected: IntCounter,
}

impl HttpMetrics {
    pub(crate) fn get() -> &'static HttpMetrics {
        static METRICS: OnceLock<HttpMetrics> = OnceLock::new();
        METRICS.get_or_init(|| {
            let opts = |name: &str, help: &str| {
                Opts::new(name, help)
                    .namespace("http_server")
                    .subsystem("requests")
            };
            // Metric definitions are constants; construction fails only on invalid names.
            #[allow(clippy::expect_used)]
            HttpMetrics {
                duration: register(
                    HistogramVec::new(
                        HistogramOpts::from(opts(
                            "duration_ms",
                            "HTTP request latency in milliseconds.",
                        ))
                        .buckets(vec![
                            5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 750.0, 1000.0,
                        ]),
                        &["path", "method"],
                    )
                    .expect("valid histogram"),
                ),
                codes: register(
                    IntCounterVec::new(
                        opts("code_total", "HTTP requests by response status."),
                        &["path", "method", "code"],
                    )
                    .expect("valid counter"),
                ),
                in_flight: register(
                    IntGauge::with_opts(opts("in_flight", "HTTP requests being served."))
                        .expect("valid gauge"),
                ),
                shed: register(
                    IntCounterVec::new(
                        opts("shed_total", "HTTP requests refused by the load shedder."),
                        &["path", "method"],
                    )
                    .expect("valid counter"),
                ),
                breaker_rejected: register(
                    IntCounterVec::new(
                        opts(
                            "breaker_rejected_total",
                            "HTTP requests refused by an open circuit breaker.",
                        ),
                        &["path", "method"],
                    )
                    .expect("valid counter"),
                ),
                max_conns_rejected: register(
                    IntCounter::with_opts(opts(
                        "max_conns_rejected_total",
                        "HTTP requests refused because max_conns were in flight.",
                    ))
                    .expect("valid counter"),
                ),
            }
        })
    }
}
