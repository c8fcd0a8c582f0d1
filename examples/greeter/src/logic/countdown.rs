//! The logic of `/greeter.Greeter/Countdown`:
//! Counts down from `from`: one request, a stream of answers.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
#[allow(unused_imports)]
use tonic::{Request, Status, Streaming};

pub async fn countdown(
    svc: &ServiceContext,
    request: Request<crate::pb::greeter::CountdownRequest>,
) -> Result<rzero::rpc::BoxStream<crate::pb::greeter::Tick>, Status> {
    let _ = (svc, request);
    Ok(Box::pin(tokio_stream::empty()))
}
