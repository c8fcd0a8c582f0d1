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
    /// Plain (and full-text) indexes.
    pub indexes: Vec<Index>,
    /// The statements, as written (a schema qualifier removed), that make the table what the
    /// DDL leaves it: the `CREATE TABLE` and any `CREATE INDEX`/`ALTER TABLE`/`DROP INDEX`
    /// after it. The MySQL migration of a new table runs them.
    pub statements: Vec<String>,
    /// The file the table came from, for messages and migration names.
    pub source: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Unique keys and indexes alike.
    pub fn all_indexes(&self) -> impl Iterator<Item = &Index> {
        self.unique_keys.iter().chain(&self.indexes)
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
    /// A generated (computed) column: the database writes it, models only read it.
    pub generated: Option<Generated>,
    /// The definition as written, without inline `PRIMARY KEY`/`UNIQUE` (those are keys of
    /// the table here): what `ALTER TABLE ... ADD COLUMN` and `MODIFY COLUMN` repeat.
    pub definition: String,
    /// The definition in one spelling (sqlparser's, name and inline keys left out), which
    /// tells whether a column changed whatever the case and spacing it was written in.
    pub canonical: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generated {
    /// The expression, as sqlparser prints it (also valid SQLite for plain arithmetic and
    /// the functions both databases share).
    pub expr: String,
    pub stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    /// The key as `ALTER TABLE ... ADD` takes it, e.g. `` UNIQUE KEY `name_unique` (`name`) ``.
    pub definition: String,
    /// Kind, name and columns in one spelling, to tell whether a key changed.
    pub canonical: String,
}

/// The column types MySQL users write, reduced to what decides the Rust type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SqlType {
    /// `tinyint(1)`, `bool`, `boolean`, `bit(1)`
    Bool,
    Int {
        bytes: u8,
        unsigned: bool,
    },
    /// `bit(n)` for n > 1: up to 64 bits, read as a number.
    Bits {
        width: u64,
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
    /// binary, varbinary, blob variants
    Bytes,
    Date,
    DateTime,
    Timestamp,
    Time,
    Year,
    Json,
}
