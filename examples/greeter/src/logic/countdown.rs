//! The logic of `/greeter.Greeter/Countdown`:
//! Counts down from `from`: one request, a stream of answers.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::pb::greeter::{CountdownRequest, Tick};
use crate::svc::ServiceContext;
use tonic::{Request, Status};

/// The longest countdown served, so one call cannot hold a stream open for ever.
const MAX_FROM: u32 = 1000;

pub async fn countdown(
    svc: &ServiceContext,
    request: Request<CountdownRequest>,
) -> Result<rzero::rpc::BoxStream<Tick>, Status> {
    let _ = svc;
    let from = request.into_inner().from;
    if from > MAX_FROM {
        return Err(Status::invalid_argument(format!(
            "from is {from}; at most {MAX_FROM}"
        )));
    }
    let ticks = (0..=from).rev().map(|remaining| Ok(Tick { remaining }));
    Ok(Box::pin(tokio_stream::iter(ticks)))
}
