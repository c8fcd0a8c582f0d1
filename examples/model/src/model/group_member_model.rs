//! Your queries on `group_member`: add methods to [`GroupMemberModel`] here. They can use
//! `self.conn()` (the cached connection, with `query_row`, `exec` and `transact`) and
//! the generated methods.
//!
//! Created by rzctl from examples/model/sql/*.sql; this file is yours: rzctl never overwrites it.

use super::group_member_model_gen::GroupMemberModel;

impl GroupMemberModel {}
