//! Cached SQL access, what go-zero's `sqlc.CachedConn` is to its models: row reads through the
//! cache (by primary key, or by a unique index whose entry points at the primary key), writes
//! that delete the row's keys after the database write, and transactions whose deletes wait
//! for the commit.

mod conn;
mod tx;

pub use conn::{CachedConn, SqlcError};
pub use tx::Tx;

/// The unique-index entry outlives the row entry it points to by this much, so that a lookup
/// by index never finds the index entry but not the row (go-zero's safe gap).
pub const INDEX_GAP: std::time::Duration = std::time::Duration::from_secs(5);
