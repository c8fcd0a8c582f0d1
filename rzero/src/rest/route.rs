//! Route groups: what one `service` block of a `.api` file declares — a prefix, JWT, a
//! timeout, a body limit and named middlewares shared by its routes.

use super::jwt::JwtAuth;
use super::middleware::{Middleware, UserMiddlewareLayer};
use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on};
use http::Method;
use std::sync::Arc;
use std::time::Duration;

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
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) path: String,
    /// `None` when the method is one axum cannot route; adding the group reports it.
    pub(crate) handler: Option<MethodRouter>,
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
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.options.prefix = prefix.trim_end_matches('/').to_owned();
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
    {
        let handler = MethodFilter::try_from(method.clone())
            .ok()
            .map(|filter| on(filter, handler).with_state(self.state.clone()));
        self.routes.push(Route {
            method,
            path: path.to_owned(),
            handler,
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
