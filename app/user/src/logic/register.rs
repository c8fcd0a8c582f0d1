//! The logic of `/user.User/Register`:
//! Creates a user; the password is stored as an argon2id hash.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{Reason, storage};
use crate::model::User;
use crate::pb::user::{RegisterRequest, RegisterResponse};
use crate::svc::ServiceContext;
use rzero::codec::password;
use tonic::{Request, Status};

pub async fn register(
    svc: &ServiceContext,
    request: Request<RegisterRequest>,
) -> Result<RegisterResponse, Status> {
    let request = request.into_inner();
    let name = account::name(&request.name)?;
    let mobile = account::mobile(&request.mobile)?;
    let plain_password = account::password(&request.password)?;
    let users = &svc.models.user;
    let digest = svc.sealer.digest(&mobile);
    // Cached lookups first: the usual refusals cost no write and no hashing.
    if users
        .find_one_by_mobile_digest(&digest)
        .await
        .map_err(storage)?
        .is_some()
    {
        return Err(Reason::MobileTaken.status("this mobile number is registered already"));
    }
    if users
        .find_one_by_name(&name)
        .await
        .map_err(storage)?
        .is_some()
    {
        return Err(Reason::NameTaken.status("this name is taken"));
    }
    let password = if plain_password.is_empty() {
        String::new()
    } else {
        password::hash(plain_password).await.map_err(storage)?
    };
    let row = User {
        id: 0,
        name,
        mobile: svc.sealer.seal(&mobile),
        mobile_digest: digest,
        password,
        avatar: String::new(),
        create_time: Default::default(),
        update_time: Default::default(),
    };
    match users.insert(&row).await {
        Ok(id) => {
            tracing::info!(user_id = id, "user registered");
            Ok(RegisterResponse {
                user_id: account::user_id(id),
            })
        }
        // Another sign-up with the same number or name got in between the checks and the
        // insert; the unique keys refused this one.
        Err(err) if err.is_unique_violation() => {
            let taken = users
                .find_one_by_mobile_digest(&row.mobile_digest)
                .await
                .map_err(storage)?;
            Err(match taken {
                Some(_) => Reason::MobileTaken.status("this mobile number is registered already"),
                None => Reason::NameTaken.status("this name is taken"),
            })
        }
        Err(err) => Err(storage(err)),
    }
}
