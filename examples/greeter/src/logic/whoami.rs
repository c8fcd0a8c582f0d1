//! The logic of `/greeter.Greeter/Whoami`:
//! The instance that answers and when it started.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
#[allow(unused_imports)]
use tonic::{Request, Status, Streaming};

pub async fn whoami(
    svc: &ServiceContext,
    request: Request<()>,
) -> Result<crate::pb::greeter::Instance, Status> {
    let _ = (svc, request);
    Ok(Default::default())
}
