//! `rzctl api gen`: an [`ApiSpec`] to the files of an axum service on rzero.
//!
//! Which files are rzctl's and which are the user's:
//!
//! | file | kind |
//! |---|---|
//! | `Cargo.toml`, `etc/NAME.yaml`, `src/main.rs`, `src/lib.rs`, `src/config.rs`, `src/svc.rs` | created once |
//! | `src/logic/<group>/<handler>.rs`, `src/middleware/<name>.rs` | created once |
//! | `src/types.rs`, `src/handler/**`, `src/logic/**/mod.rs`, `src/middleware/mod.rs` | rewritten |
//!
//! A user's own modules go next to `svc.rs` and are declared in `lib.rs` (theirs), because
//! the `mod.rs` files under `handler/` and `logic/` are rewritten from the routes.

mod context;
mod names;
mod types;

use crate::api::ApiSpec;
use crate::diag::Diagnostics;
use crate::emit::templates::{TemplateError, Templates};
use crate::emit::{FileKind, Output, format};
use context::ServiceCtx;
use std::path::{Path, PathBuf};

pub use context::RzeroDep;

/// What one run needs besides the spec.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// The Cargo package name (and binary); usually the .api file's stem.
    pub package: String,
    /// The .api file name, for the "generated from" headers.
    pub api_file: String,
    pub rzero: RzeroDep,
    /// Write the hello logic of `rzctl api new` instead of an empty scaffold.
    pub hello: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The API is valid .api but cannot become this service; each diagnostic points at the
    /// part of the source that is the reason.
    #[error("{0}")]
    Spec(Diagnostics),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Format(#[from] format::FormatError),
}

/// Folders whose `.rs` files should all belong to a route or a middleware the .api names; the
/// rest are reported (a user's file as an orphan, a generated one removed).
pub const WATCHED: &[&str] = &["src/logic", "src/handler", "src/middleware"];

/// What one run would write, and what in the .api it could not honour.
#[derive(Debug)]
pub struct Plan {
    /// Every file, formatted, in a stable order.
    pub outputs: Vec<Output>,
    /// Options that have no effect in the generated service, each pointing at the option.
    pub warnings: Diagnostics,
}

/// Everything `api gen` writes for `spec` into `root`, formatted, in a stable order.
pub fn plan(
    spec: &ApiSpec,
    options: &GenOptions,
    templates: &Templates,
    root: &Path,
) -> Result<Plan, GenError> {
    build(spec, options, templates, Some(root))
}

/// [`plan`] without formatting: the Rust files are checked to be valid Rust but left as the
/// templates wrote them. For callers that look at many plans (the mutation test, fuzzing),
/// where a rustfmt process per file would be most of the time.
pub fn plan_unformatted(
    spec: &ApiSpec,
    options: &GenOptions,
    templates: &Templates,
) -> Result<Plan, GenError> {
    build(spec, options, templates, None)
}

/// Formats the Rust files as the project at `root` would when there is a root.
fn build(
    spec: &ApiSpec,
    options: &GenOptions,
    templates: &Templates,
    root: Option<&Path>,
) -> Result<Plan, GenError> {
    let (ctx, warnings) = ServiceCtx::build(spec, options).map_err(GenError::Spec)?;
    let mut outputs = Vec::new();
    let mut add = |path: PathBuf,
                   kind: FileKind,
                   template: &str,
                   value: &dyn erased::Ctx|
     -> Result<(), GenError> {
        let text = templates.render(template, &value.json())?;
        let name = path.display().to_string();
        let content = match root {
            _ if path.extension().is_none_or(|e| e != "rs") => text,
            Some(root) => format::rust(&text, &name, root)?,
            None => {
                format::check(&text, &name)?;
                text
            }
        };
        outputs.push(Output {
            path,
            content,
            kind,
        });
        Ok(())
    };
    use FileKind::{Generated, Scaffold};
    add("Cargo.toml".into(), Scaffold, "api/Cargo.toml.tera", &ctx)?;
    add(
        format!("etc/{}.yaml", ctx.package).into(),
        Scaffold,
        "api/etc.yaml.tera",
        &ctx,
    )?;
    add("src/main.rs".into(), Scaffold, "api/main.rs.tera", &ctx)?;
    add("src/lib.rs".into(), Scaffold, "api/lib.rs.tera", &ctx)?;
    add("src/config.rs".into(), Scaffold, "api/config.rs.tera", &ctx)?;
    add("src/svc.rs".into(), Scaffold, "api/svc.rs.tera", &ctx)?;
    add("src/types.rs".into(), Generated, "api/types.rs.tera", &ctx)?;
    add(
        "src/handler/routes.rs".into(),
        Generated,
        "api/routes.rs.tera",
        &ctx,
    )?;
    add(
        "src/middleware/mod.rs".into(),
        Generated,
        "api/middleware_mod.rs.tera",
        &ctx,
    )?;
    for middleware in &ctx.middlewares {
        let path = format!("src/middleware/{}.rs", middleware.module);
        add(
            path.into(),
            Scaffold,
            "api/middleware.rs.tera",
            &ctx.with(middleware),
        )?;
    }
    for group in &ctx.groups {
        for route in &group.routes {
            let item = ctx.with_route(group, route);
            add(
                route.handler_file.clone().into(),
                Generated,
                "api/handler.rs.tera",
                &item,
            )?;
            let logic = if options.hello {
                "api/new_logic.rs.tera"
            } else {
                "api/logic.rs.tera"
            };
            add(route.logic_file.clone().into(), Scaffold, logic, &item)?;
        }
    }
    for (tree, doc) in [
        (
            &ctx.handler_tree,
            "The HTTP handlers, one module per route group.",
        ),
        (
            &ctx.logic_tree,
            "The business logic, one module per route group; each route's file is yours.",
        ),
    ] {
        for (dir, modules) in &tree.dirs {
            let item = ctx.with_modules(doc, modules);
            add(
                Path::new(dir).join("mod.rs"),
                Generated,
                "api/mod.rs.tera",
                &item,
            )?;
        }
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan { outputs, warnings })
}

/// Renders the .api file of `rzctl api new NAME`.
pub fn hello_api(name: &str, templates: &Templates) -> Result<String, TemplateError> {
    #[derive(serde::Serialize)]
    struct New<'a> {
        service: &'a str,
    }
    templates.render("api/new.api.tera", &New { service: name })
}

/// Template contexts of different shapes behind one call.
mod erased {
    pub(super) trait Ctx {
        fn json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Ctx for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
