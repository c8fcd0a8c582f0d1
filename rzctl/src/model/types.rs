//! How a column looks in Rust and in each database: the field type, the expression that
//! selects it so that both MySQL and SQLite decode it into that type, and its SQLite type.

use super::schema::{Column, SqlType};

/// The Rust type of a column's value (without `Option` for NULL).
pub fn rust_type(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Bool => "bool",
        SqlType::Int {
            bytes: 1,
            unsigned: false,
        } => "i8",
        SqlType::Int {
            bytes: 1,
            unsigned: true,
        } => "u8",
        SqlType::Int {
            bytes: 2,
            unsigned: false,
        } => "i16",
        SqlType::Int {
            bytes: 2,
            unsigned: true,
        } => "u16",
        SqlType::Int {
            bytes: 3 | 4,
            unsigned: false,
        } => "i32",
        SqlType::Int {
            bytes: 3 | 4,
            unsigned: true,
        } => "u32",
        // SQLite has no unsigned 64-bit integers; ids never reach 2^63 in practice.
        SqlType::Int { .. } | SqlType::Year => "i64",
        // sqlx reads MySQL's BIT only as bool or unsigned integers, and SQLite binds no u64;
        // the select list casts it to a signed integer, which holds up to 63 bits exactly
        // (BIT(64) keeps its bit pattern, as a negative number past 2^63).
        SqlType::Bits { .. } => "i64",
        // Exact decimals travel as text so that no digit is lost on either database.
        SqlType::Decimal { .. } => "String",
        SqlType::Float => "f32",
        SqlType::Double => "f64",
        SqlType::Text { .. } | SqlType::Enum { .. } | SqlType::Set { .. } => "String",
        SqlType::Bytes => "Vec<u8>",
        SqlType::Date => "chrono::NaiveDate",
        SqlType::DateTime => "chrono::NaiveDateTime",
        // MySQL hands TIMESTAMP back as an instant (sqlx reads it as UTC), DATETIME as a
        // wall-clock value; the types say which is which.
        SqlType::Timestamp => "chrono::DateTime<chrono::Utc>",
        SqlType::Time => "chrono::NaiveTime",
        SqlType::Json => "sqlx::types::Json<serde_json::Value>",
    }
}

/// The field type, `Option` for nullable columns.
pub fn field_type(column: &Column) -> String {
    let ty = rust_type(&column.ty);
    if column.nullable {
        format!("Option<{ty}>")
    } else {
        ty.to_owned()
    }
}

/// The select-list expression of a column: a cast where one database would otherwise hand
/// back a type the field cannot decode (unsigned big integers, bits, decimals, years).
pub fn select_expr(column: &Column) -> String {
    let name = quote(&column.name);
    match column.ty {
        SqlType::Int {
            bytes: 8,
            unsigned: true,
        }
        | SqlType::Bits { .. }
        | SqlType::Year => {
            format!("CAST({name} AS SIGNED INTEGER) AS {name}")
        }
        SqlType::Decimal { .. } => format!("CAST({name} AS CHAR) AS {name}"),
        _ => name,
    }
}

/// The column's type in SQLite. Decimals are stored as text: NUMERIC affinity would turn
/// `12.50` into the real number 12.5.
pub fn sqlite_type(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Bool | SqlType::Int { .. } | SqlType::Bits { .. } | SqlType::Year => "INTEGER",
        SqlType::Float | SqlType::Double => "REAL",
        SqlType::Bytes => "BLOB",
        SqlType::Decimal { .. }
        | SqlType::Text { .. }
        | SqlType::Enum { .. }
        | SqlType::Set { .. }
        | SqlType::Date
        | SqlType::DateTime
        | SqlType::Timestamp
        | SqlType::Time
        | SqlType::Json => "TEXT",
    }
}

/// How a method takes a value of the column (`&str` rather than `String`).
pub fn arg_type(column: &Column) -> String {
    match rust_type(&column.ty) {
        "String" => "&str".to_owned(),
        "Vec<u8>" => "&[u8]".to_owned(),
        "sqlx::types::Json<serde_json::Value>" => "&serde_json::Value".to_owned(),
        other => other.to_owned(),
    }
}

/// The `&str` element of a cache key made from argument `name` of [`arg_type`].
pub fn key_part(column: &Column, name: &str) -> String {
    match rust_type(&column.ty) {
        "String" => name.to_owned(),
        "Vec<u8>" => format!("&{name}.iter().map(|b| format!(\"{{b:02x}}\")).collect::<String>()"),
        _ => format!("&{name}.to_string()"),
    }
}

/// Whether values of the column's Rust type are `Copy` (bound by value, not by reference).
pub fn is_copy(column: &Column) -> bool {
    !matches!(
        rust_type(&column.ty),
        "String" | "Vec<u8>" | "sqlx::types::Json<serde_json::Value>"
    )
}

/// `name` as a quoted identifier; back quotes work on both MySQL and SQLite.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
