//! The service context: what every method's logic can reach (the config, database models,
//! clients of other services, caches).
//!
//! Created by rzctl from user.proto; this file is yours.

use crate::config::Config;
use crate::model::{Models, migrations};
use rzero::codec::Sealer;
use rzero::db::Db;
use rzero::sqlc::CachedConn;

pub struct ServiceContext {
    pub config: Config,
    pub models: Models,
    /// Seals mobile numbers for storage and digests them for lookups.
    pub sealer: Sealer,
}

impl ServiceContext {
    /// Builds what the logic needs, once at start-up: connect databases, caches and the
    /// clients of other services here.
    pub async fn new(config: Config) -> Result<Self, crate::BoxError> {
        let sealer = Sealer::from_base64("crypto.mobile_key", &config.crypto.mobile_key)?;
        let db = Db::connect(&config.db).await?;
        // Every instance may run this: sqlx takes a lock and skips what is applied.
        db.migrate(&migrations()).await?;
        let cache = config.cache.build("user").await?;
        Ok(Self {
            models: Models::new(CachedConn::new(db, cache)),
            sealer,
            config,
        })
    }
}
