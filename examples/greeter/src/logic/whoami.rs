//! The logic of `/greeter.Greeter/Whoami`:
//! The instance that answers and when it started.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::pb::greeter::Instance;
use crate::svc::ServiceContext;
use tonic::{Request, Status};

pub async fn whoami(svc: &ServiceContext, request: Request<()>) -> Result<Instance, Status> {
    let _ = request;
    Ok(Instance {
        name: svc.config.instance.clone(),
        started_at: Some(prost_types::Timestamp::from(svc.started_at)),
    })
}
