use super::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};
use std::sync::OnceLock;

/// The RPC metrics of one side (server or client), named as go-zero names them
/// (`rpc_server_requests_duration_ms{method}`, `rpc_server_requests_code_total{method,code}`
/// and the `rpc_client_` pair) so dashboards carry over.
#[derive(Debug, Clone)]
pub(crate) struct RpcMetrics {
    pub(crate) duration: HistogramVec,
    pub(crate) codes: IntCounterVec,
}

impl RpcMetrics {
    pub(crate) fn server() -> &'static RpcMetrics {
        static METRICS: OnceLock<RpcMetrics> = OnceLock::new();
        METRICS.get_or_init(|| Self::new("rpc_server", "RPC server"))
    }

    pub(crate) fn client() -> &'static RpcMetrics {
        static METRICS: OnceLock<RpcMetrics> = OnceLock::new();
        METRICS.get_or_init(|| Self::new("rpc_client", "RPC client"))
    }

    fn new(namespace: &str, side: &str) -> Self {
        let opts = |name: &str, help: String| {
            Opts::new(name, help)
                .namespace(namespace)
                .subsystem("requests")
        };
        // Metric definitions are constants; construction fails only on invalid names.
        #[allow(clippy::expect_used)]
        RpcMetrics {
            duration: register(
                HistogramVec::new(
                    HistogramOpts::from(opts(
                        "duration_ms",
                        format!("{side} call latency in milliseconds."),
                    ))
                    .buckets(vec![
                        1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0,
                        5000.0,
                    ]),
                    &["method"],
                )
                .expect("valid histogram"),
            ),
            codes: register(
                IntCounterVec::new(
                    opts("code_total", format!("{side} calls by gRPC status code.")),
                    &["method", "code"],
                )
                .expect("valid counter"),
            ),
        }
    }
}
