//! model-example: models of examples/model/sql/*.sql, shared by the services that use these tables.
//!
//! Created by rzctl; this file is yours: add modules of your own here.

pub mod model;
/// The `user` table again, generated without `--cache` as a module inside this crate
/// (`rzctl model mysql ddl --src examples/model/sql/0001_user.sql --dir examples/model/src/plain`):
/// the same rows, read and written straight in the database.
pub mod plain;
