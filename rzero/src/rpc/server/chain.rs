//! The server interceptors as one tower layer, in go-zero's order, outermost first:
//! trace -> recover -> metrics -> breaker -> shedding -> timeout -> auth -> the method.
//!
//! As on the REST side (`rest/middleware/chain.rs`), the stages run in one service with one
//! future instead of one layer each: the admission checks run in `call`; a refusal becomes a
//! trailers-only status response that still passes out through the stages that admitted the
//! call, so refused calls are counted and traced like any other.

use super::auth::Auth;
use crate::load::AdaptiveShedder;
use crate::rpc::method::Methods;
use crate::rpc::status::{acceptable, code_of, response};
use crate::trace::TraceContext;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tonic::body::Body;
use tonic::{Code, Status};
use tower::{Layer, Service};

/// A call slower than this is logged as slow (go-zero's default threshold).
const SLOW: Duration = Duration::from_millis(500);

/// What the stages share across calls.
#[derive(Debug)]
pub(crate) struct Stages {
    pub(crate) trace: Option<f64>,
    pub(crate) recover: bool,
    pub(crate) metrics: bool,
    pub(crate) breaker: bool,
    pub(crate) shedder: Option<Arc<AdaptiveShedder>>,
    pub(crate) auth: Option<Auth>,
    pub(crate) methods: Methods,
}

#[derive(Debug, Clone)]
pub(crate) struct ChainLayer(pub(crate) Arc<Stages>);

impl<S> Layer<S> for ChainLayer {
    type Service = Chain<S>;

    fn layer(&self, inner: S) -> Chain<S> {
        Chain {
            inner,
            stages: Arc::clone(&self.0),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Chain<S> {
    inner: S,
    stages: Arc<Stages>,
}

impl<S> Service<http::Request<Body>> for Chain<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<http::Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // The service that was polled ready serves this call; a clone waits for the next.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let stages = &*self.stages;
        // Health checks and reflection are the platform's, not the service's: a probe must
        // not be shed, broken or counted as the service's traffic.
        if request.uri().path().starts_with("/grpc.") {
            return Box::pin(inner.call(request));
        }

        let start = Instant::now();
        let trace = stages.trace.map(|sampler| {
            let parent = request
                .headers()
                .get("traceparent")
                .and_then(|v| v.to_str().ok());
            TraceContext::continue_or_root(parent, sampler)
        });
        let method = stages.methods.get(request.uri().path());

        // Admission, in chain order; the first refusal answers.
        let mut refusal = None;
        let breaker = if stages.breaker {
            match method.breaker.allow() {
                Ok(promise) => Some(promise),
                Err(open) => {
                    refusal = Some(Status::unavailable(open.to_string()));
                    None
                }
            }
        } else {
            None
        };
        let shed = match (&stages.shedder, &refusal) {
            (Some(shedder), None) => match shedder.allow() {
                Ok(promise) => Some(promise),
                Err(overloaded) => {
                    refusal = Some(Status::resource_exhausted(overloaded.to_string()));
                    None
                }
            },
            _ => None,
        };
        if refusal.is_none()
            && let Some(auth) = &stages.auth
            && let Err(status) = auth.check(request.headers())
        {
            refusal = Some(status);
        }

        let recover = stages.recover;
        let metrics = stages.metrics;
        let work = async move {
            let answer = match refusal {
                Some(status) => response(status),
                None => {
                    let call = inner.call(request);
                    let call = async move {
                        if recover {
                            match AssertUnwindSafe(call).catch_unwind().await {
                                Ok(result) => result,
                                Err(panic) => Ok(response(panicked(&*panic))),
                            }
                        } else {
                            call.await
                        }
                    };
                    match method.timeout {
                        Some(limit) => match tokio::time::timeout(limit, call).await {
                            Ok(result) => result?,
                            Err(_) => response(Status::deadline_exceeded(format!(
                                "the call did not finish within {} ms",
                                limit.as_millis()
                            ))),
                        },
                        None => call.await?,
                    }
                }
            };
            let code = code_of(&answer);
            if let Some(promise) = breaker {
                if acceptable(code) {
                    promise.accept();
                } else {
                    promise.reject();
                }
            }
            if let Some(promise) = shed {
                // go-zero's rule: only a timeout says the server could not keep up.
                if code == Code::DeadlineExceeded {
                    promise.fail();
                } else {
                    promise.pass();
                }
            }
            let elapsed = start.elapsed();
            if metrics {
                method.observe(elapsed, code);
            }
            if elapsed > SLOW {
                tracing::warn!(duration_ms = elapsed.as_millis() as u64, code = ?code, "slow call");
            }
            Ok(answer)
        };
        match trace {
            Some(ctx) => Box::pin(ctx.scope(work)),
            None => Box::pin(work),
        }
    }
}

/// The status a panicking method answers with; the panic is logged, not sent to the caller.
fn panicked(payload: &(dyn std::any::Any + Send)) -> Status {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload");
    tracing::error!(panic = message, "a method panicked; answered INTERNAL");
    Status::internal("internal error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::convert::Infallible;
    use tower::ServiceExt;

    fn stages(timeouts: &[(&str, u64)]) -> Arc<Stages> {
        Arc::new(Stages {
            trace: Some(1.0),
            recover: true,
            metrics: true,
            breaker: true,
            shedder: None,
            auth: None,
            methods: Methods::new(
                crate::metrics::RpcMetrics::server(),
                Some(Duration::from_secs(2)),
                timeouts
                    .iter()
                    .map(|(m, ms)| ((*m).to_owned(), Duration::from_millis(*ms)))
                    .collect::<HashMap<_, _>>(),
                std::collections::HashSet::new(),
            ),
        })
    }

    fn call(path: &str) -> http::Request<Body> {
        http::Request::builder()
            .uri(format!("http://localhost{path}"))
            .header(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )
            .body(Body::empty())
            .unwrap()
    }

    async fn answer(
        stages: &Arc<Stages>,
        path: &str,
        method: impl Fn() -> BoxFuture<'static, http::Response<Body>> + Clone + Send + 'static,
    ) -> http::Response<Body> {
        let inner = tower::service_fn(move |_: http::Request<Body>| {
            let method = method.clone();
            async move { Ok::<_, Infallible>(method().await) }
        });
        ChainLayer(Arc::clone(stages))
            .layer(inner)
            .oneshot(call(path))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_panicking_method_answers_internal() {
        let stages = stages(&[]);
        let response = answer(&stages, "/t.T/Panics", || {
            Box::pin(async { panic!("boom") })
        })
        .await;
        assert_eq!(code_of(&response), Code::Internal);
    }

    #[tokio::test]
    async fn a_method_timeout_overrides_the_servers() {
        let stages = stages(&[("/t.T/Quick", 20)]);
        let slow = || -> BoxFuture<'static, http::Response<Body>> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                http::Response::new(Body::empty())
            })
        };
        let response = answer(&stages, "/t.T/Quick", slow).await;
        assert_eq!(code_of(&response), Code::DeadlineExceeded);
        let response = answer(&stages, "/t.T/Patient", slow).await;
        assert_eq!(code_of(&response), Code::Ok);
    }

    #[tokio::test]
    async fn the_method_runs_in_the_callers_trace() {
        let stages = stages(&[]);
        let response = answer(&stages, "/t.T/Traced", || {
            Box::pin(async {
                let trace = TraceContext::current().map(|c| c.trace_id.to_string());
                let mut response = http::Response::new(Body::empty());
                if let Some(id) = trace.and_then(|t| http::HeaderValue::from_str(&t).ok()) {
                    response.headers_mut().insert("x-trace", id);
                }
                response
            })
        })
        .await;
        assert_eq!(
            response.headers().get("x-trace").unwrap(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }

    #[tokio::test]
    async fn the_breaker_opens_on_failures_and_other_methods_stay_open() {
        let stages = stages(&[]);
        let failing = || -> BoxFuture<'static, http::Response<Body>> {
            Box::pin(async { response(Status::unavailable("down")) })
        };
        let mut refused = 0;
        for _ in 0..200 {
            let response = answer(&stages, "/t.T/Failing", failing).await;
            let status = Status::from_header_map(response.headers()).unwrap();
            if status.message().contains("circuit breaker") {
                refused += 1;
            }
        }
        assert!(refused > 100, "{refused} of 200 refused");
        let fine = answer(&stages, "/t.T/Fine", || {
            Box::pin(async { http::Response::new(Body::empty()) })
        })
        .await;
        assert_eq!(code_of(&fine), Code::Ok);
    }
}
