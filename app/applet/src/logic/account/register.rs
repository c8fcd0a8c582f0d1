//! The logic of `POST /v1/register`: create an account with a code sent to the mobile
//! number
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.

use super::verification::{check, consume};
use crate::code::{bad_field, from_user_rpc};
use crate::svc::ServiceContext;
use crate::types::{RegisterRequest, RegisterResponse};
use rzero::rest::{Context, Error};
use user::pb::user::RegisterRequest as NewUser;

pub async fn register(
    svc: &ServiceContext,
    ctx: &Context,
    req: RegisterRequest,
) -> Result<RegisterResponse, Error> {
    let _ = ctx;
    let name = user::account::name(&req.name).map_err(bad_field)?;
    let mobile = user::account::mobile(&req.mobile).map_err(bad_field)?;
    if req.password.is_empty() {
        return Err(Error::bad_request("password: expected 6 to 64 characters"));
    }
    user::account::password(&req.password).map_err(bad_field)?;
    check(svc, &mobile, &req.verification_code).await?;
    // The code is used up only once the account exists, so that a taken number or name
    // (user.rpc answers MOBILE_TAKEN or NAME_TAKEN) costs the user no new code; two sign-ups
    // racing with one code still make one account, because the number is a unique key.
    let created = svc
        .users
        .register(NewUser {
            name,
            mobile: mobile.clone(),
            password: req.password,
        })
        .await
        .map_err(from_user_rpc)?;
    if consume(svc, &mobile, &req.verification_code).await.is_err() {
        tracing::warn!(
            user_id = created.user_id,
            "the code was used up by a concurrent request"
        );
    }
    Ok(RegisterResponse {
        user_id: i64::try_from(created.user_id).map_err(Error::internal)?,
        token: svc.token_for(created.user_id)?,
    })
}
