//! `rzctl` as a library: the generator's stages, usable from tests, fuzzing
//! and the `rzctl` binary.

pub mod api;
pub mod diag;
pub mod emit;
pub mod model;
pub mod rpc;
