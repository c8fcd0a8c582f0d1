//! The logic of `/user.User/FindByMobile`:
//! One user by mobile number.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{Reason, storage};
use crate::pb::user::{FindByMobileRequest, UserInfo};
use crate::svc::ServiceContext;
use tonic::{Request, Status};

pub async fn find_by_mobile(
    svc: &ServiceContext,
    request: Request<FindByMobileRequest>,
) -> Result<UserInfo, Status> {
    let mobile = account::mobile(&request.into_inner().mobile)?;
    let digest = svc.sealer.digest(&mobile);
    match svc
        .models
        .user
        .find_one_by_mobile_digest(&digest)
        .await
        .map_err(storage)?
    {
        Some(user) => account::info(svc, &user),
        None => Err(Reason::NoSuchUser.status("no user has this mobile number")),
    }
}
