//! [`Table`]s to the files of a model: per table a generated `<table>_model_gen.rs` (row
//! struct, model type, go-zero's methods) and a `<table>_model.rs` of the user's, a generated
//! `mod.rs`, and the schema as sqlx migrations for MySQL and SQLite.

use super::migrate::{self, Existing};
use super::schema::{Column, Index, Table};
use super::types::{arg_type, field_type, is_copy, key_part, quote, select_expr};
use crate::api::service::RzeroDep;
use crate::emit::templates::{TemplateError, Templates};
use crate::emit::{FileKind, Output, format};
use heck::{ToPascalCase, ToSnakeCase};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Columns the database fills itself, left out of inserts and updates (go-zero's defaults).
pub const DEFAULT_IGNORED: &[&str] = &[
    "create_at",
    "created_at",
    "create_time",
    "update_at",
    "updated_at",
    "update_time",
];

/// Where the models go.
#[derive(Debug, Clone)]
pub enum Layout {
    /// A library crate of its own at the output folder.
    Crate { package: String, rzero: RzeroDep },
    /// A module folder inside an existing crate; `module_dir` relative to the crate's root.
    Module { module_dir: PathBuf },
}

/// The cache key prefix without `--prefix`: go-zero's.
pub const DEFAULT_PREFIX: &str = "cache";

#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Models read through the cache; without, straight from the database.
    pub cache: bool,
    /// The cache key prefix (`--prefix`): the models' keys start with it unless the cache
    /// config sets one.
    pub prefix: String,
    pub ignore_columns: Vec<String>,
    pub layout: Layout,
    /// What the headers say the models came from, e.g. `sql/*.sql`.
    pub source: String,
    /// The migrations already written (see [`migrations_dir`]): history the next one follows.
    pub migrations: Existing,
    /// Start the migrations over, one per table (development only).
    pub reset_migrations: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot generate models:\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Tables(Vec<String>),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Format(#[from] format::FormatError),
}

#[derive(Debug, Serialize)]
struct FieldCtx {
    ident: String,
    ty: String,
    rename: Option<String>,
    /// The column's comment as doc-comment lines.
    comment: Vec<String>,
}

#[derive(Debug, Serialize)]
struct KeyCtx {
    /// `find_one` or `find_one_by_mobile`.
    finder: String,
    /// `id_key` or `mobile_key`.
    key_fn: String,
    /// `id: i64` or `a: &str, b: i64`.
    params: String,
    /// The same names, to pass on: `id` or `a, b`.
    args: String,
    /// Statements binding the arguments, e.g. `.bind(id)`.
    binds: String,
    /// The `&[...]` of the cache key's parts.
    key_parts: String,
    /// Owned copies of the arguments for closures that outlive the call: `let a = a.to_owned();`.
    owned: String,
    /// `WHERE` clause text.
    condition: String,
    /// `row.id` or `(&row.a, row.b)` as arguments of the key function, from a row.
    from_row: String,
    /// Null checks that must hold for the row to have this key (nullable unique columns).
    when: Option<String>,
    /// The key's values as an owned tuple: its type, built from a row, and as a pattern.
    tuple_ty: String,
    tuple_from_row: String,
    tuple_pat: String,
    /// Arguments of the key function from the tuple pattern matched by reference.
    tuple_call: String,
}

#[derive(Debug, Serialize)]
struct TableCtx {
    table: String,
    /// The file stem: `user` of `user_model_gen.rs`.
    stem: String,
    table_q: String,
    struct_name: String,
    model: String,
    /// The table comment's first line, for the module header.
    summary: Option<String>,
    comment: Vec<String>,
    fields: Vec<FieldCtx>,
    select_list: String,
    pk: KeyCtx,
    uniques: Vec<KeyCtx>,
    insert_sql: String,
    insert_binds: String,
    /// The id an insert returns, when the key is one auto-increment column.
    auto_id: bool,
    /// The Rust type of that column, which `insert` returns.
    auto_id_type: String,
    update_sql: Option<String>,
    update_binds: String,
    delete_sql: String,
}

#[derive(Debug, Serialize)]
struct ModelsCtx<'a> {
    rzctl_version: &'a str,
    source: &'a str,
    cached: bool,
    prefix: &'a str,
    tables: Vec<TableCtx>,
    /// The migration folders relative to the crate root, for `sqlx::migrate!`.
    mysql_migrations: String,
    sqlite_migrations: String,
    /// The newest migration, e.g. `0003_alter_user`.
    latest_migration: String,
    package: String,
    rzero_dep: String,
}

#[derive(Debug, Serialize)]
struct OneTable<'a> {
    #[serde(flatten)]
    models: &'a ModelsCtx<'a>,
    t: &'a TableCtx,
}

/// A SQL comment as doc-comment lines: any line break splits it, and control characters
/// (a lone carriage return is an error in a Rust doc comment) are dropped.
fn doc_lines(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last].to_vec()
}

fn ident(name: &str) -> String {
    let snake = name.to_snake_case();
    match snake.as_str() {
        "type" | "match" | "ref" | "mod" | "use" | "fn" | "in" | "for" | "loop" | "move"
        | "static" | "struct" | "trait" | "where" | "while" | "as" | "break" | "const"
        | "continue" | "crate" | "else" | "enum" | "extern" | "false" | "if" | "impl" | "let"
        | "pub" | "return" | "true" | "unsafe" | "async" | "await" | "dyn" | "gen" | "yield"
        | "box" | "abstract" | "become" | "do" | "final" | "macro" | "override" | "priv"
        | "typeof" | "unsized" | "virtual" | "try" => format!("r#{snake}"),
        "self" | "super" | "Self" => format!("{snake}_"),
        _ if snake.starts_with(|c: char| c.is_ascii_digit()) => format!("_{snake}"),
        _ => snake,
    }
}

fn key_ctx(table: &Table, columns: &[&Column], finder: String, key_fn: String) -> KeyCtx {
    let names: Vec<String> = columns.iter().map(|c| ident(&c.name)).collect();
    let params = columns
        .iter()
        .zip(&names)
        .map(|(c, n)| format!("{n}: {}", arg_type(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut parts: Vec<String> = vec![format!("{:?}", table.name)];
    parts.extend(columns.iter().map(|c| format!("{:?}", c.name)));
    let value_parts: Vec<String> = columns
        .iter()
        .zip(&names)
        .map(|(c, n)| key_part(c, n))
        .collect();
    parts.extend(value_parts);
    let owned = columns
        .iter()
        .zip(&names)
        .filter(|(c, _)| arg_type(c).starts_with('&'))
        .map(|(c, n)| {
            if arg_type(c) == "&serde_json::Value" {
                format!("let {n} = sqlx::types::Json({n}.clone());")
            } else {
                format!("let {n} = {n}.to_owned();")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let from_row = columns
        .iter()
        .map(|c| {
            let field = format!("row.{}", ident(&c.name));
            let by_ref = arg_type(c).starts_with('&');
            match (c.nullable, by_ref) {
                (true, true) => format!("{field}.as_deref().unwrap_or_default()"),
                (true, false) => format!("{field}.unwrap_or_default()"),
                (false, true) => format!("&{field}"),
                (false, false) => field,
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let nullable: Vec<String> = columns
        .iter()
        .filter(|c| c.nullable)
        .map(|c| format!("row.{}.is_some()", ident(&c.name)))
        .collect();
    let owned_ty = |c: &Column| match arg_type(c).as_str() {
        "&str" => "String".to_owned(),
        "&[u8]" => "Vec<u8>".to_owned(),
        "&serde_json::Value" => "sqlx::types::Json<serde_json::Value>".to_owned(),
        other => other.to_owned(),
    };
    let tuple = |items: Vec<String>| {
        if items.len() == 1 {
            format!("({},)", items[0])
        } else {
            format!("({})", items.join(", "))
        }
    };
    let tuple_ty = tuple(columns.iter().map(|c| owned_ty(c)).collect());
    let tuple_from_row = tuple(
        columns
            .iter()
            .map(|c| {
                let field = format!("row.{}", ident(&c.name));
                if arg_type(c).starts_with('&') {
                    format!("{field}.clone()")
                } else {
                    field
                }
            })
            .collect(),
    );
    let tuple_pat = tuple(names.clone());
    let tuple_call = columns
        .iter()
        .zip(&names)
        .map(|(c, n)| {
            if arg_type(c).starts_with('&') {
                n.clone()
            } else {
                format!("*{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    KeyCtx {
        tuple_call,
        tuple_ty,
        tuple_from_row,
        tuple_pat,
        finder,
        key_fn,
        params,
        args: names.join(", "),
        binds: names
            .iter()
            .map(|n| format!(".bind({n})"))
            .collect::<String>(),
        key_parts: format!("&[{}]", parts.join(", ")),
        owned,
        condition: columns
            .iter()
            .map(|c| format!("{} = ?", quote(&c.name)))
            .collect::<Vec<_>>()
            .join(" AND "),
        from_row,
        when: (!nullable.is_empty()).then(|| nullable.join(" && ")),
    }
}

fn index_ctx(table: &Table, index: &Index) -> KeyCtx {
    let columns: Vec<&Column> = index
        .columns
        .iter()
        .filter_map(|c| table.column(c))
        .collect();
    let suffix = index
        .columns
        .iter()
        .map(|c| c.to_snake_case())
        .collect::<Vec<_>>()
        .join("_and_");
    key_ctx(
        table,
        &columns,
        format!("find_one_by_{suffix}"),
        format!("{suffix}_key"),
    )
}

fn table_ctx(table: &Table, options: &ModelOptions) -> TableCtx {
    let ignored = |c: &Column| {
        options
            .ignore_columns
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&c.name))
    };
    let pk_columns: Vec<&Column> = table
        .primary_key
        .iter()
        .filter_map(|c| table.column(c))
        .collect();
    let pk_suffix = table
        .primary_key
        .iter()
        .map(|c| c.to_snake_case())
        .collect::<Vec<_>>()
        .join("_and_");
    let pk = key_ctx(
        table,
        &pk_columns,
        "find_one".to_owned(),
        format!("{pk_suffix}_key"),
    );
    let auto_id = pk_columns.len() == 1 && pk_columns[0].auto_increment;
    let is_pk = |c: &Column| {
        table
            .primary_key
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&c.name))
    };
    let bind_of = |c: &Column| {
        if is_copy(c) {
            format!(".bind(data.{})", ident(&c.name))
        } else {
            format!(".bind(&data.{})", ident(&c.name))
        }
    };
    // The database fills auto-increment, ignored and generated columns; MySQL refuses a
    // value for a generated one.
    let written = |c: &&Column| !c.auto_increment && !ignored(c) && c.generated.is_none();
    let insertable: Vec<&Column> = table.columns.iter().filter(written).collect();
    let updatable: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| !is_pk(c) && written(c))
        .collect();
    let names = |cols: &[&Column]| {
        cols.iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pk_binds: String = pk_columns.iter().map(|c| bind_of(c)).collect();
    TableCtx {
        table: table.name.clone(),
        stem: table.name.to_snake_case(),
        table_q: quote(&table.name),
        struct_name: table.name.to_pascal_case(),
        model: format!("{}Model", table.name.to_pascal_case()),
        summary: table
            .comment
            .as_deref()
            .map(doc_lines)
            .and_then(|l| l.into_iter().next()),
        comment: table.comment.as_deref().map(doc_lines).unwrap_or_default(),
        fields: table
            .columns
            .iter()
            .map(|c| {
                let id = ident(&c.name);
                FieldCtx {
                    rename: (id.trim_start_matches("r#") != c.name).then(|| c.name.clone()),
                    ident: id,
                    ty: field_type(c),
                    comment: c.comment.as_deref().map(doc_lines).unwrap_or_default(),
                }
            })
            .collect(),
        select_list: table
            .columns
            .iter()
            .map(select_expr)
            .collect::<Vec<_>>()
            .join(", "),
        uniques: distinct_unique_keys(table)
            .into_iter()
            .map(|u| index_ctx(table, u))
            .collect(),
        pk,
        insert_sql: match table.columns.iter().find(|c| c.auto_increment) {
            // Nothing to write but the id to number: `() VALUES ()` is MySQL's spelling and
            // `DEFAULT VALUES` SQLite's; a NULL id is numbered by both.
            Some(auto) if insertable.is_empty() => format!(
                "INSERT INTO {} ({}) VALUES (NULL)",
                quote(&table.name),
                quote(&auto.name)
            ),
            _ => format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(&table.name),
                names(&insertable),
                vec!["?"; insertable.len()].join(", ")
            ),
        },
        insert_binds: insertable.iter().map(|c| bind_of(c)).collect(),
        auto_id,
        auto_id_type: pk_columns
            .first()
            .map(|c| field_type(c))
            .unwrap_or_default(),
        update_sql: (!updatable.is_empty()).then(|| {
            format!(
                "UPDATE {} SET {} WHERE {}",
                quote(&table.name),
                updatable
                    .iter()
                    .map(|c| format!("{} = ?", quote(&c.name)))
                    .collect::<Vec<_>>()
                    .join(", "),
                pk_columns
                    .iter()
                    .map(|c| format!("{} = ?", quote(&c.name)))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            )
        }),
        update_binds: updatable.iter().map(|c| bind_of(c)).collect::<String>() + &pk_binds,
        delete_sql: format!(
            "DELETE FROM {} WHERE {}",
            quote(&table.name),
            pk_columns
                .iter()
                .map(|c| format!("{} = ?", quote(&c.name)))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
    }
}

/// The files for `tables`, formatted, in a stable order. `root` is the output folder: the
/// crate (for [`Layout::Crate`]) or the module folder.
/// The unique keys that need a finder of their own: one that repeats the primary key's
/// columns, or another unique key's, adds nothing (and would define the same method twice).
fn distinct_unique_keys(table: &Table) -> Vec<&Index> {
    let same = |a: &[String], b: &[String]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    let mut out: Vec<&Index> = Vec::new();
    for key in &table.unique_keys {
        if !same(&key.columns, &table.primary_key)
            && !out.iter().any(|k| same(&k.columns, &key.columns))
        {
            out.push(key);
        }
    }
    out
}

/// Tables whose models could not run on both databases.
fn shape_problems(table: &Table, options: &ModelOptions) -> Vec<String> {
    let mut problems = Vec::new();
    for column in table.columns.iter().filter(|c| c.auto_increment) {
        let only_key =
            table.primary_key.len() == 1 && table.primary_key[0].eq_ignore_ascii_case(&column.name);
        if !only_key {
            problems.push(format!(
                "{}: column `{}.{}` is AUTO_INCREMENT but not the table's only primary key column; SQLite numbers only an INTEGER PRIMARY KEY, so the models could not insert there",
                table.source, table.name, column.name
            ));
        }
    }
    let ignored = |c: &Column| {
        options
            .ignore_columns
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&c.name))
    };
    let writes_something = table
        .columns
        .iter()
        .any(|c| c.auto_increment || (!ignored(c) && c.generated.is_none()));
    if !writes_something {
        problems.push(format!(
            "{}: an insert into `{}` would write no column (every one is ignored or generated, none auto-increments); leave one out of --ignore-columns",
            table.source, table.name
        ));
    }
    problems
}

/// Names rzctl cannot carry into Rust code and file names: MySQL allows almost anything
/// between back quotes, the generated code does not.
fn name_problems(table: &Table) -> Vec<String> {
    let mut problems = Vec::new();
    let plain = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    let rust_ident = |name: &str| syn::parse_str::<syn::Ident>(name).is_ok();
    if !plain(&table.name) || !rust_ident(&table.name.to_pascal_case()) {
        problems.push(format!(
            "{}: table `{}` cannot be named in Rust; expected letters, digits and `_`",
            table.source, table.name
        ));
        return problems;
    }
    let mut fields: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for column in &table.columns {
        let field = ident(&column.name);
        if !plain(&column.name) || !rust_ident(&field) {
            problems.push(format!(
                "{}: column `{}.{}` cannot be named in Rust; expected letters, digits and `_`",
                table.source, table.name, column.name
            ));
        } else if let Some(other) = fields.insert(field.clone(), &column.name) {
            problems.push(format!(
                "{}: columns `{}.{other}` and `{}.{}` both become the field `{field}`",
                table.source, table.name, table.name, column.name
            ));
        }
    }
    problems
}

/// What a run produces: the files, what the user should know, and the migration files a
/// reset leaves without a successor (paths relative to the output folder).
#[derive(Debug)]
pub struct Plan {
    pub outputs: Vec<Output>,
    pub notes: Vec<String>,
    pub removed: Vec<PathBuf>,
}

pub fn plan(
    tables: &[Table],
    options: &ModelOptions,
    templates: &Templates,
    root: &Path,
) -> Result<Plan, ModelError> {
    let mut errors: Vec<String> = tables.iter().flat_map(name_problems).collect();
    errors.extend(tables.iter().flat_map(|t| shape_problems(t, options)));
    if options.prefix.is_empty()
        || options.prefix.contains(['"', '\\'])
        || options.prefix.chars().any(char::is_control)
    {
        errors.push(format!(
            "--prefix `{}`: expected a non-empty cache key prefix without quotes or backslashes",
            options.prefix
        ));
    }
    let mut seen = std::collections::BTreeMap::new();
    for table in tables {
        let rust = table.name.to_pascal_case();
        if let Some(other) = seen.insert(rust.clone(), table.name.clone()) {
            errors.push(format!(
                "tables `{other}` and `{}` both become the Rust type `{rust}`",
                table.name
            ));
        }
    }
    if tables.is_empty() {
        errors.push("no CREATE TABLE statement found".to_owned());
    }
    if !errors.is_empty() {
        return Err(ModelError::Tables(errors));
    }
    let migration_plan = migrate::plan(
        &options.migrations,
        tables,
        &options.source,
        options.reset_migrations,
    )
    .map_err(ModelError::Tables)?;
    // Migration paths as the `sqlx::migrate!` macro sees them: relative to the crate root.
    let (module_dir, package, rzero) = match &options.layout {
        Layout::Crate { package, rzero } => {
            (PathBuf::from("src/model"), package.clone(), rzero.clone())
        }
        Layout::Module { module_dir } => (
            module_dir.clone(),
            String::new(),
            RzeroDep::Version(String::new()),
        ),
    };
    let migration_dir = |kind: &str| {
        module_dir
            .join("migrations")
            .join(kind)
            .to_string_lossy()
            .replace('\\', "/")
    };
    // The source goes into `//!` lines, where a line break would end the comment.
    let source: String = options.source.chars().filter(|c| !c.is_control()).collect();
    let ctx = ModelsCtx {
        rzctl_version: env!("CARGO_PKG_VERSION"),
        source: &source,
        cached: options.cache,
        prefix: &options.prefix,
        tables: tables.iter().map(|t| table_ctx(t, options)).collect(),
        mysql_migrations: migration_dir("mysql"),
        sqlite_migrations: migration_dir("sqlite"),
        latest_migration: migration_plan.latest.clone().unwrap_or_default(),
        package,
        rzero_dep: match rzero {
            RzeroDep::Version(v) => format!("version = {v:?}"),
            RzeroDep::Path(p) => format!("path = {p:?}"),
        },
    };
    let (model_root, crate_files) = match &options.layout {
        Layout::Crate { .. } => (PathBuf::from("src/model"), true),
        Layout::Module { .. } => (PathBuf::new(), false),
    };
    let mut outputs = Vec::new();
    let mut render = |path: PathBuf,
                      kind: FileKind,
                      template: &str,
                      value: &dyn Ctx|
     -> Result<(), ModelError> {
        let text = templates.render(template, &value.json())?;
        let content = if path.extension().is_some_and(|e| e == "rs") {
            format::rust(&text, &path.display().to_string(), root)?
        } else {
            text
        };
        outputs.push(Output {
            path,
            content,
            kind,
        });
        Ok(())
    };
    if crate_files {
        render(
            "Cargo.toml".into(),
            FileKind::Scaffold,
            "model/Cargo.toml.tera",
            &ctx,
        )?;
        render(
            "src/lib.rs".into(),
            FileKind::Scaffold,
            "model/lib.rs.tera",
            &ctx,
        )?;
    }
    render(
        model_root.join("mod.rs"),
        FileKind::Generated,
        "model/mod.rs.tera",
        &ctx,
    )?;
    for (table, t) in tables.iter().zip(&ctx.tables) {
        let one = OneTable { models: &ctx, t };
        let stem = table.name.to_snake_case();
        render(
            model_root.join(format!("{stem}_model_gen.rs")),
            FileKind::Generated,
            "model/model_gen.rs.tera",
            &one,
        )?;
        render(
            model_root.join(format!("{stem}_model.rs")),
            FileKind::Scaffold,
            "model/model.rs.tera",
            &one,
        )?;
    }
    // Only new migrations are outputs: the ones on disk are history and never rewritten.
    for migration in &migration_plan.new {
        for (kind, content) in [("mysql", &migration.mysql), ("sqlite", &migration.sqlite)] {
            outputs.push(Output {
                path: model_root.join(format!("migrations/{kind}/{}.sql", migration.stem)),
                content: content.clone(),
                kind: FileKind::Generated,
            });
        }
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan {
        outputs,
        notes: migration_plan.notes,
        removed: migration_plan
            .removed
            .iter()
            .map(|file| model_root.join("migrations").join(file))
            .collect(),
    })
}

/// The migrations folder, relative to the output folder.
pub fn migrations_dir(layout: &Layout) -> PathBuf {
    match layout {
        Layout::Crate { .. } => PathBuf::from("src/model/migrations"),
        Layout::Module { .. } => PathBuf::from("migrations"),
    }
}

trait Ctx {
    fn json(&self) -> serde_json::Value;
}

impl<T: Serialize> Ctx for T {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
