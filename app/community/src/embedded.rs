//! Every service of the community in one process.

use crate::BoxError;
use serde::Deserialize;
use std::net::SocketAddr;

/// `etc/community.yaml`: each service's own config under its name, so that a section moves
/// to the service's own file unchanged when it runs on its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunityConfig {
    pub user: user::config::Config,
    pub applet: applet::config::Config,
}

/// The community, serving.
#[derive(Debug)]
pub struct Community {
    user: rzero::rpc::RunningServer,
    applet: rzero::rest::RunningServer,
}

impl Community {
    /// Starts every service. The gateway calls user.rpc at the address it was actually bound
    /// to (a fixed endpoint, no etcd), so that a port of 0 works too.
    pub async fn start(mut config: CommunityConfig) -> Result<Community, BoxError> {
        let user = user::server(config.user).await?.bind().await?;
        if config.applet.user_rpc.etcd.is_none() {
            config.applet.user_rpc.endpoints = vec![user.local_addr().to_string()];
        }
        let applet = applet::server(config.applet).await?.bind().await?;
        Ok(Community { user, applet })
    }

    /// The HTTP address clients use.
    pub fn applet_addr(&self) -> SocketAddr {
        self.applet.local_addr()
    }

    pub fn user_addr(&self) -> SocketAddr {
        self.user.local_addr()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down front to back: the gateway drains
    /// first, so that its in-flight requests can still reach user.rpc.
    pub async fn run_until_signal(self) -> Result<(), BoxError> {
        rzero::signal::shutdown_signal().await;
        tracing::info!("shutdown signal received: draining the gateway, then user.rpc");
        self.shutdown().await
    }

    pub async fn shutdown(self) -> Result<(), BoxError> {
        self.applet.shutdown().await?;
        self.user.shutdown().await?;
        Ok(())
    }
}
