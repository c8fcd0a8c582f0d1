//! The logic of `/user.User/UpdateProfile`:
//! Changes the name and avatar of a user.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{Reason, storage};
use crate::pb::user::{UpdateProfileRequest, UserInfo};
use crate::svc::ServiceContext;
use tonic::{Request, Status};

pub async fn update_profile(
    svc: &ServiceContext,
    request: Request<UpdateProfileRequest>,
) -> Result<UserInfo, Status> {
    let request = request.into_inner();
    let name = account::name(&request.name)?;
    let avatar = account::avatar(&request.avatar)?;
    let users = &svc.models.user;
    let no_user = || Reason::NoSuchUser.status(format!("no user {}", request.user_id));
    let Some(id) = account::row_id(request.user_id) else {
        return Err(no_user());
    };
    let Some(mut user) = users.find_one(id).await.map_err(storage)? else {
        return Err(no_user());
    };
    if name != user.name
        && let Some(other) = users.find_one_by_name(&name).await.map_err(storage)?
        && other.id != user.id
    {
        return Err(Reason::NameTaken.status("this name is taken"));
    }
    user.name = name;
    user.avatar = avatar;
    match users.update(&user).await {
        Ok(()) => account::info(svc, &user),
        Err(err) if err.is_unique_violation() => {
            Err(Reason::NameTaken.status("this name is taken"))
        }
        Err(err) => Err(storage(err)),
    }
}
