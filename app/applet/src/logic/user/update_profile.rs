//! The logic of `POST /v1/user/profile`: change the signed-in user's name and avatar
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.

use super::info::response;
use crate::code::{bad_field, from_user_rpc};
use crate::svc::{ServiceContext, caller};
use crate::types::{UpdateProfileRequest, UserInfoResponse};
use rzero::rest::{Context, Error};
use user::pb::user::{FindByIdRequest, UpdateProfileRequest as Change};

pub async fn update_profile(
    svc: &ServiceContext,
    ctx: &Context,
    req: UpdateProfileRequest,
) -> Result<UserInfoResponse, Error> {
    let user_id = caller(ctx)?;
    let name = user::account::name(&req.name).map_err(bad_field)?;
    // An avatar left out stays as it is.
    let avatar = match req.avatar {
        Some(avatar) => user::account::avatar(&avatar).map_err(bad_field)?,
        None => {
            svc.users
                .find_by_id(FindByIdRequest { user_id })
                .await
                .map_err(from_user_rpc)?
                .avatar
        }
    };
    let user = svc
        .users
        .update_profile(Change {
            user_id,
            name,
            avatar,
        })
        .await
        .map_err(from_user_rpc)?;
    response(user)
}
