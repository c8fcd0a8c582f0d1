//! Cached SQL access, what go-zero's `sqlc.CachedConn` is to its models: row reads through the
//! cache (by primary key, or by a unique index whose entry points at the primary key), writes
//! that delete the row's keys after the database write, and transactions whose deletes wait
//! for the commit.

mod conn;
mod tx;

pub use conn::{CachedConn, SqlcError};
pub use tx::Tx;

/// The row entry a lookup by unique index writes outlives the index entry by this much: both
/// expiries come from one draw, so that while the index entry lives its row entry does too and
/// an index hit never has to query the row again (go-zero's `cacheSafeGapBetweenIndexAndPrimary`,
/// added to the row's expiry in `QueryRowIndexCtx`).
pub const INDEX_GAP: std::time::Duration = std::time::Duration::from_secs(5);
