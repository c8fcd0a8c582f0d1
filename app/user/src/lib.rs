//! user: the RPC service described by user.proto.
//!
//! Created by rzctl; this file is yours: declare your own modules here. rzctl rewrites
//! `pb.rs`, everything under `server/` and `client/`, and the `mod.rs` files of `logic/`;
//! the logic files themselves are yours. Other crates call this service through
//! [`client`].

pub mod account;
pub mod client;
pub mod config;
pub mod errors;
pub mod logic;
pub mod model;
pub mod pb;
pub mod server;
pub mod svc;

use std::sync::Arc;

/// Any error while setting the service up.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The server with every service registered, ready to `start()` (or `bind()` in tests).
pub async fn server(config: config::Config) -> Result<rzero::rpc::Server, BoxError> {
    let svc = Arc::new(svc::ServiceContext::new(config).await?);
    let mut server = rzero::rpc::Server::new(svc.config.rpc.clone())?;
    server::register(&mut server, svc);
    Ok(server)
}
