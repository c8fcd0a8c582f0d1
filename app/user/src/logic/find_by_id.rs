//! The logic of `/user.User/FindById`:
//! One user by id.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{Reason, storage};
use crate::pb::user::{FindByIdRequest, UserInfo};
use crate::svc::ServiceContext;
use tonic::{Request, Status};

pub async fn find_by_id(
    svc: &ServiceContext,
    request: Request<FindByIdRequest>,
) -> Result<UserInfo, Status> {
    let id = request.into_inner().user_id;
    let Some(row_id) = account::row_id(id) else {
        return Err(Reason::NoSuchUser.status(format!("no user {id}")));
    };
    match svc.models.user.find_one(row_id).await.map_err(storage)? {
        Some(user) => account::info(svc, &user),
        None => Err(Reason::NoSuchUser.status(format!("no user {id}"))),
    }
}
