//! The operations listener, apart from the service's own port: `/healthz` for probes and
//! `/metrics` for Prometheus (go-zero's dev server on 6060 and Prometheus listener on 9101).

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// The dev server: health and metrics on their own port. Off unless enabled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevServerConf {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub health_path: String,
    pub metrics_path: String,
    pub enable_metrics: bool,
}

impl Default for DevServerConf {
    fn default() -> Self {
        Self {
            enabled: false,
            host: "0.0.0.0".to_owned(),
            port: 6060,
            health_path: "/healthz".to_owned(),
            metrics_path: "/metrics".to_owned(),
            enable_metrics: true,
        }
    }
}

/// A Prometheus-only listener, go-zero style: on when `host` is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrometheusConf {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Default for PrometheusConf {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 9101,
            path: "/metrics".to_owned(),
        }
    }
}

/// Whether the process should receive traffic: true while serving, false once shutdown began,
/// so that load balancers stop routing to an instance that is draining.
#[derive(Debug, Clone)]
pub struct Health(Arc<AtomicBool>);

impl Default for Health {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }
}

impl Health {
    pub fn set_serving(&self, serving: bool) {
        self.0.store(serving, Ordering::Relaxed);
    }

    pub fn is_serving(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What one operations listener serves.
#[derive(Debug, Clone)]
pub(crate) struct OpsRoutes {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) health_path: Option<String>,
    pub(crate) metrics_path: Option<String>,
}

impl OpsRoutes {
    /// The listeners `dev` and `prometheus` ask for; both may share nothing but the registry.
    pub(crate) fn from_conf(dev: &DevServerConf, prometheus: &PrometheusConf) -> Vec<OpsRoutes> {
        let mut all = Vec::new();
        if dev.enabled {
            all.push(OpsRoutes {
                host: dev.host.clone(),
                port: dev.port,
                health_path: Some(dev.health_path.clone()),
                metrics_path: dev.enable_metrics.then(|| dev.metrics_path.clone()),
            });
        }
        if !prometheus.host.is_empty() {
            all.push(OpsRoutes {
                host: prometheus.host.clone(),
                port: prometheus.port,
                health_path: None,
                metrics_path: Some(prometheus.path.clone()),
            });
        }
        all
    }

    /// Binds and serves until `shutdown` turns true; returns the bound address.
    pub(crate) async fn spawn(
        self,
        health: Health,
        mut shutdown: watch::Receiver<bool>,
    ) -> std::io::Result<SocketAddr> {
        let mut router = Router::new();
        if let Some(path) = &self.health_path {
            router = router.route(
                path,
                get(move || {
                    let serving = health.is_serving();
                    async move {
                        if serving {
                            (StatusCode::OK, "OK")
                        } else {
                            (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
                        }
                    }
                }),
            );
        }
        if let Some(path) = &self.metrics_path {
            router = router.route(
                path,
                get(|| async {
                    (
                        [("content-type", "text/plain; version=0.0.4")],
                        crate::metrics::render(),
                    )
                }),
            );
        }
        let listener = tokio::net::TcpListener::bind((self.host.as_str(), self.port)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let stop = async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            };
            if let Err(err) = axum::serve(listener, router)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!(%err, %addr, "operations listener failed");
            }
        });
        Ok(addr)
    }
}
