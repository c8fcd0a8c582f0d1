//! Wraps each route in the built-in middlewares, outermost first: trace, log, metrics, max
//! conns, breaker, shedding, timeout, recover, max bytes, gunzip; then the group's JWT and
//! user middlewares. The chain is built per route because the breaker, the metric labels,
//! the timeout and the body limit are per route (or per group).

use super::conf::RestConf;
use super::jwt::JwtLayer;
use super::middleware::{
    BreakerLayer, GunzipLayer, LogLayer, MaxBytesLayer, MaxConnsLayer, MetricsLayer, RecoverLayer,
    SheddingLayer, TimeoutLayer, TraceLayer,
};
use super::route::GroupOptions;
use crate::breaker::Breaker;
use crate::load::AdaptiveShedder;
use crate::metrics::HttpMetrics;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use tower::ServiceBuilder;

/// What all routes of one server share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) conf: RestConf,
    pub(crate) active: Arc<AtomicUsize>,
    pub(crate) shedder: Option<Arc<AdaptiveShedder>>,
}

/// The route's identity in breakers, metrics and logs.
pub(crate) struct RouteKey<'a> {
    pub(crate) method: &'a str,
    /// The route template, e.g. `/v1/user/{id}`.
    pub(crate) path: &'a str,
}

pub(crate) fn wrap(
    handler: MethodRouter,
    key: &RouteKey<'_>,
    group: &GroupOptions,
    shared: &Shared,
) -> MethodRouter {
    let conf = &shared.conf;
    let switches = conf.middlewares;

    // Innermost first: the user's middlewares (the first listed ends up outermost), then JWT.
    let mut handler = handler;
    for middleware in group.middlewares.iter().rev() {
        handler = handler.layer(middleware.clone());
    }
    if let Some(auth) = &group.jwt {
        handler = handler.layer(JwtLayer { auth: auth.clone() });
    }

    let timeout = group.timeout.unwrap_or(conf.timeout);
    let max_bytes = group.max_bytes.unwrap_or(conf.max_bytes);
    let breaker_name = format!("{}://{}", key.method, key.path);
    let metrics = HttpMetrics::get();

    let chain = ServiceBuilder::new()
        .option_layer(switches.trace.then_some(TraceLayer {
            sampler: conf.telemetry.sampler,
        }))
        .option_layer(switches.log.then_some(LogLayer {
            slow_threshold: conf.log.slow_threshold,
        }))
        .option_layer(
            switches
                .metrics
                .then(|| MetricsLayer::new(key.method, key.path)),
        )
        .option_layer(
            (switches.max_conns && conf.max_conns > 0)
                .then(|| MaxConnsLayer::new(conf.max_conns, shared.active.clone())),
        )
        .option_layer(switches.breaker.then(|| {
            BreakerLayer::new(
                Breaker::new(breaker_name),
                metrics.breaker_rejected.with_label_values(&[key.path]),
            )
        }))
        .option_layer(
            shared
                .shedder
                .as_ref()
                .filter(|_| switches.shedding)
                .map(|shedder| {
                    SheddingLayer::new(shedder.clone(), metrics.shed.with_label_values(&[key.path]))
                }),
        )
        .option_layer((switches.timeout && !timeout.is_zero()).then_some(TimeoutLayer { timeout }))
        .option_layer(switches.recover.then_some(RecoverLayer))
        .option_layer(
            (switches.max_bytes && max_bytes > 0).then_some(MaxBytesLayer { limit: max_bytes }),
        )
        .layer(if switches.max_bytes && max_bytes > 0 {
            DefaultBodyLimit::max(usize::try_from(max_bytes).unwrap_or(usize::MAX))
        } else {
            DefaultBodyLimit::disable()
        })
        .option_layer(switches.gunzip.then_some(GunzipLayer));
    handler.layer(chain)
}
