//! Your queries on `all_types`: add methods to [`AllTypesModel`] here. They can use
//! `self.conn()` (the cached connection, with `query_row`, `exec` and `transact`) and the
//! generated methods.
//!
//! Created by rzctl from examples/model/sql/*.sql; this file is yours: rzctl never overwrites it.

use super::all_types_model_gen::AllTypesModel;

impl AllTypesModel {}
