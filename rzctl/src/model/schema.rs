//! The tables a DDL describes, as plain data.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: String,
    pub comment: Option<String>,
    pub columns: Vec<Column>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    pub unique_keys: Vec<Index>,
    pub indexes: Vec<Index>,
    /// The `CREATE TABLE` statement as MySQL should run it (for the migration).
    pub mysql_ddl: String,
    /// The file the table came from, for messages and migration names.
    pub source: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// The default as SQL text, e.g. `0`, `'a'`, `CURRENT_TIMESTAMP`.
    pub default: Option<String>,
    pub auto_increment: bool,
    /// `ON UPDATE CURRENT_TIMESTAMP`
    pub on_update_now: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
}

/// The column types MySQL users write, reduced to what decides the Rust type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SqlType {
    /// `tinyint(1)`, `bool`, `boolean`
    Bool,
    Int {
        bytes: u8,
        unsigned: bool,
    },
    Decimal {
        precision: Option<u64>,
        scale: Option<i64>,
    },
    Float,
    Double,
    /// char, varchar and text variants
    Text {
        max: Option<u64>,
    },
    Enum {
        values: Vec<String>,
    },
    Set {
        values: Vec<String>,
    },
    /// binary, varbinary, blob variants, bit
    Bytes,
    Date,
    DateTime,
    Timestamp,
    Time,
    Year,
    Json,
}
