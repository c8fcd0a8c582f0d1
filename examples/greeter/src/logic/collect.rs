//! The logic of `/greeter.Greeter/Collect`:
//! Joins the words the caller streams into one sentence.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
#[allow(unused_imports)]
use tonic::{Request, Status, Streaming};

pub async fn collect(
    svc: &ServiceContext,
    request: Request<Streaming<crate::pb::greeter::Word>>,
) -> Result<crate::pb::greeter::Sentence, Status> {
    let _ = (svc, request);
    Ok(Default::default())
}
