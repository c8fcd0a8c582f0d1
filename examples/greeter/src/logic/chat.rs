//! The logic of `/greeter.Greeter/Chat`:
//! Answers every line as it arrives.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::pb::greeter::Line;
use crate::svc::ServiceContext;
use tokio_stream::StreamExt;
use tonic::{Request, Status, Streaming};

pub async fn chat(
    svc: &ServiceContext,
    request: Request<Streaming<Line>>,
) -> Result<rzero::rpc::BoxStream<Line>, Status> {
    let _ = svc;
    let answers = request.into_inner().map(|line| {
        line.map(|line| Line {
            text: format!("you said: {}", line.text),
        })
    });
    Ok(Box::pin(answers))
}
