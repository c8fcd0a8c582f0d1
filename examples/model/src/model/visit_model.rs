//! Your queries on `visit`: add methods to [`VisitModel`] here. They can use
//! `self.conn()` (the cached connection, with `query_row`, `exec` and `transact`) and
//! the generated methods.
//!
//! Created by rzctl from examples/model/sql/*.sql; this file is yours: rzctl never overwrites it.

use super::visit_model_gen::VisitModel;

impl VisitModel {}
