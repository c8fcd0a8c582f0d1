//! Migrations are append-only history. A database remembers every migration it ran with a
//! checksum (sqlx refuses to start when a file it ran has changed), so a migration, once
//! written, is never rewritten: rzctl reads what the MySQL migrations already on disk make of
//! the tables (the same DDL reader, following `CREATE`, `ALTER` and `DROP`), compares that
//! with the DDL, and writes the difference as the next numbered migration, the same version
//! for MySQL and SQLite:
//!
//! - a new table: its statements as written (MySQL), its translation (SQLite);
//! - a changed table: one `ALTER TABLE` with every column and key change (MySQL); for
//!   SQLite, which alters little in place, the table rebuilt and its rows copied over, or
//!   only `CREATE`/`DROP INDEX` when only keys changed;
//! - a table gone from the DDL: `DROP TABLE` (tables a migration of the user's own created
//!   are the user's and stay).
//!
//! Versions only grow, whatever tables come and go. What rzctl will not guess (a changed
//! primary key, a NOT NULL date added to rows that have none) it refuses, saying what to do.

use super::ddl::{History, Mode, Schema};
use super::schema::{Column, Index, SqlType, Table};
use super::sqlite;
use super::types::quote;
use crate::diag::SourceFile;
use crate::emit::writer::GENERATED_MARKER;
use heck::ToSnakeCase;
use std::collections::BTreeMap;

/// A migration file already on disk.
#[derive(Debug, Clone)]
pub struct Found {
    pub version: i64,
    /// `0002_all_types.sql`
    pub file_name: String,
    /// The path messages show.
    pub path: String,
    pub text: String,
}

/// The migration files already on disk, per kind of database.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub mysql: Vec<Found>,
    pub sqlite: Vec<Found>,
}

/// A migration to write: the same version and name in both folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMigration {
    /// `0003_alter_user`
    pub stem: String,
    pub mysql: String,
    pub sqlite: String,
}

#[derive(Debug, Default)]
pub struct MigrationPlan {
    pub new: Vec<NewMigration>,
    /// The newest migration once these are written, e.g. `0004_alter_user`.
    pub latest: Option<String>,
    /// What the user should know: dropped tables and columns, statements not followed.
    pub notes: Vec<String>,
    /// With a reset: the files (`mysql/0003_x.sql`) that go because nothing replaces them.
    pub removed: Vec<String>,
}

/// The version of a file name sqlx runs (`<VERSION>_<DESCRIPTION>.sql`), or why it is
/// not one; `None` for files sqlx skips.
pub fn version_of(file_name: &str) -> Option<Result<i64, String>> {
    let (version, rest) = file_name.split_once('_')?;
    if !rest.ends_with(".sql") || rest.ends_with(".down.sql") {
        return None;
    }
    Some(version.parse::<i64>().map_err(|_| {
        format!("migration file `{file_name}` does not start with a version number, which sqlx needs (e.g. `0001_user.sql`)")
    }))
}

fn header(source: &str) -> String {
    format!("-- {GENERATED_MARKER} from {source}. DO NOT EDIT.\n")
}

/// The migrations that take a database from what `existing` produces to `tables`.
pub fn plan(
    existing: &Existing,
    tables: &[Table],
    source: &str,
    reset: bool,
) -> Result<MigrationPlan, Vec<String>> {
    let mut errors = Vec::new();
    for (kind, files) in [("mysql", &existing.mysql), ("sqlite", &existing.sqlite)] {
        let mut seen: BTreeMap<i64, &str> = BTreeMap::new();
        for file in files {
            if let Some(other) = seen.insert(file.version, &file.file_name) {
                errors.push(format!(
                    "migrations/{kind} has two migrations numbered {}: {other} and {}; a database runs each version once, so give one of them the next free number (or, before any database ran them, run with --reset-migrations)",
                    file.version, file.file_name
                ));
            }
        }
        if reset {
            for file in files.iter().filter(|f| !f.text.contains(GENERATED_MARKER)) {
                errors.push(format!(
                    "{} is a migration of your own; --reset-migrations rewrites rzctl's migrations from scratch and would run it on a schema it was not written for: move it out of the folder first",
                    file.path
                ));
            }
        }
    }
    if !reset {
        let versions = |files: &[Found]| -> Vec<i64> {
            let mut v: Vec<i64> = files.iter().map(|f| f.version).collect();
            v.sort_unstable();
            v
        };
        let (mysql, sqlite) = (versions(&existing.mysql), versions(&existing.sqlite));
        for (here, there, other) in [(&mysql, &sqlite, "sqlite"), (&sqlite, &mysql, "mysql")] {
            for version in here.iter().filter(|v| !there.contains(v)) {
                errors.push(format!(
                    "migration {version:04} is in migrations/{} but not in migrations/{other}: the models run on both databases, so each version needs both files (an empty one will do)",
                    if other == "sqlite" { "mysql" } else { "sqlite" }
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if reset || existing.mysql.is_empty() {
        return Ok(from_scratch(existing, tables, reset));
    }

    let mut mysql: Vec<&Found> = existing.mysql.iter().collect();
    mysql.sort_by_key(|f| f.version);
    let mut schema = Schema::new(Mode::History);
    for found in &mysql {
        let file = SourceFile::new(found.path.clone(), found.text.clone());
        schema.read_migration(&file, found.text.contains(GENERATED_MARKER));
    }
    let history = schema.into_history();
    let mut next = mysql.last().map_or(1, |f| f.version + 1);
    let mut out = MigrationPlan {
        notes: history.notes.clone(),
        latest: mysql.last().map(|f| stem_of(&f.file_name)),
        ..MigrationPlan::default()
    };
    let mut push = |out: &mut MigrationPlan, stem: String, mysql: String, sqlite: String| {
        let stem = format!("{next:04}_{stem}");
        next += 1;
        out.latest = Some(stem.clone());
        out.new.push(NewMigration {
            stem: stem.clone(),
            mysql,
            sqlite,
        });
        stem
    };
    for table in tables {
        let key = table.name.to_lowercase();
        if let Some(reason) = history.broken.get(&key) {
            errors.push(format!(
                "cannot tell what the migrations make of table `{}`: {reason}; correct that migration (a database that ran it keeps its checksum, so only before one did), or write the next migration yourself so that rzctl can follow it",
                table.name
            ));
            continue;
        }
        match find(&history, &table.name) {
            None => {
                let (mysql, sqlite) = create(table);
                push(&mut out, table.name.to_snake_case(), mysql, sqlite);
            }
            Some(old) => match alter(old, table) {
                Ok(None) => {}
                Ok(Some(change)) => {
                    let stem = push(
                        &mut out,
                        format!("alter_{}", table.name.to_snake_case()),
                        change.mysql,
                        change.sqlite,
                    );
                    for column in &change.dropped_columns {
                        out.notes.push(format!(
                            "migration {stem} drops column `{}.{column}` and its values; if you renamed it, delete that migration, write the rename as one of your own (ALTER TABLE {} RENAME COLUMN ...) and run rzctl again",
                            table.name, table.name
                        ));
                    }
                }
                Err(refused) => errors.push(refused),
            },
        }
    }
    for old in &history.tables {
        let key = old.name.to_lowercase();
        let kept = tables
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&old.name));
        if kept || history.foreign.contains(&key) {
            continue;
        }
        let drop = format!("DROP TABLE IF EXISTS {};\n", quote(&old.name));
        let stem = push(
            &mut out,
            format!("drop_{}", old.name.to_snake_case()),
            format!("{}{drop}", header(source)),
            format!("{}{drop}", header(source)),
        );
        out.notes.push(format!(
            "migration {stem} drops table `{}` and its rows, since the DDL no longer creates it; if you renamed it, delete that migration, write the rename as one of your own (ALTER TABLE {} RENAME TO ...) and run rzctl again",
            old.name, old.name
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn stem_of(file_name: &str) -> String {
    file_name.trim_end_matches(".sql").to_owned()
}

fn find<'h>(history: &'h History, name: &str) -> Option<&'h Table> {
    history
        .tables
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(name))
}

/// One migration per table, numbered from 1: a first run, or a reset.
fn from_scratch(existing: &Existing, tables: &[Table], reset: bool) -> MigrationPlan {
    let mut out = MigrationPlan::default();
    for (n, table) in tables.iter().enumerate() {
        let (mysql, sqlite) = create(table);
        let stem = format!("{:04}_{}", n + 1, table.name.to_snake_case());
        out.latest = Some(stem.clone());
        out.new.push(NewMigration {
            stem,
            mysql,
            sqlite,
        });
    }
    if reset {
        for (kind, files) in [("mysql", &existing.mysql), ("sqlite", &existing.sqlite)] {
            for file in files {
                if !out
                    .new
                    .iter()
                    .any(|m| format!("{}.sql", m.stem) == file.file_name)
                {
                    out.removed.push(format!("{kind}/{}", file.file_name));
                }
            }
        }
        if !existing.mysql.is_empty() {
            out.notes.push("the migrations were rewritten from scratch: a database that ran the old ones fails at start-up (sqlx's checksums); drop and recreate it".to_owned());
        }
    }
    out
}

/// A new table's migrations: its statements as written, and its SQLite translation.
fn create(table: &Table) -> (String, String) {
    let mut mysql = header(&table.source);
    for statement in &table.statements {
        mysql.push_str(statement);
        mysql.push_str(";\n");
    }
    (
        mysql,
        format!("{}{}", header(&table.source), sqlite::ddl(table)),
    )
}

/// What changed in a table, as the statements of each database.
struct Change {
    mysql: String,
    sqlite: String,
    dropped_columns: Vec<String>,
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn alter(old: &Table, new: &Table) -> Result<Option<Change>, String> {
    let pk = |t: &Table| {
        t.primary_key
            .iter()
            .map(|c| c.to_lowercase())
            .collect::<Vec<_>>()
    };
    if pk(old) != pk(new) {
        return Err(format!(
            "the primary key of `{}` changes from ({}) to ({}), which rzctl does not migrate (rows must keep their keys); write that migration yourself as the next version in migrations/mysql and migrations/sqlite, then run rzctl again (in development, --reset-migrations starts the migrations over)",
            new.name,
            old.primary_key.join(", "),
            new.primary_key.join(", ")
        ));
    }
    let dropped: Vec<&Column> = old
        .columns
        .iter()
        .filter(|c| new.column(&c.name).is_none())
        .collect();
    let added: Vec<(usize, &Column)> = new
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| old.column(&c.name).is_none())
        .collect();
    let modified: Vec<&Column> = new
        .columns
        .iter()
        .filter(|c| {
            old.column(&c.name)
                .is_some_and(|o| o.canonical != c.canonical)
        })
        .collect();
    let index_of = |t: &Table, name: &str| t.all_indexes().find(|i| same(&i.name, name)).cloned();
    let gone_keys: Vec<&Index> = old
        .all_indexes()
        .filter(|i| index_of(new, &i.name).is_none_or(|n| n.canonical != i.canonical))
        .collect();
    let new_keys: Vec<&Index> = new
        .all_indexes()
        .filter(|i| index_of(old, &i.name).is_none_or(|o| o.canonical != i.canonical))
        .collect();
    if dropped.is_empty()
        && added.is_empty()
        && modified.is_empty()
        && gone_keys.is_empty()
        && new_keys.is_empty()
    {
        return Ok(None);
    }
    for (_, column) in &added {
        if !column.nullable
            && column.default.is_none()
            && column.generated.is_none()
            && !column.auto_increment
            && implicit_value(&column.ty).is_none()
        {
            return Err(format!(
                "column `{}.{}` is added NOT NULL without a DEFAULT, and the rows already there would get no {} value both databases read back; give it a DEFAULT (or let it be NULL) and run rzctl again",
                new.name,
                column.name,
                type_word(&column.ty)
            ));
        }
    }

    let mut ops = Vec::new();
    let mut summary = Vec::new();
    for key in &gone_keys {
        ops.push(format!("DROP INDEX {}", quote(&key.name)));
        summary.push(format!("drops key {}", quote(&key.name)));
    }
    for column in &dropped {
        ops.push(format!("DROP COLUMN {}", quote(&column.name)));
        summary.push(format!("drops column {}", quote(&column.name)));
    }
    for (at, column) in &added {
        let position = match at.checked_sub(1).and_then(|i| new.columns.get(i)) {
            Some(previous) => format!("AFTER {}", quote(&previous.name)),
            None => "FIRST".to_owned(),
        };
        ops.push(format!(
            "ADD COLUMN {} {} {position}",
            quote(&column.name),
            column.definition
        ));
        summary.push(format!("adds column {}", quote(&column.name)));
    }
    for column in &modified {
        ops.push(format!(
            "MODIFY COLUMN {} {}",
            quote(&column.name),
            column.definition
        ));
        summary.push(format!("changes column {}", quote(&column.name)));
    }
    for key in &new_keys {
        ops.push(format!("ADD {}", key.definition));
        summary.push(format!("adds key {}", quote(&key.name)));
    }
    let comment = format!("-- {}: {}.\n", quote(&new.name), summary.join(", "));
    let mysql = format!(
        "{}{comment}ALTER TABLE {}\n  {};\n",
        header(&new.source),
        quote(&new.name),
        ops.join(",\n  ")
    );

    let columns_changed = !(dropped.is_empty() && added.is_empty() && modified.is_empty());
    let mut sqlite_sql = format!("{}{comment}", header(&new.source));
    if columns_changed {
        sqlite_sql.push_str(&rebuild(old, new));
    } else {
        for key in &gone_keys {
            sqlite_sql.push_str(&sqlite::drop_index(new, key));
        }
        for key in &new_keys {
            let unique = new.unique_keys.iter().any(|k| same(&k.name, &key.name));
            sqlite_sql.push_str(&sqlite::create_index(new, key, unique));
        }
    }
    Ok(Some(Change {
        mysql,
        sqlite: sqlite_sql,
        dropped_columns: dropped.iter().map(|c| c.name.clone()).collect(),
    }))
}

/// SQLite changes columns by building the table anew and copying the rows (its
/// `ALTER TABLE` cannot change a column, nor add one with a non-constant default or a key).
fn rebuild(old: &Table, new: &Table) -> String {
    let temporary = format!("_rzctl_new_{}", new.name);
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in new.columns.iter().filter(|c| c.generated.is_none()) {
        match old.column(&column.name) {
            Some(before) if before.generated.is_none() => {
                columns.push(quote(&column.name));
                values.push(quote(&before.name));
            }
            // A new column takes its default; NOT NULL without one (in SQLite) gets what
            // MySQL gives the rows that exist (0, '', the first enum member).
            _ if !column.nullable
                && sqlite::default_of(column).is_none()
                && !column.auto_increment =>
            {
                if let Some(value) = implicit_value(&column.ty) {
                    columns.push(quote(&column.name));
                    values.push(value);
                }
            }
            _ => {}
        }
    }
    let mut out = sqlite::create_table(new, &temporary, false);
    if !columns.is_empty() {
        out.push_str(&format!(
            "INSERT INTO {} ({}) SELECT {} FROM {};\n",
            quote(&temporary),
            columns.join(", "),
            values.join(", "),
            quote(&old.name)
        ));
    }
    out.push_str(&format!("DROP TABLE {};\n", quote(&old.name)));
    out.push_str(&format!(
        "ALTER TABLE {} RENAME TO {};\n",
        quote(&temporary),
        quote(&new.name)
    ));
    out.push_str(&sqlite::indexes(new));
    out.push_str(&sqlite::triggers(new));
    out
}

/// The value MySQL gives existing rows for a NOT NULL column added without a default, as
/// SQLite text; `None` where that value is one no model reads (zero dates, JSON).
fn implicit_value(ty: &SqlType) -> Option<String> {
    match ty {
        SqlType::Bool
        | SqlType::Int { .. }
        | SqlType::Bits { .. }
        | SqlType::Year
        | SqlType::Float
        | SqlType::Double => Some("0".to_owned()),
        SqlType::Decimal { scale, .. } => Some(match scale {
            // MySQL allows a scale of 30 at most; the DDL's number is not trusted further.
            Some(scale) if *scale > 0 => format!("'0.{}'", "0".repeat((*scale).min(30) as usize)),
            _ => "'0'".to_owned(),
        }),
        SqlType::Text { .. } | SqlType::Set { .. } => Some("''".to_owned()),
        SqlType::Enum { values } => values
            .first()
            .map(|v| format!("'{}'", v.replace('\'', "''"))),
        SqlType::Bytes => Some("X''".to_owned()),
        SqlType::Date | SqlType::DateTime | SqlType::Timestamp | SqlType::Time | SqlType::Json => {
            None
        }
    }
}

fn type_word(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Json => "JSON",
        SqlType::Time => "time",
        _ => "date",
    }
}
