//! The RPC server: tonic behind go-zero's interceptor chain, with the gRPC health service,
//! reflection in dev mode, etcd registration, and a shutdown that deregisters first, then
//! drains.

mod auth;
mod chain;

use super::conf::RpcServerConf;
use super::method::Methods;
use crate::conf::ConfError;
use crate::devserver::{Health, OpsRoutes};
use crate::discov::{DiscovError, Registration, advertised_addr};
use crate::load::{AdaptiveShedder, CpuUsage, SystemCpu};
use crate::metrics::RpcMetrics;
use chain::{ChainLayer, Stages};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// How long a deregistered server keeps serving before it stops accepting, so that clients
/// watching etcd have dropped it by the time it refuses connections.
const DEREGISTER_GRACE: Duration = Duration::from_millis(300);

/// Why a server could not be built, started or stopped cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid config: {0}")]
    Conf(#[from] ConfError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot register in etcd: {0}")]
    Register(#[from] DiscovError),
    #[error("gRPC reflection: {0}")]
    Reflection(String),
    #[error("server failed: {0}")]
    Serve(String),
}

/// An RPC server under construction.
#[derive(Debug)]
pub struct Server {
    conf: RpcServerConf,
    routes: RoutesBuilder,
    names: Vec<&'static str>,
    descriptors: Vec<&'static [u8]>,
    cpu: Arc<dyn CpuUsage>,
}

impl Server {
    /// Validates `conf` and sets up logging (the first server in a process sets it up).
    pub fn new(conf: RpcServerConf) -> Result<Self, ServerError> {
        conf.validate()?;
        let mut log = conf.log.clone();
        if log.service_name.is_empty() {
            log.service_name.clone_from(&conf.name);
        }
        crate::log::setup(&log)?;
        Ok(Self {
            conf,
            routes: RoutesBuilder::default(),
            names: Vec::new(),
            descriptors: Vec::new(),
            cpu: Arc::new(SystemCpu),
        })
    }

    pub fn conf(&self) -> &RpcServerConf {
        &self.conf
    }

    /// Replaces where the shedder reads CPU usage (tests and simulations inject readings).
    pub fn with_cpu_usage(mut self, cpu: Arc<dyn CpuUsage>) -> Self {
        self.cpu = cpu;
        self
    }

    /// Adds a tonic service (a generated `XServer::new(impl)`).
    pub fn add_service<S>(&mut self, service: S) -> &mut Self
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Adds the encoded `FileDescriptorSet` of the services, which reflection serves.
    pub fn add_file_descriptor_set(&mut self, encoded: &'static [u8]) -> &mut Self {
        self.descriptors.push(encoded);
        self
    }

    fn stages(&self) -> Stages {
        let conf = &self.conf;
        let mw = conf.middlewares;
        let timeouts: HashMap<String, Duration> = conf
            .method_timeouts
            .iter()
            .map(|m| (m.full_method.clone(), m.timeout))
            .collect();
        Stages {
            trace: mw.trace.then_some(conf.telemetry.sampler),
            recover: mw.recover,
            metrics: mw.metrics,
            breaker: mw.breaker,
            shedder: (mw.shedding && conf.cpu_threshold > 0)
                .then(|| Arc::new(AdaptiveShedder::new(conf.cpu_threshold, self.cpu.clone()))),
            auth: auth::Auth::from_conf(&conf.auth),
            methods: Methods::new(
                RpcMetrics::server(),
                mw.timeout.then_some(conf.timeout),
                if mw.timeout { timeouts } else { HashMap::new() },
                streaming_methods(&self.descriptors),
            ),
        }
    }

    /// Binds the port, registers in etcd when configured, and serves in the background.
    pub async fn bind(mut self) -> Result<RunningServer, ServerError> {
        let addr = self.conf.listen_on.clone();
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| ServerError::Serve(e.to_string()))?;

        let (reporter, health_service) = tonic_health::server::health_reporter();
        if self.conf.health {
            reporter
                .set_service_status("", ServingStatus::Serving)
                .await;
            for name in &self.names {
                reporter
                    .set_service_status(*name, ServingStatus::Serving)
                    .await;
            }
            self.routes.add_service(health_service);
        }
        if self.conf.reflection_on() {
            let mut builder = tonic_reflection::server::Builder::configure();
            for encoded in &self.descriptors {
                builder = builder.register_encoded_file_descriptor_set(encoded);
            }
            let reflection = builder
                .build_v1()
                .map_err(|e| ServerError::Reflection(e.to_string()))?;
            self.routes.add_service(reflection);
        }

        let (ops_stop, ops_stopped) = watch::channel(false);
        let health = Health::default();
        let mut ops_addrs = Vec::new();
        for routes in OpsRoutes::from_conf(&self.conf.dev_server, &self.conf.prometheus) {
            let ops_addr = format!("{}:{}", routes.host, routes.port);
            let bound = routes
                .spawn(health.clone(), ops_stopped.clone())
                .await
                .map_err(|source| ServerError::Bind {
                    addr: ops_addr,
                    source,
                })?;
            ops_addrs.push(bound);
        }

        let layer = ChainLayer(Arc::new(self.stages()));
        let (stop, stopped) = oneshot::channel::<()>();
        let incoming = TcpListenerStream::new(listener).map(|accepted| {
            accepted.inspect(|tcp| {
                // Small messages must not wait for Nagle's algorithm.
                let _ = tcp.set_nodelay(true);
            })
        });
        let routes = std::mem::take(&mut self.routes).routes();
        let task = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .layer(layer)
                .add_routes(routes)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stopped.await;
                })
                .await
                .map_err(|e| ServerError::Serve(e.to_string()))
        });

        // Registered only once serving: a client that finds the key can call at once.
        let registration = match &self.conf.etcd {
            Some(etcd) => {
                let advertised = advertised_addr(local_addr).to_string();
                match Registration::register(etcd, advertised.clone()).await {
                    Ok(registration) => {
                        tracing::info!(key = %registration.key(), addr = %advertised, "registered in etcd");
                        Some(registration)
                    }
                    Err(err) => {
                        // Nobody could find this server: stop it rather than leave it serving.
                        let _ = stop.send(());
                        let _ = ops_stop.send(true);
                        task.abort();
                        return Err(err.into());
                    }
                }
            }
            None => None,
        };
        tracing::info!(service = %self.conf.name, addr = %local_addr, "RPC server listening");
        Ok(RunningServer {
            local_addr,
            ops_addrs,
            registration,
            reporter,
            names: self.names,
            health,
            ops_stop,
            stop: Some(stop),
            task,
            shutdown_timeout: self.conf.shutdown_timeout,
        })
    }

    /// Serves until SIGTERM or SIGINT, then deregisters, drains and returns.
    pub async fn start(self) -> Result<(), ServerError> {
        let running = self.bind().await?;
        println!("Starting rpc server at {}...", running.local_addr());
        let result = running.run_until_signal().await;
        crate::log::flush();
        result
    }
}

/// A server that is serving.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    ops_addrs: Vec<SocketAddr>,
    registration: Option<Registration>,
    reporter: HealthReporter,
    names: Vec<&'static str>,
    health: Health,
    ops_stop: watch::Sender<bool>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
    shutdown_timeout: Duration,
}

impl RunningServer {
    /// The address bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The dev server and Prometheus listener addresses, in that order, when enabled.
    pub fn ops_addrs(&self) -> &[SocketAddr] {
        &self.ops_addrs
    }

    /// The etcd key this server is registered under now, when it is (it changes when the
    /// server registers again after etcd lost its lease).
    pub fn registered_key(&self) -> Option<String> {
        self.registration.as_ref().map(Registration::key)
    }

    /// Waits for SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until_signal(mut self) -> Result<(), ServerError> {
        tokio::select! {
            () = crate::signal::shutdown_signal() => {
                tracing::info!("shutdown signal received: deregistering, then draining");
            }
            joined = &mut self.task => return flatten(joined),
        }
        self.shutdown().await
    }

    /// Deregisters from etcd (clients stop picking this instance), reports NOT_SERVING,
    /// stops accepting, and waits up to `shutdown_timeout` for in-flight calls.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(registration) = self.registration.take() {
            registration.deregister().await;
            tokio::time::sleep(DEREGISTER_GRACE).await;
        }
        self.health.set_serving(false);
        self.reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        for name in &self.names {
            self.reporter
                .set_service_status(*name, ServingStatus::NotServing)
                .await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.ops_stop.send(true);
        match tokio::time::timeout(self.shutdown_timeout, &mut self.task).await {
            Ok(joined) => flatten(joined),
            Err(_) => {
                tracing::warn!(
                    deadline_ms = self.shutdown_timeout.as_millis() as u64,
                    "calls still running at the shutdown deadline were cut off"
                );
                self.task.abort();
                Ok(())
            }
        }
    }
}

/// The paths of the streaming methods the descriptors declare. The chain sees a call as
/// an HTTP request only, so this is how it knows which calls the default timeout is not for;
/// a method of a service added without descriptors counts as unary.
fn streaming_methods(descriptors: &[&[u8]]) -> HashSet<String> {
    use prost::Message as _;
    let mut paths = HashSet::new();
    for encoded in descriptors {
        let set = match prost_types::FileDescriptorSet::decode(*encoded) {
            Ok(set) => set,
            Err(err) => {
                tracing::warn!(%err, "cannot decode a file descriptor set; its streams count as unary");
                continue;
            }
        };
        for file in &set.file {
            for service in &file.service {
                let service_name = match file.package() {
                    "" => service.name().to_owned(),
                    package => format!("{package}.{}", service.name()),
                };
                for method in &service.method {
                    if method.client_streaming() || method.server_streaming() {
                        paths.insert(format!("/{service_name}/{}", method.name()));
                    }
                }
            }
        }
    }
    paths
}

fn flatten(
    joined: Result<Result<(), ServerError>, tokio::task::JoinError>,
) -> Result<(), ServerError> {
    joined.map_err(|e| ServerError::Serve(e.to_string()))?
}
