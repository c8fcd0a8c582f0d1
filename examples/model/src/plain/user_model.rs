//! Your queries on `user`: add methods to [`UserModel`] here. They can use
//! `self.conn()` (the connection, without a cache, with `query_row`, `exec` and `transact`) and
//! the generated methods.
//!
//! Created by rzctl from examples/model/sql/0001_user.sql; this file is yours: rzctl never overwrites it.

use super::user_model_gen::UserModel;

impl UserModel {}
