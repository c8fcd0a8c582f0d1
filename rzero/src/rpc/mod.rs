//! gRPC on tonic, the zrpc way: a server behind go-zero's interceptors that registers in
//! etcd, and a client that discovers instances and balances calls over them by p2c-EWMA.
//!
//! | module | one concept |
//! |---|---|
//! | `conf` | `RpcServerConf`, `RpcClientConf` with go-zero's defaults |
//! | `server` | the tonic server, its interceptor chain (`server/chain.rs`), auth, health, reflection, shutdown |
//! | `client` | the client service generated clients run on, and its interceptors |
//! | `balancer` | one connection per instance, p2c-EWMA (`balancer/p2c.rs`) or round robin |
//! | `method` | per-method breaker, timeout and metrics, shared by both sides |
//! | `status` | reading a call's gRPC code off a response; which codes count as failures |
//!
//! Discovery itself (etcd registration and watch, fixed endpoints) is [`crate::discov`].

mod balancer;
mod client;
mod conf;
mod method;
mod server;
mod status;

pub use client::{Client, ClientError, RpcChannel, StreamingCall};
pub use conf::{
    AuthConf, BalancerKind, ClientMiddlewaresConf, MethodTimeout, RpcClientConf, RpcServerConf,
    ServerMiddlewaresConf,
};
pub use server::{RunningServer, Server, ServerError};

/// A server-streaming method's answer: what generated server glue names as the stream type.
pub type BoxStream<T> =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<T, tonic::Status>> + Send + 'static>>;

pub use prost;
pub use prost_types;
pub use tonic;
pub use tonic_prost;
