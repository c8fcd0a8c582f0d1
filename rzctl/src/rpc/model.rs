//! What the templates of `rzctl rpc gen` read: the services and methods of the root file,
//! their Rust names and types, and the generated protobuf code. Plain serde data.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RpcSpec {
    /// The root file as imported (`greeter.proto`, `sub/x.proto`).
    pub proto_file: String,
    /// Its protobuf package (may be empty).
    pub package: String,
    pub services: Vec<ServiceSpec>,
    /// `src/pb.rs`: every message and enum of the root file and its imports, the tonic
    /// server and client of every service, and the encoded descriptors reflection serves.
    pub pb_source: String,
    /// What the run should tell the user: methods renamed in Rust, with their places.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSpec {
    /// The proto name, `Greeter`.
    pub proto_name: String,
    /// `greeter.v1.Greeter`: what health checks and reflection name.
    pub full_name: String,
    /// The module of its glue, client and (with `--multiple`) logic: `greeter`, `r#type`,
    /// `mod_` (a `mod.rs` would be its folder's own file).
    pub module: String,
    /// The Rust path of the package module, `crate::pb::greeter::v1`.
    pub pb_module: String,
    /// tonic's modules inside it: `greeter_server`, `greeter_client`.
    pub server_mod: String,
    pub client_mod: String,
    /// tonic's trait and types: `Greeter`, `GreeterServer`, `GreeterClient`.
    pub trait_name: String,
    pub comments: Vec<String>,
    pub methods: Vec<MethodSpec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MethodSpec {
    /// The proto name, `SayHello`.
    pub proto_name: String,
    /// tonic's Rust name, `say_hello` (a raw identifier for keywords).
    pub rust_name: String,
    /// Its logic module: the Rust name, but `mod_` for `r#mod`.
    pub module: String,
    /// `/greeter.v1.Greeter/SayHello`
    pub full_method: String,
    /// Absolute Rust types: `crate::pb::greeter::v1::HelloRequest`, `()`, `::prost_types::Timestamp`.
    pub input: String,
    pub output: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub comments: Vec<String>,
}
