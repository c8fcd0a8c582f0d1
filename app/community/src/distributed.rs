//! One named service of the community, as its own process.

use crate::BoxError;
use std::path::Path;

/// The services this launcher can run on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    /// user.rpc: sign-up, sign-in checks, profiles (gRPC).
    User,
    /// applet-api: the HTTP gateway.
    Applet,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::User => "user",
            Service::Applet => "applet",
        }
    }

    /// The prefix of environment overrides: `USER__RPC__LISTEN_ON`, `APPLET__REST__PORT`.
    pub fn env_prefix(self) -> &'static str {
        match self {
            Service::User => "USER",
            Service::Applet => "APPLET",
        }
    }
}

/// Loads the service's config and serves until SIGTERM or SIGINT.
pub async fn run(service: Service, config: &Path) -> Result<(), BoxError> {
    let loader = rzero::conf::Loader::file(config).env_prefix(service.env_prefix());
    match service {
        Service::User => {
            let config = loader.load::<user::config::Config>()?;
            user::server(config).await?.start().await?;
        }
        Service::Applet => {
            let config = loader.load::<applet::config::Config>()?;
            applet::server(config).await?.start().await?;
        }
    }
    Ok(())
}
