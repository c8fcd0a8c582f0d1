//! The logic of `POST /v1/login`: sign in with the mobile number and either the password or
//! a code
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.

use super::verification::consume;
use crate::code::{NO_ACCOUNT, bad_field, from_user_rpc};
use crate::svc::ServiceContext;
use crate::types::{LoginRequest, LoginResponse};
use rzero::rest::{Context, Error};
use user::errors::Reason;
use user::pb::user::{CheckPasswordRequest, FindByMobileRequest};

pub async fn login(
    svc: &ServiceContext,
    ctx: &Context,
    req: LoginRequest,
) -> Result<LoginResponse, Error> {
    let _ = ctx;
    let user_id = match (req.password, req.verification_code) {
        (Some(password), None) => {
            // Any number is tried: a malformed one is just another wrong pair.
            svc.users
                .check_password(CheckPasswordRequest {
                    mobile: req.mobile,
                    password,
                })
                .await
                .map_err(from_user_rpc)?
                .user_id
        }
        (None, Some(code)) => {
            let mobile = user::account::mobile(&req.mobile).map_err(bad_field)?;
            let user = match svc
                .users
                .find_by_mobile(FindByMobileRequest {
                    mobile: mobile.clone(),
                })
                .await
            {
                Ok(user) => user,
                Err(status) if Reason::of(&status) == Some(Reason::NoSuchUser) => {
                    return Err(NO_ACCOUNT.into());
                }
                Err(status) => return Err(from_user_rpc(status)),
            };
            consume(svc, &mobile, &code).await?;
            user.user_id
        }
        _ => {
            return Err(Error::bad_request(
                "expected either `password` or `verification_code`, not both and not neither",
            ));
        }
    };
    Ok(LoginResponse {
        user_id: i64::try_from(user_id).map_err(Error::internal)?,
        token: svc.token_for(user_id)?,
    })
}
