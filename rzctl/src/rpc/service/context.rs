//! The template context of an RPC service crate: names and paths computed here, so the
//! templates are plain loops.

use super::GenOptions;
use crate::rpc::model::{MethodSpec, RpcSpec, ServiceSpec};
use heck::{ToShoutySnakeCase, ToSnakeCase};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub(super) struct RpcCtx {
    pub(super) package: String,
    /// The crate's Rust name.
    pub(super) lib: String,
    pub(super) env_prefix: String,
    pub(super) rzctl_version: String,
    pub(super) proto_file: String,
    /// The etcd key and server name, go-zero style: `greeter.rpc`.
    pub(super) key: String,
    pub(super) rzero_dep: String,
    pub(super) multiple: bool,
    pub(super) services: Vec<ServiceCtx>,
    pub(super) uses_streams: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct ServiceCtx {
    #[serde(flatten)]
    pub(super) spec: ServiceSpec,
    /// The glue type (`GreeterServer`) and the typed client (`GreeterClient`).
    pub(super) server_type: String,
    pub(super) client_type: String,
    /// Where its logic lives: `crate::logic` or, with `--multiple`, `crate::logic::greeter`.
    pub(super) logic_module: String,
    pub(super) logic_dir: String,
    pub(super) methods: Vec<MethodCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct MethodCtx {
    #[serde(flatten)]
    pub(super) spec: MethodSpec,
    /// The logic file (a keyword method keeps its `r#` in Rust only: `type.rs`).
    pub(super) logic_file: String,
    /// tonic's associated type for a server stream: `CountdownStream`.
    pub(super) stream_type: String,
}

/// One template's view: the crate plus the item it renders.
#[derive(Debug, Serialize)]
pub(super) struct Item<'a, T: Serialize> {
    #[serde(flatten)]
    pub(super) ctx: &'a RpcCtx,
    pub(super) item: T,
}

#[derive(Debug, Serialize)]
pub(super) struct ModulesItem<'a> {
    pub(super) doc: &'a str,
    /// The module these are declared in (`logic`, or a service's): one named like it gets
    /// clippy's `module_inception` allowed, since the name comes from the proto.
    pub(super) parent: &'a str,
    pub(super) modules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct MethodItem<'a> {
    pub(super) service: &'a ServiceCtx,
    pub(super) method: &'a MethodCtx,
}

impl RpcCtx {
    pub(super) fn build(spec: &RpcSpec, options: &GenOptions) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        if spec.services.is_empty() {
            errors.push(format!("{} declares no service", spec.proto_file));
        }
        if spec.services.len() > 1 && !options.multiple {
            errors.push(format!(
                "{} declares {} services ({}); pass --multiple to generate one module per service",
                spec.proto_file,
                spec.services.len(),
                spec.services
                    .iter()
                    .map(|s| s.proto_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let services: Vec<ServiceCtx> = spec
            .services
            .iter()
            .map(|s| service(s, options.multiple))
            .collect();
        let uses_streams = services
            .iter()
            .flat_map(|s| &s.methods)
            .any(|m| m.spec.server_streaming);
        let key = spec
            .services
            .first()
            .filter(|_| spec.services.len() == 1)
            .map_or_else(|| options.package.clone(), |s| s.proto_name.to_snake_case());
        Ok(Self {
            lib: options.package.replace('-', "_"),
            env_prefix: options.package.to_shouty_snake_case(),
            rzctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            proto_file: spec.proto_file.clone(),
            key: format!("{key}.rpc"),
            rzero_dep: options.rzero.toml(),
            multiple: options.multiple,
            package: options.package.clone(),
            services,
            uses_streams,
        })
    }
}

fn service(spec: &ServiceSpec, multiple: bool) -> ServiceCtx {
    let module = &spec.module;
    let (logic_module, logic_dir) = if multiple {
        (
            format!("crate::logic::{module}"),
            format!("src/logic/{}", bare(module)),
        )
    } else {
        ("crate::logic".to_owned(), "src/logic".to_owned())
    };
    let methods = spec
        .methods
        .iter()
        .map(|m| MethodCtx {
            spec: m.clone(),
            logic_file: format!("{logic_dir}/{}.rs", bare(&m.module)),
            stream_type: format!("{}Stream", m.proto_name),
        })
        .collect();
    ServiceCtx {
        spec: spec.clone(),
        server_type: format!("{}Server", spec.trait_name),
        client_type: format!("{}Client", spec.trait_name),
        logic_module,
        logic_dir,
        methods,
    }
}

/// A module's file name: a raw identifier (`r#type`) lives in `type.rs`.
pub(super) fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}
