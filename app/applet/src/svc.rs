//! The service context: what every route's logic can reach (the config, database models,
//! RPC clients, caches).
//!
//! Created by rzctl from applet.api; this file is yours.

use crate::config::Config;
use crate::sms::{LogSender, SmsSender};
use rzero::kv::Kv;
use rzero::rest::Error;
use rzero::rest::jwt::issue;
use std::sync::Arc;
use user::client::UserClient;

pub struct ServiceContext {
    pub config: Config,
    /// Verification codes and daily counts.
    pub kv: Kv,
    /// user.rpc, balanced over its instances.
    pub users: UserClient,
    pub sms: Arc<dyn SmsSender>,
}

impl ServiceContext {
    /// Builds what the logic needs, once at start-up: connect databases, caches and the
    /// clients of other services here.
    pub async fn new(config: Config) -> Result<Self, crate::BoxError> {
        let kv = config.biz.build().await?;
        let users = UserClient::new(&config.user_rpc).await?;
        let sms = Arc::new(LogSender::new(&config.sms));
        Ok(Self {
            config,
            kv,
            users,
            sms,
        })
    }

    /// A signed token naming the user, as sign-up and sign-in answer it.
    pub fn token_for(&self, user_id: u64) -> Result<crate::types::Token, Error> {
        let auth = &self.config.auth;
        let token = issue(
            &auth.access_secret,
            auth.access_expire,
            &serde_json::json!({ "user_id": user_id }),
        )
        .map_err(Error::internal)?;
        Ok(crate::types::Token {
            access_token: token.access_token,
            access_expire: token.access_expire,
        })
    }
}

/// The caller's user id from the token's claims (the routes under `jwt: Auth`).
pub fn caller(ctx: &rzero::rest::Context) -> Result<u64, Error> {
    ctx.claim::<u64>("user_id")
}
