//! The logic of `/user.User/FindByIds`:
//! Many users by id, in the order asked; ids with no user are left out.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use crate::account;
use crate::errors::{invalid, storage};
use crate::pb::user::{FindByIdsRequest, UserList};
use crate::svc::ServiceContext;
use futures_util::future::try_join_all;
use tonic::{Request, Status};

/// One call reads at most this many users (a page of a feed or a comment list).
pub const MAX_IDS: usize = 100;

pub async fn find_by_ids(
    svc: &ServiceContext,
    request: Request<FindByIdsRequest>,
) -> Result<UserList, Status> {
    let ids = request.into_inner().user_ids;
    if ids.len() > MAX_IDS {
        return Err(invalid("user_ids", "expected at most 100 ids"));
    }
    // Each id goes through the row cache; the lookups run at once, so a page of authors
    // costs one round trip's time rather than one per author.
    let users = &svc.models.user;
    let lookups = ids
        .iter()
        .filter_map(|&id| account::row_id(id))
        .map(|id| users.find_one(id));
    let rows = try_join_all(lookups).await.map_err(storage)?;
    let users = rows
        .iter()
        .flatten()
        .map(|user| account::info(svc, user))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserList { users })
}
