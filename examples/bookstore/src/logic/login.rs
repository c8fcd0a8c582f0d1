//! The logic of `POST /login`: sign in and receive a token
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::errors::BAD_CREDENTIALS;
use crate::svc::ServiceContext;
use crate::types::{LoginReq, LoginResp};
use rzero::rest::jwt::issue;
use rzero::rest::{Context, Error};

pub async fn login(svc: &ServiceContext, ctx: &Context, req: LoginReq) -> Result<LoginResp, Error> {
    let _ = ctx;
    let known = svc
        .config
        .accounts
        .iter()
        .any(|a| a.user == req.user && a.password == req.password);
    if !known {
        return Err(BAD_CREDENTIALS.into());
    }
    let auth = &svc.config.auth;
    let token = issue(
        &auth.access_secret,
        auth.access_expire,
        &serde_json::json!({ "user": req.user }),
    )
    .map_err(Error::internal)?;
    Ok(LoginResp {
        access_token: token.access_token,
        access_expire: token.access_expire,
    })
}
