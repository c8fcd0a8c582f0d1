//! The service context: what every route's logic can reach (the config, database models,
//! RPC clients, caches).
//!
//! Created by rzctl from bookstore.api; this file is yours.

use crate::config::Config;
use crate::shelf::Shelf;

pub struct ServiceContext {
    pub config: Config,
    pub shelf: Shelf,
}

impl ServiceContext {
    /// Builds what the logic needs, once at start-up: connect databases, caches and the
    /// clients of other services here.
    pub async fn new(config: Config) -> Result<Self, crate::BoxError> {
        Ok(Self {
            config,
            shelf: Shelf::with_classics(),
        })
    }
}
