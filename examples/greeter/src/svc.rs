//! The service context: what every method's logic can reach (the config, database models,
//! clients of other services, caches).
//!
//! Created by rzctl from greeter.proto; this file is yours.

use crate::config::Config;
use std::time::SystemTime;

pub struct ServiceContext {
    pub config: Config,
    pub started_at: SystemTime,
}

impl ServiceContext {
    /// Builds what the logic needs, once at start-up: connect databases, caches and the
    /// clients of other services here.
    pub async fn new(config: Config) -> Result<Self, crate::BoxError> {
        Ok(Self {
            config,
            started_at: SystemTime::now(),
        })
    }
}
