//! The logic of `GET /v1/user/info`: the signed-in user's profile
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.

use crate::code::from_user_rpc;
use crate::svc::{ServiceContext, caller};
use crate::types::UserInfoResponse;
use rzero::rest::{Context, Error};
use user::pb::user::{FindByIdRequest, UserInfo};

pub async fn info(svc: &ServiceContext, ctx: &Context) -> Result<UserInfoResponse, Error> {
    let user = svc
        .users
        .find_by_id(FindByIdRequest {
            user_id: caller(ctx)?,
        })
        .await
        .map_err(from_user_rpc)?;
    response(user)
}

/// How a user.rpc user looks to clients.
pub fn response(user: UserInfo) -> Result<UserInfoResponse, Error> {
    Ok(UserInfoResponse {
        user_id: i64::try_from(user.user_id).map_err(Error::internal)?,
        name: user.name,
        avatar: user.avatar,
        mobile: user.masked_mobile,
    })
}
