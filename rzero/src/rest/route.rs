//! Route groups: what one `service` block of a `.api` file declares — a prefix, JWT, a
//! timeout, a body limit and named middlewares shared by its routes.

use super::jwt::JwtAuth;
use super::middleware::{ChainLayer, Middleware, Request, Response, UserMiddlewareLayer};
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on_service};
use http::Method;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service};

/// Routes sharing one set of options, with the state `S` their handlers take.
#[derive(Debug)]
pub struct RouteGroup<S = ()> {
    state: S,
    pub(crate) options: GroupOptions,
    pub(crate) routes: Vec<Route>,
}

/// The options a group applies to each of its routes.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupOptions {
    pub(crate) prefix: String,
    pub(crate) jwt: Option<JwtAuth>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_bytes: Option<u64>,
    pub(crate) middlewares: Vec<UserMiddlewareLayer>,
}

/// One route, its handler already bound to the group's state.
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// Builds the method router around the handler once the server knows the route's stack.
    /// `None` when the method is one axum cannot route; adding the group reports it.
    pub(crate) build: Option<BuildRoute>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Deferred so that the handler's concrete service type meets the chain before anything is
/// boxed: the route then costs one boxed service per request, as a bare axum route does.
pub(crate) type BuildRoute = Box<dyn FnOnce(RouteStack) -> MethodRouter + Send>;

/// What goes around a handler, outermost first: the chain of built-in stages, the group's
/// middlewares, axum's body-limit setting.
#[derive(Debug, Default)]
pub(crate) struct RouteStack {
    pub(crate) chain: Option<ChainLayer>,
    pub(crate) middlewares: Vec<UserMiddlewareLayer>,
    pub(crate) body_limit: Option<DefaultBodyLimit>,
}

impl RouteStack {
    pub(crate) fn wrap<T>(self, filter: MethodFilter, handler: T) -> MethodRouter
    where
        T: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        T::Future: Send + 'static,
    {
        if self.middlewares.is_empty() && self.body_limit.is_none() {
            return match self.chain {
                Some(chain) => on_service(filter, chain.layer(handler)),
                None => on_service(filter, handler),
            };
        }
        let mut inner = BoxCloneSyncService::new(handler);
        if let Some(limit) = self.body_limit {
            inner = BoxCloneSyncService::new(limit.layer(inner));
        }
        for middleware in self.middlewares.iter().rev() {
            inner = BoxCloneSyncService::new(middleware.layer(inner));
        }
        match self.chain {
            Some(chain) => on_service(filter, chain.layer(inner)),
            None => on_service(filter, inner),
        }
    }

    /// The same stack as a plain service, for the router's fallback (every method).
    pub(crate) fn into_service<T>(
        self,
        handler: T,
    ) -> BoxCloneSyncService<Request, Response, Infallible>
    where
        T: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        T::Future: Send + 'static,
    {
        let mut inner = BoxCloneSyncService::new(handler);
        for middleware in self.middlewares.iter().rev() {
            inner = BoxCloneSyncService::new(middleware.layer(inner));
        }
        match self.chain {
            Some(chain) => BoxCloneSyncService::new(chain.layer(inner)),
            None => inner,
        }
    }
}

impl RouteGroup<()> {
    /// A group whose handlers take no state.
    pub fn new() -> Self {
        Self::with_state(())
    }
}

impl Default for RouteGroup<()> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> RouteGroup<S> {
    /// A group whose handlers take `State<S>` (generated services pass their service context).
    pub fn with_state(state: S) -> Self {
        Self {
            state,
            options: GroupOptions::default(),
            routes: Vec::new(),
        }
    }

    /// Prepended to every path of the group (`@server(prefix: /v1)`).
    /// A prefix written without its leading `/` (`v1`) gets one, as go-zero's `path.Join`
    /// gives it.
    pub fn prefix(mut self, prefix: &str) -> Self {
        let prefix = prefix.trim_end_matches('/');
        self.options.prefix = if prefix.is_empty() || prefix.starts_with('/') {
            prefix.to_owned()
        } else {
            format!("/{prefix}")
        };
        self
    }

    /// Requires a valid token on every route of the group (`@server(jwt: Auth)`).
    pub fn jwt(mut self, auth: JwtAuth) -> Self {
        self.options.jwt = Some(auth);
        self
    }

    /// Overrides the server's timeout for the group (`@server(timeout: 3s)`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Overrides the server's body limit for the group (`@server(maxBytes: 1024)`).
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.options.max_bytes = Some(max_bytes);
        self
    }

    /// Adds a middleware; the first added sees the request first (`@server(middleware: A, B)`).
    pub fn middleware<M: Middleware>(mut self, middleware: Arc<M>) -> Self {
        self.options
            .middlewares
            .push(UserMiddlewareLayer::new(middleware));
        self
    }

    /// Adds a route. `path` may use the `.api` form (`/user/:id`) or axum's (`/user/{id}`).
    pub fn route<H, T>(mut self, method: Method, path: &str, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
        S: Sync,
    {
        let state = self.state.clone();
        let build = MethodFilter::try_from(method.clone()).ok().map(|filter| {
            Box::new(move |stack: RouteStack| stack.wrap(filter, handler.with_state(state)))
                as BuildRoute
        });
        self.routes.push(Route {
            method,
            path: path.to_owned(),
            build,
        });
        self
    }
}

/// `/user/:id` -> `/user/{id}`; other segments unchanged.
pub(crate) fn axum_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) if !name.is_empty() => format!("{{{name}}}"),
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Joins a group prefix and a route path the way go-zero's `path.Join` does.
pub(crate) fn full_path(prefix: &str, path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    if prefix.is_empty() {
        path
    } else if path == "/" {
        prefix.to_owned()
    } else {
        format!("{prefix}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_converted_and_joined() {
        assert_eq!(
            axum_path("/user/:id/posts/:post"),
            "/user/{id}/posts/{post}"
        );
        assert_eq!(axum_path("/user/{id}"), "/user/{id}");
        assert_eq!(axum_path("/a:b"), "/a:b");
        assert_eq!(full_path("/v1", "/login"), "/v1/login");
        assert_eq!(full_path("/v1", "/"), "/v1");
        assert_eq!(full_path("", "ping"), "/ping");
    }
}
