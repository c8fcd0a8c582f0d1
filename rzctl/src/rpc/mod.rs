//! `.proto` files to the model `rzctl rpc gen` renders from.
//!
//! ```text
//! FILE.proto --compile (protox: imports, well-known types, checks)--> FileDescriptorSet
//!            --codegen (prost-build + tonic-prost-build, in memory)--> pb.rs text + RpcSpec
//!            --service (names, contexts, Tera)--> the files of a service crate
//! ```
//! No `protoc` anywhere: protox parses and links the files, and prost-build's and
//! tonic-build's generators run on its descriptors inside rzctl.

mod codegen;
mod compile;
pub mod model;
pub mod service;

pub use compile::Includes;
pub use model::RpcSpec;

use crate::diag::Diagnostics;
use std::path::Path;

/// Compiles `proto` (with `includes` as import roots) and generates its Rust code.
pub fn load(proto: &Path, includes: &Includes) -> Result<RpcSpec, Diagnostics> {
    codegen::generate(compile::compile(proto, includes)?)
}

/// Compiles a file that is not on disk (yet), named `name`, importing only the well-known
/// types: what `rzctl rpc new` generates from before it writes anything.
pub fn load_source(name: &str, text: &str) -> Result<RpcSpec, Diagnostics> {
    codegen::generate(compile::compile_source(name, text)?)
}
