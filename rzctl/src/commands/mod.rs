//! The generating subcommands of the CLI, kept out of `main.rs` so each stays small.

pub mod api_gen;
pub mod datasource;
pub mod model;
pub mod rpc_gen;
pub mod template;
