//! The logic of `/user.User/CheckPassword`:
//! The user whose mobile number and password these are; BAD_CREDENTIALS for an unknown
//! number and a wrong password alike, so that callers cannot probe which numbers exist.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{Reason, storage};
use crate::pb::user::{CheckPasswordRequest, UserInfo};
use crate::svc::ServiceContext;
use rzero::codec::password;
use tonic::{Request, Status};

/// Verified when the number is unknown or has no password, so that every refusal costs the
/// same time as a wrong password and the answer time tells nothing either.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0zwmVrD1KuSm3ZmhT4ZD6cMSaB4R9zHK3JpVgqIJq4w";

pub async fn check_password(
    svc: &ServiceContext,
    request: Request<CheckPasswordRequest>,
) -> Result<UserInfo, Status> {
    let request = request.into_inner();
    let refused = || Reason::BadCredentials.status("wrong mobile number or password");
    let Ok(mobile) = account::mobile(&request.mobile) else {
        return Err(refused());
    };
    let digest = svc.sealer.digest(&mobile);
    let user = svc
        .models
        .user
        .find_one_by_mobile_digest(&digest)
        .await
        .map_err(storage)?;
    let stored = user
        .as_ref()
        .map(|u| u.password.as_str())
        .filter(|p| !p.is_empty());
    let matches = password::verify(&request.password, stored.unwrap_or(DECOY))
        .await
        .map_err(storage)?;
    match user {
        Some(user) if matches && stored.is_some() => account::info(svc, &user),
        _ => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_decoy_is_a_readable_hash_nothing_matches() {
        assert!(!password::verify("", DECOY).await.unwrap());
        assert!(!password::verify("secret", DECOY).await.unwrap());
    }
}
