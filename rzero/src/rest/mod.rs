//! The REST server: axum with go-zero's protection chain.
//!
//! A request passes, outermost first: trace -> log -> metrics -> max conns -> breaker ->
//! shedding -> timeout -> recover -> max bytes -> gunzip -> JWT (per group) -> the group's
//! middlewares -> the handler. Each built-in step can be switched off in
//! [`RestConf::middlewares`]; timeout and max bytes can be overridden per group.

pub mod bind;
mod chain;
mod conf;
mod context;
pub mod jwt;
pub mod middleware;
mod response;
mod route;
mod serve;
mod server;

/// Re-exported so that generated services depend on rzero alone.
pub use axum;
pub use axum::extract::State;
pub use bind::Bind;
pub use conf::{MiddlewaresConf, Mode, RestConf};
pub use context::Context;
pub use http;
pub use http::Method;
pub use jwt::{Claims, JwtAuth, JwtClaims, JwtConf};
pub use middleware::{Middleware, Next, Request, Response};
pub use response::{BizError, Error, Reply, error_response};
pub use route::RouteGroup;
pub use server::{RunningServer, Server, ServerError, shutdown_signal};
