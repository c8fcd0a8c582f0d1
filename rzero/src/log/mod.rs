//! Logging: `tracing` set up from config, JSON or plain, to the console or to rotated files.
//! Every line written inside a request carries the request's trace and span ids (the trace
//! middleware makes the request's [`crate::trace::TraceContext`] current; the formatter reads
//! it).

#[cfg(feature = "rest")]
mod access;
mod batch;
mod format;
mod setup;

#[cfg(feature = "rest")]
pub(crate) use access::{Access, access};
pub use setup::{Encoding, LogConf, LogMode, Rotation, flush, setup};
