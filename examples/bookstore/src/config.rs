//! The configuration of bookstore, read from `etc/bookstore.yaml`.
//!
//! Created by rzctl from bookstore.api; this file is yours: add your own settings here.

use rzero::rest::{JwtConf, RestConf};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP server: address, timeouts, limits, logging, middlewares.
    pub rest: RestConf,
    /// JWT secret and token lifetime of the routes marked `jwt: Auth`.
    pub auth: JwtConf,
    /// Who may sign in. An example keeps them in the config; a real shop has a user service.
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub user: String,
    pub password: String,
}
