//! The RPC client: a `Clone` tower service that generated tonic clients run on
//! (`XClient::new(client.channel())`). Per call, in go-zero's order: trace (a child span,
//! sent as `traceparent`), metrics, breaker (per method), timeout (also sent as
//! `grpc-timeout`), then the balancer's pick and the call on that instance's connection. A
//! unary call that never reached its instance (refused connect, connection closed before
//! the call was written, stream refused) is sent to another one, as gRPC's transparent retry.

use super::balancer::{Balancer, ConnectFailed, Picked};
use super::conf::RpcClientConf;
use super::method::Methods;
use super::status::{acceptable, code_of};
use crate::conf::ConfError;
use crate::discov::{DiscovError, Subscriber};
use crate::metrics::RpcMetrics;
use crate::trace::TraceContext;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::HeaderValue;
use http_body_util::{BodyExt, Full};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tonic::body::Body;
use tonic::{Code, Status};
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

    /// The instances among [`Self::endpoints`] that get no calls now: their last connect was
    /// refused or their server closed the connection. Each is probed and picked again once
    /// it accepts connections.
    pub fn down_endpoints(&self) -> Vec<String> {
        self.channel.shared.balancer.down_addrs()
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
        // A unary call is kept for a resend only when there is another instance to send it to.
        let replayable = !streaming && picked.alternatives;
        let balancer = Arc::clone(&shared.balancer);
        Box::pin(async move {
            let (result, code) = deliver(&balancer, picked, request, replayable, limit).await;
            if let Some(promise) = promise {
                if acceptable(code) {
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

/// How many instances one call may be sent to, when the earlier ones never received it.
const MAX_ATTEMPTS: usize = 3;

/// Sends the call to the picked instance within `limit`. A unary call that certainly never
/// reached it (see [`never_reached`]) goes to another instance, as gRPC's transparent retry
/// does: an instance that just died, or is leaving, costs the caller nothing. A call that may
/// have reached the service's code is never sent twice. Every attempt is reported to the
/// balancer; the result's code is what the breaker and the metrics see.
async fn deliver(
    balancer: &Balancer,
    mut picked: Picked,
    request: http::Request<Body>,
    replayable: bool,
    limit: Option<Duration>,
) -> (Result<http::Response<Body>, Status>, Code) {
    let deadline = limit.map(|limit| (tokio::time::Instant::now() + limit, limit));
    let (mut request, replay) = if replayable {
        match Replay::keep(request).await {
            Ok(replay) => (replay.request(), Some(replay)),
            // The message could not be encoded: nothing was sent, and the instance is not to
            // blame (dropping `picked` counts the call as handled).
            Err(status) => {
                let code = status.code();
                return (Err(status), code);
            }
        }
    } else {
        (request, None)
    };
    let mut tried = Vec::new();
    loop {
        let attempt = send(&picked, request);
        let outcome = match deadline {
            Some((at, limit)) => match tokio::time::timeout_at(at, attempt).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Failed {
                    status: Status::deadline_exceeded(format!(
                        "no answer from {} within {} ms",
                        picked.conn.addr,
                        limit.as_millis()
                    )),
                    unsent: false,
                }),
            },
            None => attempt.await,
        };
        let failed = match outcome {
            Ok(response) => {
                let code = code_of(&response);
                picked.finish(acceptable(code));
                return (Ok(response), code);
            }
            Err(failed) => failed,
        };
        let code = failed.status.code();
        tried.push(Arc::clone(&picked.conn));
        picked.finish(acceptable(code));
        let next = match &replay {
            Some(replay) if failed.unsent && tried.len() < MAX_ATTEMPTS => balancer
                .pick_except(&tried)
                .map(|next| (next, replay.request())),
            _ => None,
        };
        let Some((next, again)) = next else {
            return (Err(failed.status), code);
        };
        tracing::debug!(
            from = %tried[tried.len() - 1].addr,
            to = %next.conn.addr,
            reason = failed.status.message(),
            "sending a call that never reached its instance to another"
        );
        picked = next;
        request = again;
    }
}

/// An attempt that failed, and whether it certainly never reached the instance.
struct Failed {
    status: Status,
    unsent: bool,
}

/// Sends the call on the picked connection, once it is ready.
async fn send(
    picked: &Picked,
    request: http::Request<Body>,
) -> Result<http::Response<Body>, Failed> {
    let failed = |err: tonic::transport::Error| {
        // tonic's connection also enforces the `grpc-timeout` this client sent; when its
        // timer wins the race with ours, the call still timed out, it did not fail to reach.
        if timed_out(&err) {
            return Failed {
                status: Status::deadline_exceeded(format!(
                    "no answer from {} within the call's deadline",
                    picked.conn.addr
                )),
                unsent: false,
            };
        }
        Failed {
            unsent: never_reached(&err),
            status: Status::unavailable(format!("{}: {}", picked.conn.addr, describe(&err))),
        }
    };
    let mut channel = picked.conn.channel.clone();
    channel.ready().await.map_err(failed)?;
    channel.call(request).await.map_err(failed)
}

/// Whether a call's transport error proves that the instance never received it: the connect
/// failed; hyper gave the request back unsent (the connection closed before it was written);
/// or the server refused the stream, which HTTP/2 defines as left unprocessed (a
/// `REFUSED_STREAM` reset, or a graceful `GOAWAY` whose last stream id excludes it). Any
/// other error, a reset connection among them, may have come after the server read the
/// call.
fn never_reached(err: &(dyn std::error::Error + 'static)) -> bool {
    causes(err).any(|e| {
        e.is::<ConnectFailed>()
            || e.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_canceled)
            || e.downcast_ref::<h2::Error>().is_some_and(|h2| {
                h2.reason() == Some(h2::Reason::REFUSED_STREAM)
                    || (h2.is_go_away()
                        && h2.is_remote()
                        && h2.reason() == Some(h2::Reason::NO_ERROR))
            })
    })
}

/// A unary call's request, kept to be sent again: its head and its encoded message.
struct Replay {
    head: http::request::Parts,
    body: Bytes,
}

impl Replay {
    /// Reads the request's body (a unary call's one encoded message) into memory.
    async fn keep(request: http::Request<Body>) -> Result<Self, Status> {
        let (head, body) = request.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Self { head, body })
    }

    fn request(&self) -> http::Request<Body> {
        http::Request::from_parts(self.head.clone(), Body::new(Full::new(self.body.clone())))
    }
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
    causes(err).any(|e| e.is::<tonic::TimeoutExpired>())
}

/// A transport error and its causes on one line ("transport error: connection refused").
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    causes(err)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// An error, then its source, its source's source, and so on.
fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| e.source())
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
