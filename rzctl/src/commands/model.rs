//! `rzctl model mysql ddl` and `rzctl model mysql datasource`.

use clap::{Args, Subcommand};
use rzctl::api::service::RzeroDep;
use rzctl::diag::{Diagnostics, SourceFile};
use rzctl::emit::templates::Templates;
use rzctl::emit::writer::{self, Mode};
use rzctl::emit::{FileKind, Output};
use rzctl::model::cargo_edit::add_model_dependencies;
use rzctl::model::migrate::{self, Existing, Found};
use rzctl::model::service::{
    DEFAULT_IGNORED, DEFAULT_PREFIX, Layout, ModelOptions, migrations_dir, plan,
};
use rzctl::model::{SqlType, Table, ddl};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Models for MySQL/MariaDB tables (which also run on SQLite).
    #[command(subcommand)]
    Mysql(MysqlCommand),
}

#[derive(Debug, Subcommand)]
pub enum MysqlCommand {
    /// Generate models from DDL files.
    Ddl {
        /// The DDL files: a path or a glob such as `sql/*.sql`.
        #[arg(long, value_name = "GLOB")]
        src: String,
        #[command(flatten)]
        target: ModelTarget,
    },
    /// Generate models from the tables of a live MySQL/MariaDB database.
    Datasource {
        /// `mysql://user:password@host:3306/database`
        #[arg(long, value_name = "DSN")]
        url: String,
        /// Tables to generate, with `*` as a wildcard, e.g. `user*`; comma separated.
        #[arg(long, value_name = "PATTERN", default_value = "*")]
        table: String,
        #[command(flatten)]
        target: ModelTarget,
    },
}

#[derive(Debug, Args)]
pub struct ModelTarget {
    /// The folder to write: inside a crate, a module folder (the crate's Cargo.toml gets what
    /// the models need); elsewhere, a library crate of its own.
    #[arg(long, short = 'd', value_name = "DIR")]
    pub dir: PathBuf,
    /// Read and write rows through the cache (Redis or in-process); without it the models
    /// go straight to the database.
    #[arg(long, short = 'c')]
    pub cache: bool,
    /// The models' cache key prefix, `cache` by default: keys are
    /// `<prefix>:<table>:<column>:<value>` unless the cache config sets `prefix`. Needs --cache.
    #[arg(long, value_name = "PREFIX", requires = "cache")]
    pub prefix: Option<String>,
    /// Columns left out of inserts and updates (the database fills them), comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_IGNORED.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())]
    pub ignore_columns: Vec<String>,
    /// Refuse mappings that lose range: BIGINT UNSIGNED (kept as i64, which SQLite needs).
    #[arg(long)]
    pub strict: bool,
    /// The package name of a crate of its own; defaults to the folder's name.
    #[arg(long, value_name = "NAME")]
    pub package: Option<String>,
    /// Depend on a local rzero checkout at DIR instead of the published crate.
    #[arg(long, env = "RZERO_PATH", value_name = "DIR")]
    pub rzero_path: Option<PathBuf>,
    /// Read templates from DIR, where `rzctl template init` put them.
    #[arg(long, env = "RZCTL_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Write the migrations anew, one per table, instead of appending to them (development
    /// only: a database that ran the old ones must be recreated).
    #[arg(long)]
    pub reset_migrations: bool,
    /// List what would be created or updated; write nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Write nothing; exit 1 when a generated file is stale or missing (for CI).
    #[arg(long)]
    pub check: bool,
}

pub fn run(command: &ModelCommand) -> ExitCode {
    let ModelCommand::Mysql(mysql) = command;
    match mysql {
        MysqlCommand::Ddl { src, target } => match read_ddl(src, target.strict) {
            Ok((tables, source)) => generate(&tables, &source, target),
            Err(diags) => {
                eprintln!("{diags}");
                ExitCode::FAILURE
            }
        },
        MysqlCommand::Datasource { url, table, target } => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(err) => return fail(&format!("cannot start a runtime: {err}")),
            };
            match runtime.block_on(super::datasource::read(url, table)) {
                Ok(files) => {
                    let mut tables = Vec::new();
                    let mut diags = Diagnostics::new();
                    for (name, text) in files {
                        let (found, problems) = ddl::parse(&SourceFile::new(name, text));
                        tables.extend(found);
                        diags.extend(problems);
                    }
                    strict_checks(&tables, target.strict, &mut diags);
                    if !diags.is_empty() {
                        eprintln!("{diags}");
                        return ExitCode::FAILURE;
                    }
                    generate(&tables, &super::datasource::redact(url), target)
                }
                Err(err) => fail(&err),
            }
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Every table of the files `pattern` matches, in file-name order.
fn read_ddl(pattern: &str, strict: bool) -> Result<(Vec<Table>, String), Diagnostics> {
    let mut files: Vec<PathBuf> = match glob::glob(pattern) {
        Ok(paths) => paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect(),
        Err(err) => {
            return Err(rzctl::diag::Diagnostic::bare(format!(
                "bad --src pattern `{pattern}`: {err}"
            ))
            .into());
        }
    };
    files.sort();
    if files.is_empty() {
        return Err(
            rzctl::diag::Diagnostic::bare(format!("no DDL file matches `{pattern}`")).into(),
        );
    }
    // One schema across the files, in name order, as MySQL would run them one after the
    // other: a later file may alter or drop a table an earlier one created.
    let mut schema = ddl::Schema::new(ddl::Mode::Source);
    let mut diags = Diagnostics::new();
    for path in &files {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => schema.read(&SourceFile::new(name, text), &mut diags),
            Err(err) => diags.push(rzctl::diag::Diagnostic::bare(format!(
                "cannot read {name}: {err}"
            ))),
        }
    }
    let saw_create = schema.saw_create();
    let tables = schema.finish(&mut diags);
    if tables.is_empty() && diags.is_empty() {
        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        diags.push(rzctl::diag::Diagnostic::bare(if saw_create {
            format!(
                "every table {} creates is dropped again; there is nothing to generate",
                names.join(", ")
            )
        } else {
            format!("no CREATE TABLE statement in {}", names.join(", "))
        }));
    }
    strict_checks(&tables, strict, &mut diags);
    if diags.is_empty() {
        Ok((tables, pattern.to_owned()))
    } else {
        Err(diags)
    }
}

fn strict_checks(tables: &[Table], strict: bool, diags: &mut Diagnostics) {
    if !strict {
        return;
    }
    for table in tables {
        for column in &table.columns {
            if column.ty
                == (SqlType::Int {
                    bytes: 8,
                    unsigned: true,
                })
            {
                diags.push(rzctl::diag::Diagnostic::bare(format!(
                    "{}: column `{}.{}` is BIGINT UNSIGNED, which the models keep as i64 (SQLite has no unsigned 64-bit integers); --strict refuses it",
                    table.source, table.name, column.name
                )));
            }
        }
    }
}

/// The migration files under `dir` (its `mysql` and `sqlite` folders) that sqlx would run.
fn read_migrations(dir: &Path) -> Result<Existing, String> {
    let mut existing = Existing::default();
    for (kind, files) in [
        ("mysql", &mut existing.mysql),
        ("sqlite", &mut existing.sqlite),
    ] {
        let folder = dir.join(kind);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read {}: {e}", folder.display())),
        };
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", folder.display()))?
                .path();
            let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let Some(version) = migrate::version_of(&file_name) else {
                continue;
            };
            let version = version.map_err(|e| format!("{}: {e}", folder.display()))?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            files.push(Found {
                version,
                file_name,
                path: path.display().to_string(),
                text,
            });
        }
        files.sort_by(|a, b| (a.version, &a.file_name).cmp(&(b.version, &b.file_name)));
    }
    Ok(existing)
}

/// The crate folder `dir` lies in (the nearest ancestor with a `[package]` Cargo.toml).
fn enclosing_crate(dir: &Path) -> Option<PathBuf> {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(dir)
    };
    absolute.ancestors().skip(1).find_map(|candidate| {
        let manifest = candidate.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).ok()?;
        text.lines()
            .any(|l| l.trim() == "[package]")
            .then(|| candidate.to_path_buf())
    })
}

/// A reminder when the module folder is not declared by its parent yet (rzctl does not edit
/// code that is yours): `src/model` needs `mod model;` in `src/lib.rs` or `src/main.rs`.
fn undeclared_module(crate_root: &Path, module_dir: &Path) -> Option<String> {
    let name = module_dir.file_name()?.to_string_lossy().into_owned();
    let parent = module_dir.parent()?;
    let candidates: Vec<PathBuf> = if parent == Path::new("src") {
        vec![parent.join("lib.rs"), parent.join("main.rs")]
    } else {
        vec![parent.join("mod.rs"), parent.with_extension("rs")]
    };
    let existing: Vec<&PathBuf> = candidates
        .iter()
        .filter(|p| crate_root.join(p).is_file())
        .collect();
    let declared = existing.iter().any(|p| {
        std::fs::read_to_string(crate_root.join(p)).is_ok_and(|text| {
            text.lines().any(|line| {
                let line = line.trim();
                let line = line.strip_prefix("pub ").unwrap_or(line);
                let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
                line == format!("mod {name};")
            })
        })
    });
    if declared {
        return None;
    }
    let file = existing.first().map_or_else(
        || candidates[0].display().to_string(),
        |p| p.display().to_string(),
    );
    Some(format!("note: declare the models in {file}: `mod {name};`"))
}

fn generate(tables: &[Table], source: &str, target: &ModelTarget) -> ExitCode {
    let templates = match Templates::load(target.home.as_deref()) {
        Ok(t) => t,
        Err(err) => return fail(&err.to_string()),
    };
    let enclosing = enclosing_crate(&target.dir);
    let rzero_dep = |from: &Path| -> Result<RzeroDep, String> {
        Ok(match &target.rzero_path {
            Some(path) => RzeroDep::Path(super::api_gen::relative_path(path, from)?),
            None => RzeroDep::Version(env!("CARGO_PKG_VERSION").to_owned()),
        })
    };
    let (layout, root, crate_root) = match &enclosing {
        Some(crate_root) => {
            let absolute = std::env::current_dir()
                .map(|c| c.join(&target.dir))
                .unwrap_or_else(|_| target.dir.clone());
            let module_dir = absolute
                .strip_prefix(crate_root)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (
                Layout::Module { module_dir },
                target.dir.clone(),
                Some(crate_root.clone()),
            )
        }
        None => {
            let package = target.package.clone().unwrap_or_else(|| {
                target
                    .dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "models".to_owned())
            });
            let rzero = match rzero_dep(&target.dir) {
                Ok(dep) => dep,
                Err(err) => return fail(&err),
            };
            (Layout::Crate { package, rzero }, target.dir.clone(), None)
        }
    };
    let migrations = match read_migrations(&root.join(migrations_dir(&layout))) {
        Ok(found) => found,
        Err(err) => return fail(&err),
    };
    let options = ModelOptions {
        cache: target.cache,
        prefix: target
            .prefix
            .clone()
            .unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
        ignore_columns: target.ignore_columns.clone(),
        layout: layout.clone(),
        source: source.to_owned(),
        migrations,
        reset_migrations: target.reset_migrations,
    };
    let plan = match plan(tables, &options, &templates, &root) {
        Ok(plan) => plan,
        Err(err) => return fail(&err.to_string()),
    };
    let mut outputs = plan.outputs;
    // Inside a crate, its manifest gets what the models need; written by the writer like any
    // other output, so --dry-run and --check see it too.
    let mut manifest_output = None;
    if let Some(crate_root) = &crate_root {
        let manifest = crate_root.join("Cargo.toml");
        let text = match std::fs::read_to_string(&manifest) {
            Ok(text) => text,
            Err(err) => return fail(&format!("cannot read {}: {err}", manifest.display())),
        };
        let rzero = match rzero_dep(crate_root) {
            Ok(RzeroDep::Path(p)) => {
                format!("{{ path = {p:?}, default-features = false, features = [\"sqlc\"] }}")
            }
            Ok(RzeroDep::Version(v)) => {
                format!("{{ version = {v:?}, default-features = false, features = [\"sqlc\"] }}")
            }
            Err(err) => return fail(&err),
        };
        match add_model_dependencies(&text, &rzero) {
            Ok(edited) => manifest_output = Some((crate_root.clone(), edited)),
            Err(err) => return fail(&format!("{}: {err}", manifest.display())),
        }
    }
    let mode = if target.check {
        Mode::Check
    } else if target.dry_run {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let mut report = match writer::apply(&root, &outputs, mode, &[]) {
        Ok(report) => report,
        Err(err) => return fail(&err.to_string()),
    };
    match writer::remove(&root, &plan.removed, mode) {
        Ok(more) => report.changes.extend(more.changes),
        Err(err) => return fail(&err.to_string()),
    }
    if let Some((crate_root, edited)) = manifest_output {
        let manifest = [Output {
            path: PathBuf::from("Cargo.toml"),
            content: edited,
            kind: FileKind::Generated,
        }];
        match writer::apply(&crate_root, &manifest, mode, &[]) {
            Ok(more) => report.changes.extend(more.changes),
            Err(err) => return fail(&err.to_string()),
        }
        outputs.clear();
    }
    println!("{report}");
    for note in &plan.notes {
        eprintln!("warning: {note}");
    }
    if let (Some(crate_root), Layout::Module { module_dir }) = (&crate_root, &options.layout)
        && mode == Mode::Write
        && let Some(note) = undeclared_module(crate_root, module_dir)
    {
        println!("{note}");
    }
    if mode == Mode::Check && report.is_stale() {
        eprintln!(
            "error: {} is not what rzctl generates from {source}; run `rzctl model mysql` again",
            target.dir.display()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
