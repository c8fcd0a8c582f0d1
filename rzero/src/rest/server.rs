//! The REST server: collects route groups, wraps every route in the middleware chain, serves
//! it, and shuts down gracefully on SIGTERM or SIGINT.

use super::chain::{RouteKey, Shared, stack};
use super::conf::RestConf;
use super::response::error_response;
use super::route::{GroupOptions, RouteGroup, axum_path, full_path};
use crate::conf::ConfError;
use crate::devserver::{Health, OpsRoutes};
use crate::load::{AdaptiveShedder, CpuUsage, SystemCpu};
use axum::Router;
use axum::handler::Handler;
use axum::routing::MethodRouter;
use http::{Method, StatusCode};
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why a server could not be built or started.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid config: {0}")]
    Conf(#[from] ConfError),
    #[error("route {method} {path} is registered twice")]
    DuplicateRoute { method: Method, path: String },
    #[error("route {method} {path}: {reason}")]
    InvalidRoute {
        method: Method,
        path: String,
        reason: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// A REST server under construction.
///
/// ```no_run
/// use rzero::rest::{RestConf, RouteGroup, Server, Reply};
/// use http::Method;
///
/// # async fn run() -> Result<(), rzero::rest::ServerError> {
/// let mut server = Server::new(RestConf::default())?;
/// server.add_routes(RouteGroup::new().route(Method::GET, "/ping", || async { Reply("pong") }))?;
/// server.start().await
/// # }
/// ```
///
/// A handler reads the client's address from [`Context::peer`](super::Context::peer). This
/// server does not fill axum's `ConnectInfo` extension, so the `ConnectInfo` extractor is
/// rejected with a 500 here. Filling it would insert into every request's extension map,
/// which costs as much as the breaker and the shedder together. A router from
/// [`Server::into_router`] served with axum's `into_make_service_with_connect_info` has both.
#[derive(Debug)]
pub struct Server {
    conf: RestConf,
    groups: Vec<(GroupOptions, Vec<super::route::Route>)>,
    seen: HashSet<(Method, String)>,
    /// Every distinct path so far, in the matcher axum itself uses: `Router::route` panics
    /// on a path it refuses, so each is tried here first and a clash becomes an error.
    paths: matchit::Router<()>,
    cpu: Arc<dyn CpuUsage>,
}

impl Server {
    /// Validates `conf` and sets up logging (the first server in a process sets it up).
    pub fn new(conf: RestConf) -> Result<Self, ServerError> {
        conf.validate()?;
        let mut log = conf.log.clone();
        if log.service_name.is_empty() {
            log.service_name.clone_from(&conf.name);
        }
        crate::log::setup(&log)?;
        Ok(Self {
            conf,
            groups: Vec::new(),
            seen: HashSet::new(),
            paths: matchit::Router::new(),
            cpu: Arc::new(SystemCpu),
        })
    }

    pub fn conf(&self) -> &RestConf {
        &self.conf
    }

    /// Replaces where the shedder reads CPU usage (tests and simulations inject readings).
    pub fn with_cpu_usage(mut self, cpu: Arc<dyn CpuUsage>) -> Self {
        self.cpu = cpu;
        self
    }

    /// Adds a group of routes. A method and path registered twice is an error, as in goctl,
    /// and so is a path axum's matcher cannot tell from another one (`/a/:id` beside
    /// `/a/:name`) or cannot parse; nothing of a refused group is added.
    pub fn add_routes<S>(&mut self, group: RouteGroup<S>) -> Result<(), ServerError> {
        let mut seen = self.seen.clone();
        let mut paths = self.paths.clone();
        for route in &group.routes {
            let path = axum_path(&full_path(&group.options.prefix, &route.path));
            let invalid = |reason: String| ServerError::InvalidRoute {
                method: route.method.clone(),
                path: path.clone(),
                reason,
            };
            if route.build.is_none() {
                return Err(invalid("this HTTP method cannot be routed".into()));
            }
            // Methods of one path share its entry; only a new path can clash.
            let new_path = !seen.iter().any(|(_, seen_path)| *seen_path == path);
            if !seen.insert((route.method.clone(), path.clone())) {
                return Err(ServerError::DuplicateRoute {
                    method: route.method.clone(),
                    path,
                });
            }
            // What axum's `Router::route` refuses by panicking.
            if let Some(segment) = path
                .split('/')
                .find(|segment| segment.starts_with([':', '*']))
            {
                return Err(invalid(format!(
                    "the segment `{segment}` is neither a literal nor a parameter \
                     (`:name`, `{{name}}` or `{{*rest}}`)"
                )));
            }
            if new_path {
                paths
                    .insert(path.as_str(), ())
                    .map_err(|err| invalid(err.to_string()))?;
            }
        }
        self.seen = seen;
        self.paths = paths;
        self.groups.push((group.options, group.routes));
        Ok(())
    }

    /// The finished router with every middleware in place, for serving elsewhere or testing.
    pub fn into_router(self) -> Router {
        let shared = Shared {
            active: Arc::new(AtomicUsize::new(0)),
            shedder: (self.conf.cpu_threshold > 0).then(|| {
                Arc::new(AdaptiveShedder::new(
                    self.conf.cpu_threshold,
                    self.cpu.clone(),
                ))
            }),
            conf: self.conf,
        };
        let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
        for (options, routes) in self.groups {
            for route in routes {
                let Some(build) = route.build else {
                    continue;
                };
                let path = axum_path(&full_path(&options.prefix, &route.path));
                let key = RouteKey {
                    method: route.method.as_str(),
                    path: &path,
                };
                let wrapped = build(stack(&key, &options, &shared));
                let merged = match by_path.remove(&path) {
                    Some(existing) => existing.merge(wrapped),
                    None => wrapped,
                };
                by_path.insert(path, merged);
            }
        }
        let mut router = Router::new();
        for (path, handler) in by_path {
            router = router.route(&path, handler);
        }
        let not_found =
            (|| async { error_response(StatusCode::NOT_FOUND, "not found") }).with_state(());
        let key = RouteKey {
            method: "ANY",
            path: "unmatched",
        };
        let fallback = stack(&key, &GroupOptions::default(), &shared).into_service(not_found);
        router.fallback_service(fallback)
    }

    /// Binds the service port (and the dev server / Prometheus ports when configured) and
    /// starts serving in the background.
    pub async fn bind(self) -> Result<RunningServer, ServerError> {
        let addr = format!("{}:{}", self.conf.host, self.conf.port);
        let ops = OpsRoutes::from_conf(&self.conf.dev_server, &self.conf.prometheus);
        let shutdown_timeout = self.conf.shutdown_timeout;
        let name = self.conf.name.clone();
        let router = self.into_router();

        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(ServerError::Serve)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        // The operations listeners outlive the drain, so that probes read 503 while it runs.
        let (ops_stop_tx, ops_stop_rx) = watch::channel(false);
        let health = Health::default();

        let mut ops_addrs = Vec::new();
        for routes in ops {
            let ops_addr = format!("{}:{}", routes.host, routes.port);
            let bound = routes
                .spawn(health.clone(), ops_stop_rx.clone())
                .await
                .map_err(|source| ServerError::Bind {
                    addr: ops_addr,
                    source,
                })?;
            ops_addrs.push(bound);
        }

        let task = tokio::spawn(super::serve::serve(
            listener,
            router,
            stop_rx,
            shutdown_timeout,
        ));
        tracing::info!(service = %name, addr = %local_addr, "REST server listening");
        Ok(RunningServer {
            local_addr,
            ops_addrs,
            stop: stop_tx,
            ops_stop: ops_stop_tx,
            health,
            task,
        })
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests (up to
    /// `shutdown_timeout`) and returns.
    pub async fn start(self) -> Result<(), ServerError> {
        let running = self.bind().await?;
        println!("Starting server at {}...", running.local_addr());
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
    stop: watch::Sender<bool>,
    ops_stop: watch::Sender<bool>,
    health: Health,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The service address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The dev server and Prometheus listener addresses, in that order, when enabled.
    pub fn ops_addrs(&self) -> &[SocketAddr] {
        &self.ops_addrs
    }

    /// Waits for SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until_signal(mut self) -> Result<(), ServerError> {
        tokio::select! {
            () = shutdown_signal() => {
                tracing::info!("shutdown signal received, draining in-flight requests");
            }
            joined = &mut self.task => {
                let _ = self.ops_stop.send(true);
                return flatten(joined);
            }
        }
        self.shutdown().await
    }

    /// Stops accepting connections, reports unhealthy, and waits up to `shutdown_timeout`
    /// for in-flight requests to finish; requests still running then are cut off. `/healthz`
    /// answers 503 until the drain ends, then the operations listeners close too.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        self.health.set_serving(false);
        let _ = self.stop.send(true);
        let drained = flatten(self.task.await);
        let _ = self.ops_stop.send(true);
        drained
    }
}

fn flatten(joined: Result<(), tokio::task::JoinError>) -> Result<(), ServerError> {
    joined.map_err(|err| ServerError::Serve(std::io::Error::other(err)))
}

pub use crate::signal::shutdown_signal;
