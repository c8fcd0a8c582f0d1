//! Builds each route's stack: the built-in stages (`middleware/chain.rs`) according to
//! `RestConf::middlewares` and the group's options, around the group's user middlewares and
//! the handler. The stack is per route because the breaker, the metric labels, the timeout
//! and the body limit are per route (or per group).

use super::conf::RestConf;
use super::middleware::{
    BreakerStage, ChainLayer, LogStage, MaxBytesStage, MaxConnsStage, MetricsStage, SheddingStage,
    Stages, TraceStage,
};
use super::route::{GroupOptions, RouteStack};
use crate::breaker::Breaker;
use crate::load::AdaptiveShedder;
use crate::metrics::HttpMetrics;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// axum's extractors refuse bodies above this unless told otherwise.
const AXUM_DEFAULT_BODY_LIMIT: u64 = 2 * 1024 * 1024;

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

/// The stack around one route of `group`.
pub(crate) fn stack(key: &RouteKey<'_>, group: &GroupOptions, shared: &Shared) -> RouteStack {
    let conf = &shared.conf;
    let on = conf.middlewares;
    let timeout = group.timeout.unwrap_or(conf.timeout);
    let max_bytes = group.max_bytes.unwrap_or(conf.max_bytes);
    let limit_bytes = on.max_bytes && max_bytes > 0;
    // axum's extractors apply their own limit (2 MiB) to the body they read, which for a gzip
    // request is the inflated body. It only needs changing when max bytes allows more.
    let body_limit = if !limit_bytes {
        Some(DefaultBodyLimit::disable())
    } else if max_bytes > AXUM_DEFAULT_BODY_LIMIT {
        Some(DefaultBodyLimit::max(
            usize::try_from(max_bytes).unwrap_or(usize::MAX),
        ))
    } else {
        None
    };

    let metrics = HttpMetrics::get();
    let stages = Stages {
        trace: on.trace.then_some(TraceStage {
            sampler: conf.telemetry.sampler,
        }),
        log: on
            .log
            .then(|| LogStage::new(conf.log.slow_threshold, key.path)),
        metrics: on.metrics.then(|| MetricsStage::new(key.method, key.path)),
        max_conns: (on.max_conns && conf.max_conns > 0)
            .then(|| MaxConnsStage::new(conf.max_conns, shared.active.clone())),
        breaker: on.breaker.then(|| {
            BreakerStage::new(
                Breaker::new(format!("{}://{}", key.method, key.path)),
                metrics
                    .breaker_rejected
                    .with_label_values(&[key.path, key.method]),
            )
        }),
        shedding: shared
            .shedder
            .as_ref()
            .filter(|_| on.shedding)
            .map(|shedder| {
                SheddingStage::new(
                    shedder.clone(),
                    metrics.shed.with_label_values(&[key.path, key.method]),
                )
            }),
        timeout: (on.timeout && !timeout.is_zero()).then_some(timeout),
        recover: on.recover,
        max_bytes: limit_bytes.then_some(MaxBytesStage { limit: max_bytes }),
        gunzip: on.gunzip,
        jwt: group.jwt.clone(),
    };
    RouteStack {
        chain: Some(ChainLayer::new(stages)),
        middlewares: group.middlewares.clone(),
        body_limit,
    }
}
