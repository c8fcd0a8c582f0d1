//! The logic of `/greeter.Greeter/Chat`:
//! Answers every line as it arrives.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
#[allow(unused_imports)]
use tonic::{Request, Status, Streaming};

pub async fn chat(
    svc: &ServiceContext,
    request: Request<Streaming<crate::pb::greeter::Line>>,
) -> Result<rzero::rpc::BoxStream<crate::pb::greeter::Line>, Status> {
    let _ = (svc, request);
    Ok(Box::pin(tokio_stream::empty()))
}
