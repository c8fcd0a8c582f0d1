//! A MySQL table in SQLite's terms, for the embedded mode: the same columns, keys, defaults
//! and generated columns, with `ON UPDATE CURRENT_TIMESTAMP` kept by a trigger.

use super::schema::{Column, Index, SqlType, Table};
use super::types::{quote, sqlite_type};

/// The statements that create `table` in SQLite.
pub fn ddl(table: &Table) -> String {
    let mut out = create_table(table, &table.name, true);
    out.push_str(&indexes(table));
    out.push_str(&triggers(table));
    out
}

fn single_auto_pk(table: &Table) -> bool {
    table.primary_key.len() == 1
        && table
            .column(&table.primary_key[0])
            .is_some_and(|c| c.auto_increment && matches!(c.ty, SqlType::Int { .. }))
}

/// `CREATE TABLE name (...)` with `table`'s columns and primary key (its other keys are
/// indexes of their own, see [`indexes`]).
pub fn create_table(table: &Table, name: &str, if_not_exists: bool) -> String {
    let single_auto_pk = single_auto_pk(table);
    let mut lines = Vec::new();
    for column in &table.columns {
        let mut line = format!("  {} {}", quote(&column.name), sqlite_type(&column.ty));
        let is_pk =
            table.primary_key.len() == 1 && table.primary_key[0].eq_ignore_ascii_case(&column.name);
        if is_pk && single_auto_pk {
            line.push_str(" PRIMARY KEY AUTOINCREMENT");
        } else if !column.nullable {
            line.push_str(" NOT NULL");
        }
        if let Some(generated) = &column.generated {
            // A generated column has no default; MySQL's default kind is VIRTUAL too.
            line.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                generated.expr,
                if generated.stored {
                    "STORED"
                } else {
                    "VIRTUAL"
                }
            ));
        } else if let Some(default) = default_of(column) {
            line.push_str(&format!(" DEFAULT {default}"));
        }
        lines.push(line);
    }
    if !table.primary_key.is_empty() && !single_auto_pk {
        let cols: Vec<String> = table.primary_key.iter().map(|c| quote(c)).collect();
        lines.push(format!("  PRIMARY KEY ({})", cols.join(", ")));
    }
    format!(
        "CREATE TABLE {}{} (\n{}\n);\n",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        quote(name),
        lines.join(",\n")
    )
}

/// Index names are global in SQLite, so they carry the table's name.
fn index_name(table: &Table, index: &Index) -> String {
    quote(&format!("{}_{}", table.name, index.name))
}

/// `CREATE [UNIQUE] INDEX` for one key of `table`.
pub fn create_index(table: &Table, index: &Index, unique: bool) -> String {
    let cols: Vec<String> = index.columns.iter().map(|c| quote(c)).collect();
    format!(
        "CREATE {}INDEX IF NOT EXISTS {} ON {} ({});\n",
        if unique { "UNIQUE " } else { "" },
        index_name(table, index),
        quote(&table.name),
        cols.join(", ")
    )
}

pub fn drop_index(table: &Table, index: &Index) -> String {
    format!("DROP INDEX IF EXISTS {};\n", index_name(table, index))
}

/// Every key of `table` but the primary one.
pub fn indexes(table: &Table) -> String {
    let mut out = String::new();
    for (unique, indexes) in [(true, &table.unique_keys), (false, &table.indexes)] {
        for index in indexes {
            out.push_str(&create_index(table, index, unique));
        }
    }
    out
}

/// The triggers that stand in for `ON UPDATE CURRENT_TIMESTAMP`.
pub fn triggers(table: &Table) -> String {
    let name = quote(&table.name);
    let mut out = String::new();
    if !table.primary_key.is_empty() {
        let pk_match: Vec<String> = table
            .primary_key
            .iter()
            .map(|c| format!("{q} = NEW.{q}", q = quote(c)))
            .collect();
        for column in table.columns.iter().filter(|c| c.on_update_now) {
            let col = quote(&column.name);
            out.push_str(&format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE ON {name} FOR EACH ROW WHEN NEW.{col} = OLD.{col}\nBEGIN\n  UPDATE {name} SET {col} = {} WHERE {};\nEND;\n",
                quote(&format!("{}_{}_on_update", table.name, column.name)),
                now(&column.ty),
                pk_match.join(" AND ")
            ));
        }
    }
    out
}

/// SQLite's current time in the text form the column's Rust type is written in, so that
/// stored and defaulted values compare and sort alike: `DateTime<Utc>` (a `TIMESTAMP`) is
/// written as RFC 3339, `NaiveDateTime` as `YYYY-MM-DD HH:MM:SS`.
fn now(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Timestamp => "(strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))",
        _ => "CURRENT_TIMESTAMP",
    }
}

/// The column's default in SQLite, or `None` when it has none there (MySQL-only
/// expressions are dropped).
pub fn default_of(column: &Column) -> Option<String> {
    sqlite_default(column.default.as_deref()?, &column.ty)
}

/// A MySQL default SQLite understands, or `None` for MySQL-only expressions.
fn sqlite_default(default: &str, ty: &SqlType) -> Option<String> {
    let upper = default.to_ascii_uppercase();
    // A bit-value literal, `b'101'`: its number.
    if let Some(bits) = upper
        .strip_prefix("B'")
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return u64::from_str_radix(bits, 2).ok().map(|n| n.to_string());
    }
    // Decimals are stored as text (see `sqlite_type`); an unquoted default would be stored
    // as a REAL, `0.00` as `0.0`.
    if matches!(ty, SqlType::Decimal { .. }) && default.parse::<f64>().is_ok() {
        return Some(format!("'{default}'"));
    }
    if upper == "NULL" {
        return Some("NULL".to_owned());
    }
    if upper.starts_with("CURRENT_TIMESTAMP") || upper.starts_with("NOW(") {
        return Some(now(ty).to_owned());
    }
    if upper == "TRUE" {
        return Some("1".to_owned());
    }
    if upper == "FALSE" {
        return Some("0".to_owned());
    }
    if default.starts_with('\'') && default.ends_with('\'') && default.len() >= 2 {
        return Some(default.to_owned());
    }
    default.parse::<f64>().is_ok().then(|| default.to_owned())
}
