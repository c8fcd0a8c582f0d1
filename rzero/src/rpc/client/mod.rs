//! The RPC client: a `Clone` tower service that generated tonic clients run on
//! (`XClient::new(client.channel())`). Per call, in go-zero's order: trace (a child span,
//! sent as `traceparent`), metrics, breaker (per method), timeout (also sent as
//! `grpc-timeout`), then the balancer's pick and the call on that instance's connection.

use super::balancer::{Balancer, Picked};
use super::conf::RpcClientConf;
use super::method::Methods;
use super::status::{acceptable, code_of};
use crate::conf::ConfError;
use crate::discov::{DiscovError, Subscriber};
use crate::metrics::RpcMetrics;
use crate::trace::TraceContext;
use futures_util::future::BoxFuture;
use http::HeaderValue;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tonic::Status;
use tonic::body::Body;
use tower::{Service, ServiceExt};

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid client config: {0}")]
    Conf(#[from] ConfError),
    #[error("cannot discover instances: {0}")]
    Discov(#[from] DiscovError),
}

/// A client of one service (all its instances). Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Client {
    channel: RpcChannel,
}

impl Client {
    /// Connects to etcd (or takes the fixed endpoints) and starts following the instances.
    /// Connections to instances are made on first use, so this succeeds with every
    /// instance down; calls then fail with `UNAVAILABLE` naming the target.
    pub async fn new(conf: &RpcClientConf) -> Result<Self, ClientError> {
        conf.validate()?;
        let subscriber = match &conf.etcd {
            Some(etcd) => Subscriber::etcd(etcd).await?,
            None => Subscriber::fixed(conf.endpoints.iter().cloned()),
        };
        let balancer =
            Balancer::follow(conf.balancer, subscriber.endpoints(), conf.connect_timeout);
        let mw = conf.middlewares;
        let header = |value: &str| {
            HeaderValue::from_str(value)
                .ok()
                .filter(|_| !value.is_empty())
        };
        Ok(Self {
            channel: RpcChannel {
                shared: Arc::new(Shared {
                    target: subscriber.describe().to_owned(),
                    _subscriber: subscriber,
                    balancer,
                    methods: Methods::new(
                        RpcMetrics::client(),
                        mw.timeout.then_some(conf.timeout),
                        HashMap::new(),
                        HashSet::new(),
                    ),
                    trace: mw.trace,
                    metrics: mw.metrics,
                    breaker: mw.breaker,
                    app: header(&conf.app),
                    token: header(&conf.token),
                }),
            },
        })
    }

    /// The service a generated tonic client runs on.
    pub fn channel(&self) -> RpcChannel {
        self.channel.clone()
    }

    /// The instance addresses calls are spread over now.
    pub fn endpoints(&self) -> Vec<String> {
        self.channel.shared.balancer.addrs()
    }

    /// Calls sent to each instance so far: how the balancer spread them.
    pub fn calls_by_endpoint(&self) -> Vec<(String, u64)> {
        self.channel.shared.balancer.requests_by_addr()
    }
}

#[derive(Debug)]
struct Shared {
    target: String,
    /// Kept alive for as long as the client: dropping it stops the etcd watch.
    _subscriber: Subscriber,
    balancer: Arc<Balancer>,
    methods: Methods,
    trace: bool,
    metrics: bool,
    breaker: bool,
    app: Option<HeaderValue>,
    token: Option<HeaderValue>,
}

/// Marks a client-, server- or bidi-streaming call in the request's extensions. Generated
/// clients insert it; a hand-written tonic client on an [`RpcChannel`] should too. The
/// channel sees only an HTTP request, and without the mark it applies the configured
/// timeout, which is for unary calls, to the stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamingCall;

/// The tower service behind a [`Client`]: what generated clients are parameterised over.
#[derive(Debug, Clone)]
pub struct RpcChannel {
    shared: Arc<Shared>,
}

impl Service<http::Request<Body>> for RpcChannel {
    type Response = http::Response<Body>;
    type Error = Status;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Status>>;

    /// Always ready: readiness is a property of one connection, known only once the call
    /// has picked it, so the call's future waits for it.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let shared = &*self.shared;
        let start = Instant::now();
        let method = shared.methods.get(request.uri().path());
        let streaming = request.extensions().get::<StreamingCall>().is_some();
        let headers = request.headers_mut();
        if shared.trace {
            let ctx =
                TraceContext::current().map_or_else(|| TraceContext::root(1.0), |c| c.child());
            if let Ok(value) = HeaderValue::from_bytes(&ctx.traceparent_bytes()) {
                headers.insert("traceparent", value);
            }
        }
        if let (Some(app), Some(token)) = (&shared.app, &shared.token) {
            headers.insert("app", app.clone());
            headers.insert("token", token.clone());
        }
        // The configured timeout is for unary calls only (as go-zero's client interceptor):
        // a stream may rightly outlive it. A deadline the caller set on the request
        // (`Request::set_timeout`) applies to every kind, and wins if shorter.
        let ours = method.timeout.filter(|_| !streaming);
        let limit = match (
            ours,
            headers.get("grpc-timeout").and_then(parse_grpc_timeout),
        ) {
            (Some(ours), Some(theirs)) => Some(ours.min(theirs)),
            (ours, theirs) => ours.or(theirs),
        };
        if let Some(limit) = limit
            && let Ok(value) = HeaderValue::from_str(&format!("{}m", limit.as_millis().max(1)))
        {
            headers.insert("grpc-timeout", value);
        }

        let promise = if shared.breaker {
            match method.breaker.allow() {
                Ok(promise) => Some(promise),
                Err(open) => {
                    return refuse(
                        &method,
                        shared.metrics,
                        start,
                        Status::unavailable(open.to_string()),
                    );
                }
            }
        } else {
            None
        };
        let Some(picked) = shared.balancer.pick() else {
            if let Some(promise) = promise {
                // No instance is not a verdict on the service's health.
                promise.accept();
            }
            let status =
                Status::unavailable(format!("no instance available for {}", shared.target));
            return refuse(&method, shared.metrics, start, status);
        };
        let metrics = shared.metrics;
        Box::pin(async move {
            let call = send(&picked, request);
            let result = match limit {
                Some(limit) => match tokio::time::timeout(limit, call).await {
                    Ok(result) => result,
                    Err(_) => Err(Status::deadline_exceeded(format!(
                        "no answer from {} within {} ms",
                        picked.conn.addr,
                        limit.as_millis()
                    ))),
                },
                None => call.await,
            };
            let code = match &result {
                Ok(response) => code_of(response),
                Err(status) => status.code(),
            };
            let ok = acceptable(code);
            picked.finish(ok);
            if let Some(promise) = promise {
                if ok {
                    promise.accept();
                } else {
                    promise.reject();
                }
            }
            if metrics {
                method.observe(start.elapsed(), code);
            }
            result
        })
    }
}

/// Sends the call on the picked connection, once it is ready.
async fn send(
    picked: &Picked,
    request: http::Request<Body>,
) -> Result<http::Response<Body>, Status> {
    let unavailable = |err: tonic::transport::Error| {
        // tonic's connection also enforces the `grpc-timeout` this client sent; when its
        // timer wins the race with ours, the call still timed out, it did not fail to reach.
        if timed_out(&err) {
            return Status::deadline_exceeded(format!(
                "no answer from {} within the call's deadline",
                picked.conn.addr
            ));
        }
        Status::unavailable(format!("{}: {}", picked.conn.addr, describe(&err)))
    };
    let mut channel = picked.conn.channel.clone();
    channel.ready().await.map_err(unavailable)?;
    channel.call(request).await.map_err(unavailable)
}

fn refuse(
    method: &super::method::Method,
    metrics: bool,
    start: Instant,
    status: Status,
) -> BoxFuture<'static, Result<http::Response<Body>, Status>> {
    if metrics {
        method.observe(start.elapsed(), status.code());
    }
    Box::pin(std::future::ready(Err(status)))
}

/// Whether tonic's own deadline (from the `grpc-timeout` header) ended the call.
fn timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.is::<tonic::TimeoutExpired>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// A transport error and its causes on one line ("transport error: connection refused").
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `grpc-timeout`: an integer of at most 8 digits and a unit (H, M, S, m, u, n).
fn parse_grpc_timeout(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?;
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_in_every_unit() {
        let parse = |s: &'static str| parse_grpc_timeout(&HeaderValue::from_static(s));
        assert_eq!(parse("2S"), Some(Duration::from_secs(2)));
        assert_eq!(parse("150m"), Some(Duration::from_millis(150)));
        assert_eq!(parse("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("123456789m"), None);
        assert_eq!(parse("m"), None);
        assert_eq!(parse("5x"), None);
    }

    #[tokio::test]
    async fn a_client_without_a_target_is_refused() {
        let client = Client::new(&RpcClientConf::endpoints(Vec::<String>::new()))
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(client.to_string().contains("no target"), "{client}");
    }
}
