//! The logic of `/greeter.Greeter/SayHello`:
//! One request, one answer. The answer names the instance that served it, the trace
//! the call ran in and the deadline it came with, so balancing, tracing and timeouts can
//! be seen from outside.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::pb::greeter::{HelloReply, HelloRequest};
use crate::svc::ServiceContext;
use rzero::trace::TraceContext;
use tonic::{Request, Status};

pub async fn say_hello(
    svc: &ServiceContext,
    request: Request<HelloRequest>,
) -> Result<HelloReply, Status> {
    let faults = &svc.config.faults;
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    if faults.fail {
        return Err(Status::unavailable("this instance is failing on purpose"));
    }
    let deadline = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let name = request.into_inner().name;
    if name.is_empty() {
        return Err(Status::invalid_argument("name is empty"));
    }
    Ok(HelloReply {
        message: format!("hello, {name}"),
        served_by: svc.config.instance.clone(),
        trace_id: TraceContext::current()
            .map(|ctx| ctx.trace_id.to_string())
            .unwrap_or_default(),
        deadline,
    })
}
