//! Runs a route's enabled stages as one service with one future, outermost first:
//! trace -> log -> metrics -> max conns -> breaker -> shedding -> timeout -> recover ->
//! max bytes -> gunzip -> JWT -> the rest of the route (user middlewares, handler).
//!
//! The checks before the request goes in all run in `call`; a stage that refuses (503, 413,
//! 401) answers at once, and its answer still passes out through the stages that admitted
//! the request, so it is counted, logged and traced like any other. The future then polls the
//! route (under the timeout, catching panics, with the trace context current) and, when the
//! response is ready, lets every admitting stage record it, innermost first.

use super::breaker::BreakerStage;
use super::log::{AccessLine, LogStage};
use super::max_bytes::MaxBytesStage;
use super::max_conns::MaxConnsStage;
use super::metrics::MetricsStage;
use super::recover::{panic_response, timeout_response};
use super::shedding::SheddingStage;
use super::trace::TraceStage;
use super::{Refusal, Request, Response, gunzip};
use crate::rest::jwt::JwtAuth;
use crate::rest::response::error_response;
use crate::trace::TraceContext;
use futures_util::future::{BoxFuture, Either};
use http::StatusCode;
use http::header::CONTENT_ENCODING;
use http_body::Body as _;
use pin_project_lite::pin_project;
use std::convert::Infallible;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::time::Sleep;
use tower::{Layer, Service};

/// The stages of one route; `None` or `false` where switched off.
#[derive(Debug, Default)]
pub(crate) struct Stages {
    pub(crate) trace: Option<TraceStage>,
    pub(crate) log: Option<LogStage>,
    pub(crate) metrics: Option<MetricsStage>,
    pub(crate) max_conns: Option<MaxConnsStage>,
    pub(crate) breaker: Option<BreakerStage>,
    pub(crate) shedding: Option<SheddingStage>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) recover: bool,
    pub(crate) max_bytes: Option<MaxBytesStage>,
    pub(crate) gunzip: bool,
    pub(crate) jwt: Option<JwtAuth>,
}

/// What the stages that admitted a request hold until its response is ready. The stages
/// themselves are reached through the future's `Arc<Stages>`, so admitting costs no handle
/// (and no atomic operation) of its own; whatever is still held when the future is dropped
/// unanswered is given back by [`Stages::abandon`].
struct Admitted {
    start: Instant,
    line: Option<AccessLine>,
    in_flight: bool,
    slot: bool,
    breaker: bool,
    shed: bool,
}

type RouteFuture<F> = Either<F, BoxFuture<'static, Result<Response, Infallible>>>;

impl Stages {
    /// Everything before the route is called; on refusal, the answer.
    fn begin<S>(&self, mut request: Request, inner: &mut S) -> (Admitted, State<S::Future>)
    where
        S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
        S::Future: Send,
    {
        // One clock read for every stage before the route, one for every stage after it.
        let start = Instant::now();
        let mut admitted = Admitted {
            start,
            line: self.log.as_ref().map(|log| log.begin(&request)),
            in_flight: false,
            slot: false,
            breaker: false,
            shed: false,
        };
        if let Some(metrics) = &self.metrics {
            metrics.enter();
            admitted.in_flight = true;
        }
        let refused = |admitted, refusal: Refusal| {
            (
                admitted,
                State::Answered {
                    response: Some(refusal.into_response()),
                },
            )
        };
        if let Some(stage) = &self.max_conns {
            match stage.acquire() {
                Ok(()) => admitted.slot = true,
                Err(response) => return refused(admitted, response),
            }
        }
        if let Some(stage) = &self.breaker {
            match stage.admit(start) {
                Ok(()) => admitted.breaker = true,
                Err(response) => return refused(admitted, response),
            }
        }
        if let Some(stage) = &self.shedding {
            match stage.admit(start) {
                Ok(()) => admitted.shed = true,
                Err(response) => return refused(admitted, response),
            }
        }
        if let Some(stage) = &self.max_bytes
            && let Err(response) = stage.check(&mut request)
        {
            return refused(admitted, response);
        }
        if let Some(auth) = &self.jwt {
            match auth.authorize(&request) {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                }
                Err(err) => {
                    tracing::info!(reason = %err, "request refused by JWT auth");
                    return refused(
                        admitted,
                        Refusal::new(StatusCode::UNAUTHORIZED, err.to_string()),
                    );
                }
            }
        }
        let call = || {
            // A request without a body (most GETs) needs no header lookup to know it has
            // nothing to inflate.
            if self.gunzip
                && !request.body().is_end_stream()
                && request.headers().contains_key(CONTENT_ENCODING)
            {
                // The rare path takes its own handle on the route; the common one calls the
                // ready service in place instead of cloning it for every request.
                Either::Right(gunzip::inflate(inner.clone(), request))
            } else {
                Either::Left(inner.call(request))
            }
        };
        let future = if self.recover {
            match catch_unwind(AssertUnwindSafe(call)) {
                Ok(future) => future,
                Err(panic) => {
                    let response = panic_response(panic.as_ref());
                    return (
                        admitted,
                        State::Answered {
                            response: Some(response),
                        },
                    );
                }
            }
        } else {
            call()
        };
        let state = match self.timeout {
            Some(timeout) => State::Timed {
                future,
                timer: Timer::Idle {
                    deadline: tokio::time::Instant::from_std(start + timeout),
                },
                timeout,
            },
            None => State::Plain { future },
        };
        (admitted, state)
    }

    /// Everything after the response is ready, innermost stage first.
    fn finish(&self, admitted: Admitted, response: &mut Response, ctx: Option<&TraceContext>) {
        let status = response.status();
        let end = Instant::now();
        let elapsed = end.saturating_duration_since(admitted.start);
        if let Some(stage) = self.shedding.as_ref().filter(|_| admitted.shed) {
            stage.record(elapsed, status, end);
        }
        if let Some(stage) = self.breaker.as_ref().filter(|_| admitted.breaker) {
            stage.record(status, end);
        }
        if let Some(stage) = self.max_conns.as_ref().filter(|_| admitted.slot) {
            stage.release();
        }
        if let Some(metrics) = &self.metrics {
            metrics.finish(elapsed, status);
            if admitted.in_flight {
                metrics.leave();
            }
        }
        // Encoded once for the response header and the access line.
        let traceparent = ctx.map(TraceContext::traceparent_bytes);
        if let (Some(log), Some(line)) = (&self.log, admitted.line) {
            log.finish(line, end, elapsed, status, traceparent.as_ref());
        }
        if let Some(traceparent) = &traceparent {
            TraceStage::finish(traceparent, response);
        }
    }

    /// Gives back what a request dropped before its response (the client went away, the
    /// server cut it off at shutdown) still holds. It is not counted, logged or fed to the
    /// breaker: there is no response to judge it by.
    fn abandon(&self, admitted: Admitted) {
        if let Some(stage) = self.shedding.as_ref().filter(|_| admitted.shed) {
            stage.abandon();
        }
        if let Some(stage) = self.max_conns.as_ref().filter(|_| admitted.slot) {
            stage.release();
        }
        if let Some(metrics) = self.metrics.as_ref().filter(|_| admitted.in_flight) {
            metrics.leave();
        }
    }
}

/// Runs `f` with `ctx` as the current trace context, when there is one.
fn in_scope<R>(ctx: Option<TraceContext>, f: impl FnOnce() -> R) -> R {
    match ctx {
        Some(ctx) => ctx.sync_scope(f),
        None => f(),
    }
}

/// Wraps a route in its stages.
#[derive(Debug, Clone)]
pub(crate) struct ChainLayer {
    stages: Arc<Stages>,
}

impl ChainLayer {
    pub(crate) fn new(stages: Stages) -> Self {
        Self {
            stages: Arc::new(stages),
        }
    }
}

impl<S> Layer<S> for ChainLayer {
    type Service = Chain<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Chain {
            inner,
            stages: self.stages.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Chain<S> {
    inner: S,
    stages: Arc<Stages>,
}

impl<S> Service<Request> for Chain<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ChainFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let stages = self.stages.clone();
        let ctx = stages.trace.as_ref().map(|trace| trace.start(&request));
        let (admitted, state) = in_scope(ctx, || stages.begin(request, &mut self.inner));
        ChainFuture {
            state,
            stages,
            ctx,
            admitted: Some(admitted),
        }
    }
}

pin_project! {
    #[project = StateProj]
    pub(crate) enum State<F> {
        Plain { #[pin] future: RouteFuture<F> },
        Timed { #[pin] future: RouteFuture<F>, #[pin] timer: Timer, timeout: Duration },
        Answered { response: Option<Response> },
    }
}

pin_project! {
    /// The timeout's timer, armed only when the route first has to wait: a route that answers
    /// on its first poll never touches the timer wheel (nor takes a handle on the runtime).
    #[project = TimerProj]
    pub(crate) enum Timer {
        Idle { deadline: tokio::time::Instant },
        Armed { #[pin] sleep: Sleep },
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let TimerProj::Idle { deadline } = self.as_mut().project() {
            let sleep = tokio::time::sleep_until(*deadline);
            self.set(Timer::Armed { sleep });
        }
        match self.project() {
            TimerProj::Armed { sleep } => sleep.poll(cx),
            TimerProj::Idle { .. } => Poll::Pending,
        }
    }
}

pin_project! {
    pub(crate) struct ChainFuture<F> {
        #[pin]
        state: State<F>,
        stages: Arc<Stages>,
        ctx: Option<TraceContext>,
        admitted: Option<Admitted>,
    }

    impl<F> PinnedDrop for ChainFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(admitted) = this.admitted.take() {
                this.stages.abandon(admitted);
            }
        }
    }
}

/// Polls the route, turning a panic into a 500 when the recover stage is on.
fn poll_route<F>(
    future: Pin<&mut RouteFuture<F>>,
    cx: &mut Context<'_>,
    recover: bool,
) -> Poll<Response>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    let polled = if recover {
        catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
    } else {
        Ok(future.poll(cx))
    };
    match polled {
        Ok(Poll::Ready(Ok(response))) => Poll::Ready(response),
        Ok(Poll::Ready(Err(never))) => match never {},
        Ok(Poll::Pending) => Poll::Pending,
        Err(panic) => Poll::Ready(panic_response(panic.as_ref())),
    }
}

impl<F> Future for ChainFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let ctx = self.ctx;
        // One trace scope per poll covers the route, the timeout and the finishing stages.
        in_scope(ctx, || {
            let mut this = self.project();
            let recover = this.stages.recover;
            let mut response = match this.state.as_mut().project() {
                StateProj::Plain { future } => ready!(poll_route(future, cx, recover)),
                StateProj::Timed {
                    future,
                    timer,
                    timeout,
                } => match poll_route(future, cx, recover) {
                    Poll::Ready(response) => response,
                    Poll::Pending => {
                        ready!(timer.poll(cx));
                        timeout_response(*timeout)
                    }
                },
                // Polled after completion: answer rather than panic.
                StateProj::Answered { response } => response.take().unwrap_or_else(|| {
                    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
                }),
            };
            // Drops the route's future now: a timed-out request stops its work at once.
            this.state.set(State::Answered { response: None });
            if let Some(admitted) = this.admitted.take() {
                this.stages.finish(admitted, &mut response, ctx.as_ref());
            }
            Poll::Ready(Ok(response))
        })
    }
}
