//! The logic of `/greeter.Greeter/SayHello`:
//! One request, one answer. The answer names the instance that served it and the
//! trace the call ran in, so balancing and tracing can be seen from outside.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
#[allow(unused_imports)]
use tonic::{Request, Status, Streaming};

pub async fn say_hello(
    svc: &ServiceContext,
    request: Request<crate::pb::greeter::HelloRequest>,
) -> Result<crate::pb::greeter::HelloReply, Status> {
    let _ = (svc, request);
    Ok(Default::default())
}
