//! `rzctl rpc gen`: an [`RpcSpec`] to the files of a tonic service crate on rzero.
//!
//! | file | kind |
//! |---|---|
//! | `Cargo.toml`, `etc/NAME.yaml`, `src/main.rs`, `src/lib.rs`, `src/config.rs`, `src/svc.rs` | created once |
//! | `src/logic/[<service>/]<method>.rs` | created once: the user's code |
//! | `src/pb.rs` (prost + tonic code, descriptors) | rewritten |
//! | `src/server/**` (glue from tonic's traits to the logic functions) | rewritten |
//! | `src/client/**` (typed clients other crates call) | rewritten |
//! | `src/logic/**/mod.rs` | rewritten |

mod context;

use crate::api::service::RzeroDep;
use crate::emit::templates::{TemplateError, Templates};
use crate::emit::{FileKind, Output, format};
use crate::rpc::RpcSpec;
use context::{Item, MethodItem, ModulesItem, RpcCtx, bare};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What one run needs besides the spec.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// The Cargo package name.
    pub package: String,
    pub rzero: RzeroDep,
    /// One module per service (`--multiple`); without it a file must declare one service.
    pub multiple: bool,
    /// Write the ping logic of `rzctl rpc new` instead of empty scaffolds.
    pub hello: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot generate from this proto:\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Spec(Vec<String>),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Format(#[from] format::FormatError),
    /// Two outputs for one path: a name the checks before missed. Writing both would leave
    /// whichever came last and a crate that does not compile.
    #[error(
        "internal error: two generated files would both be {}; please report the proto that caused it",
        .0.display()
    )]
    DuplicatePath(PathBuf),
}

/// Folders whose `.rs` files should all belong to a method or service; the rest are reported
/// (the user's) or removed (generated files of a removed method or service).
pub const WATCHED: &[&str] = &["src/logic", "src/server", "src/client"];

/// Everything `rpc gen` writes for `spec` into `root`, formatted, in a stable order.
pub fn plan(
    spec: &RpcSpec,
    options: &GenOptions,
    templates: &Templates,
    root: &Path,
) -> Result<Vec<Output>, GenError> {
    let ctx = RpcCtx::build(spec, options).map_err(GenError::Spec)?;
    let mut outputs = Vec::new();
    let mut add = |path: PathBuf,
                   kind: FileKind,
                   template: &str,
                   value: serde_json::Value|
     -> Result<(), GenError> {
        let text = templates.render(template, &value)?;
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
    let json = |value: &dyn ErasedJson| value.json();
    let item = |value: &dyn ErasedJson| {
        Item {
            ctx: &ctx,
            item: value.json(),
        }
        .json_value()
    };
    use FileKind::{Generated, Scaffold};
    add(
        "Cargo.toml".into(),
        Scaffold,
        "rpc/Cargo.toml.tera",
        json(&ctx),
    )?;
    add(
        format!("etc/{}.yaml", ctx.package).into(),
        Scaffold,
        "rpc/etc.yaml.tera",
        json(&ctx),
    )?;
    add(
        "src/main.rs".into(),
        Scaffold,
        "rpc/main.rs.tera",
        json(&ctx),
    )?;
    add("src/lib.rs".into(), Scaffold, "rpc/lib.rs.tera", json(&ctx))?;
    add(
        "src/config.rs".into(),
        Scaffold,
        "rpc/config.rs.tera",
        json(&ctx),
    )?;
    add("src/svc.rs".into(), Scaffold, "rpc/svc.rs.tera", json(&ctx))?;
    add(
        "src/server/mod.rs".into(),
        Generated,
        "rpc/server_mod.rs.tera",
        json(&ctx),
    )?;
    add(
        "src/client/mod.rs".into(),
        Generated,
        "rpc/client_mod.rs.tera",
        json(&ctx),
    )?;
    let mut logic_modules = Vec::new();
    for service in &ctx.services {
        let file = bare(&service.spec.module);
        add(
            format!("src/server/{file}.rs").into(),
            Generated,
            "rpc/server.rs.tera",
            item(service),
        )?;
        add(
            format!("src/client/{file}.rs").into(),
            Generated,
            "rpc/client.rs.tera",
            item(service),
        )?;
        let logic = if options.hello {
            "rpc/new_logic.rs.tera"
        } else {
            "rpc/logic.rs.tera"
        };
        for method in &service.methods {
            add(
                method.logic_file.clone().into(),
                Scaffold,
                logic,
                item(&MethodItem { service, method }),
            )?;
        }
        let methods: Vec<String> = service
            .methods
            .iter()
            .map(|m| m.spec.module.clone())
            .collect();
        if ctx.multiple {
            logic_modules.push(service.spec.module.clone());
            let doc = format!(
                "The logic of {}, one file per method; each file is yours.",
                service.spec.full_name
            );
            add(
                Path::new(&service.logic_dir).join("mod.rs"),
                Generated,
                "rpc/mod.rs.tera",
                item(&ModulesItem {
                    doc: &doc,
                    parent: &service.spec.module,
                    modules: methods,
                }),
            )?;
        } else {
            logic_modules.extend(methods);
        }
    }
    let doc = if ctx.multiple {
        "The business logic, one module per service."
    } else {
        "The business logic, one file per method; each method's file is yours."
    };
    add(
        "src/logic/mod.rs".into(),
        Generated,
        "rpc/mod.rs.tera",
        item(&ModulesItem {
            doc,
            parent: "logic",
            modules: logic_modules,
        }),
    )?;
    outputs.push(Output {
        path: "src/pb.rs".into(),
        content: format::rust(&spec.pb_source, "src/pb.rs", root)?,
        kind: Generated,
    });
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = outputs.windows(2).find(|pair| pair[0].path == pair[1].path) {
        return Err(GenError::DuplicatePath(pair[0].path.clone()));
    }
    Ok(outputs)
}

/// The .proto file of `rzctl rpc new NAME`.
pub fn hello_proto(name: &str, templates: &Templates) -> Result<String, TemplateError> {
    #[derive(Serialize)]
    struct New {
        package: String,
        service: String,
    }
    use heck::{ToSnakeCase, ToUpperCamelCase};
    templates.render(
        "rpc/new.proto.tera",
        &New {
            package: name.to_snake_case(),
            service: name.to_upper_camel_case(),
        },
    )
}

/// Template contexts of different shapes behind one call.
trait ErasedJson {
    fn json(&self) -> serde_json::Value;
}

impl<T: Serialize> ErasedJson for T {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl<T: Serialize> Item<'_, T> {
    fn json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
