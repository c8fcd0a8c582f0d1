//! Configuration: YAML files loaded into typed structs.
//!
//! A service's config is a plain `serde` struct (usually embedding [`crate::rest::RestConf`]
//! under a key). [`load`] reads it with three guarantees go-zero users rely on:
//! defaults for what the file leaves out, `${VAR}` / `${VAR:-default}` substitution from the
//! environment, and a refusal of keys the struct does not know (a typo must not silently fall
//! back to a default). [`Loader::env_prefix`] adds per-key overrides from the environment, the
//! usual way containers adjust one value without editing the file.

mod duration;
mod error;
mod loader;
mod mode;
mod vars;

pub use duration::{deserialize_duration, deserialize_opt_duration, serialize_duration};
pub use error::ConfError;
pub use loader::{Loader, load, load_str};
pub use mode::Mode;
