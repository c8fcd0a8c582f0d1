//! applet: the HTTP service described by applet.api.
//!
//! Created by rzctl; this file is yours: declare your own modules here. rzctl rewrites
//! `types.rs`, everything under `handler/`, and the `mod.rs` files of `logic/` and
//! `middleware/`; the logic and middleware files themselves are yours.

pub mod code;
pub mod config;
pub mod handler;
pub mod logic;
pub mod middleware;
pub mod sms;
pub mod svc;
pub mod types;

use std::sync::Arc;

/// Any error while setting the service up.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The server with every route registered, ready to `start()` (or `bind()` in tests).
pub async fn server(config: config::Config) -> Result<rzero::rest::Server, BoxError> {
    let svc = Arc::new(svc::ServiceContext::new(config).await?);
    let mut server = rzero::rest::Server::new(svc.config.rest.clone())?;
    handler::routes::register(&mut server, svc)?;
    Ok(server)
}
