//! model-example: models of examples/model/sql/*.sql, shared by the services that use these tables.
//!
//! Created by rzctl; this file is yours: add modules of your own here.

pub mod model;
