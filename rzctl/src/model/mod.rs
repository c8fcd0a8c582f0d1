//! SQL DDL to cached sqlx models (`rzctl model mysql ddl|datasource`): the DDL is parsed with
//! sqlparser's MySQL dialect into a plain [`Table`] model, which the generator turns into a
//! row struct, a model with go-zero's methods on rzero's cached connection, and migrations
//! for MySQL/MariaDB and SQLite, appended to as the DDL changes ([`migrate`]).

pub mod cargo_edit;
pub mod ddl;
pub mod migrate;
pub mod schema;
pub mod service;
pub mod sqlite;
pub mod types;

pub use schema::{Column, Index, SqlType, Table};
