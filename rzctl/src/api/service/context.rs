//! The template context of a service: everything the templates print, computed here so that
//! templates stay simple loops over plain data.

use super::GenOptions;
use super::names::{group_modules, one_line, package as package_name, pascal, shouty, snake};
use super::types::{StructCtx, TypeMapper, builtin_type, type_name};
use crate::api::model::{ApiSpec, GoType, KeyValue};
use crate::diag::{Diagnostics, Origin};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How the generated crate depends on rzero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RzeroDep {
    /// From crates.io, this version requirement.
    Version(String),
    /// A local checkout, as a path relative to the generated crate.
    Path(String),
}

impl RzeroDep {
    /// The `version = ...` or `path = ...` part of the dependency's inline table.
    pub fn toml(&self) -> String {
        match self {
            RzeroDep::Version(v) => format!("version = {v:?}"),
            RzeroDep::Path(p) => format!("path = {p:?}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct MiddlewareCtx {
    /// The type, e.g. `UserCheck`.
    pub(super) ty: String,
    /// The module, e.g. `user_check`.
    pub(super) module: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct RouteCtx {
    /// `GET`, `POST`, ... as `http::Method` constants.
    pub(super) method: String,
    /// The path as the .api writes it, without the group prefix.
    pub(super) path: String,
    /// Prefix and path, for docs.
    pub(super) full_path: String,
    /// The handler and logic function.
    pub(super) func: String,
    /// `crate::handler::user::login`, the handler module.
    pub(super) handler_module: String,
    /// `crate::logic::user::login`, the logic module.
    pub(super) logic_module: String,
    pub(super) handler_file: String,
    pub(super) logic_file: String,
    pub(super) request: Option<String>,
    pub(super) response: Option<String>,
    pub(super) docs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct GroupCtx {
    /// The `group:` value as written, e.g. `admin/user`.
    pub(super) name: Option<String>,
    pub(super) prefix: Option<String>,
    /// The config field of the group's JWT settings.
    pub(super) jwt: Option<String>,
    /// The config field holding the secret being rotated out (`jwtTransition`), accepted
    /// beside the current one.
    pub(super) jwt_transition: Option<String>,
    /// `@server` keys rzctl gives no meaning to, as written, for templates of one's own.
    pub(super) other: Vec<KeyValue>,
    pub(super) timeout_ms: Option<u64>,
    pub(super) max_bytes: Option<u64>,
    pub(super) middlewares: Vec<String>,
    pub(super) routes: Vec<RouteCtx>,
}

/// The module folders of a tree (`src/handler`, `src/handler/user`, ...) and what each declares.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct ModuleTree {
    pub(super) dirs: BTreeMap<String, BTreeSet<String>>,
}

impl ModuleTree {
    /// `paths` are module paths under `root` (the last element a file); `extra` are modules the
    /// root declares besides them.
    pub(super) fn build(root: &str, paths: &[Vec<String>], extra: &[&str]) -> Self {
        let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        dirs.entry(root.to_owned())
            .or_default()
            .extend(extra.iter().map(|e| (*e).to_owned()));
        for path in paths {
            let mut dir = root.to_owned();
            for module in path {
                dirs.entry(dir.clone()).or_default().insert(module.clone());
                dir = format!("{dir}/{}", module.trim_start_matches("r#"));
            }
        }
        Self { dirs }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct ServiceCtx {
    pub(super) package: String,
    /// The library crate's name in Rust paths.
    pub(super) lib: String,
    /// The `service` name of the .api.
    pub(super) service: String,
    pub(super) api_file: String,
    pub(super) env_prefix: String,
    pub(super) rzctl_version: String,
    pub(super) rzero_dep: String,
    pub(super) types: Vec<StructCtx>,
    pub(super) uses_range: bool,
    /// Whether any type has a bound field (else the binding imports would go unused).
    pub(super) uses_fields: bool,
    /// `"bind::"` when a declared type takes the name of one of rzero's binding items, which
    /// `types.rs` then reaches through the module instead of importing them.
    pub(super) bind_path: &'static str,
    /// `"serde::"` when a declared type is named `Serialize` or `Deserialize`.
    pub(super) serde_path: &'static str,
    pub(super) uses_jwt: bool,
    pub(super) uses_timeout: bool,
    pub(super) groups: Vec<GroupCtx>,
    /// Config fields holding JWT settings.
    pub(super) jwt_configs: Vec<String>,
    /// Config fields holding a previous JWT secret (`jwtTransition`).
    pub(super) jwt_transitions: Vec<String>,
    pub(super) middlewares: Vec<MiddlewareCtx>,
    #[serde(skip)]
    pub(super) handler_tree: ModuleTree,
    #[serde(skip)]
    pub(super) logic_tree: ModuleTree,
}

/// A template's context: the service, plus the item the file is about.
#[derive(Debug, Serialize)]
pub(super) struct ItemCtx<'a, T: Serialize> {
    #[serde(flatten)]
    pub(super) service: &'a ServiceCtx,
    pub(super) item: T,
}

#[derive(Debug, Serialize)]
pub(super) struct RouteItem<'a> {
    pub(super) group: &'a GroupCtx,
    pub(super) route: &'a RouteCtx,
}

#[derive(Debug, Serialize)]
pub(super) struct ModulesItem<'a> {
    pub(super) doc: &'a str,
    pub(super) modules: &'a BTreeSet<String>,
}

impl ServiceCtx {
    pub(super) fn with<'a, T: Serialize>(&'a self, item: T) -> ItemCtx<'a, T> {
        ItemCtx {
            service: self,
            item,
        }
    }

    pub(super) fn with_route<'a>(
        &'a self,
        group: &'a GroupCtx,
        route: &'a RouteCtx,
    ) -> ItemCtx<'a, RouteItem<'a>> {
        self.with(RouteItem { group, route })
    }

    pub(super) fn with_modules<'a>(
        &'a self,
        doc: &'a str,
        modules: &'a BTreeSet<String>,
    ) -> ItemCtx<'a, ModulesItem<'a>> {
        self.with(ModulesItem { doc, modules })
    }

    /// The context of `spec`, or every reason it cannot be generated, each pointing into
    /// the .api source.
    /// Warnings (options that have no effect) come with the context.
    pub(super) fn build(
        spec: &ApiSpec,
        options: &GenOptions,
    ) -> Result<(Self, Diagnostics), Diagnostics> {
        let mut mapper = TypeMapper::new(spec);
        mapper.map_all();
        let mut errors = std::mem::take(&mut mapper.errors);
        let mut warnings = Diagnostics::new();
        let package = package_name(&options.package);
        let mut groups = Vec::new();
        let mut jwt_configs = BTreeSet::new();
        let mut jwt_transitions = BTreeSet::new();
        // Config field -> (what it holds, where it was named): one field cannot be two blocks.
        let mut config_fields: BTreeMap<String, (&str, Origin)> = BTreeMap::new();
        let mut middlewares: BTreeMap<String, MiddlewareCtx> = BTreeMap::new();
        let mut handler_paths = Vec::new();
        let mut seen_modules: BTreeMap<Vec<String>, (String, Origin)> = BTreeMap::new();
        for group in &spec.service.groups {
            let server = &group.server;
            let modules = group_modules(server.group.as_deref());
            let jwt = server.jwt.as_deref().map(snake);
            if let Some(jwt) = &jwt {
                jwt_configs.insert(jwt.clone());
                claim_config(
                    &mut config_fields,
                    jwt,
                    "jwt",
                    server.origin("jwt"),
                    &mut errors,
                );
            }
            // goctl's routes pass the named block's `PrevSecret` as the previous secret of the
            // group's JWT check; without `jwt` there is no check to rotate.
            let jwt_transition = match (&jwt, server.jwt_transition.as_deref()) {
                (Some(_), Some(name)) => {
                    let field = snake(name);
                    claim_config(
                        &mut config_fields,
                        &field,
                        "jwtTransition",
                        server.origin("jwtTransition"),
                        &mut errors,
                    );
                    jwt_transitions.insert(field.clone());
                    Some(field)
                }
                (None, Some(_)) => {
                    warnings.push(
                        server
                            .origin("jwtTransition")
                            .error("`jwtTransition` has no effect without `jwt`: these routes check no token")
                            .with_note("add `jwt: Auth` to the same @server block to check tokens")
                            .warning(),
                    );
                    None
                }
                (_, None) => None,
            };
            let mut group_middlewares = Vec::new();
            for name in &server.middleware {
                let ty = pascal(name);
                middlewares
                    .entry(ty.clone())
                    .or_insert_with(|| MiddlewareCtx {
                        ty: ty.clone(),
                        module: snake(name),
                    });
                group_middlewares.push(ty);
            }
            if server.signature {
                // go-zero's content security (an `X-Content-Security` header naming an RSA
                // key, a signature over the request, encrypted bodies) has no counterpart in
                // rzero yet; generating the routes is still useful, but say what is missing.
                warnings.push(
                    server
                        .origin("signature")
                        .error(
                            "`signature: true` is not enforced: rzero does not verify go-zero's signed requests \
                             (`X-Content-Security`), so these routes accept unsigned ones",
                        )
                        .with_note("verify signatures in a middleware of the group until rzero does")
                        .warning(),
                );
            }
            if server.sse {
                errors.push(
                    server
                        .origin("sse")
                        .error("`sse: true` is not supported by rzero yet"),
                );
            }
            let prefix = server.prefix.clone().filter(|p| !p.is_empty() && p != "/");
            let mut routes = Vec::new();
            for route in &group.routes {
                let func = snake(&route.handler);
                let mut path: Vec<String> = modules.clone();
                path.push(func.clone());
                if let Some((previous, first)) = seen_modules.insert(
                    path.clone(),
                    (route.handler.clone(), route.handler_origin.clone()),
                ) {
                    let mut d = route.handler_origin.error(format!(
                        "handlers `{previous}` and `{}` both become the module `{}`",
                        route.handler,
                        path.join("::")
                    ));
                    if let Some(at) = first.describe() {
                        d = d.with_note(format!("`{previous}` is at {at}"));
                    }
                    errors.push(d);
                }
                if modules.is_empty() && func == "routes" {
                    errors.push(route.handler_origin.error(
                        "a handler outside any group cannot be named `routes` (the route table's module)",
                    ));
                }
                handler_paths.push(path.clone());
                let module_path = path.join("::");
                // `mod r#type;` lives in `type.rs`.
                let file_path = path
                    .iter()
                    .map(|m| m.trim_start_matches("r#"))
                    .collect::<Vec<_>>()
                    .join("/");
                // Printed after the route on the file's first `//!` line.
                let mut docs: Vec<String> = route.doc.iter().map(|d| one_line(d)).collect();
                docs.extend(
                    route
                        .doc_properties
                        .iter()
                        .map(|kv| one_line(&format!("{}: {}", kv.key, kv.value))),
                );
                let full_path = format!("{}{}", prefix.clone().unwrap_or_default(), route.path);
                routes.push(RouteCtx {
                    method: route.method.to_uppercase(),
                    path: route.path.clone(),
                    full_path,
                    func,
                    handler_module: format!("crate::handler::{module_path}"),
                    logic_module: format!("crate::logic::{module_path}"),
                    handler_file: format!("src/handler/{file_path}.rs"),
                    logic_file: format!("src/logic/{file_path}.rs"),
                    request: route
                        .request
                        .as_ref()
                        .map(|t| body_type(t, &route.request_origin, &mut errors)),
                    response: route
                        .response
                        .as_ref()
                        .map(|t| body_type(t, &route.response_origin, &mut errors)),
                    docs,
                });
            }
            groups.push(GroupCtx {
                name: server.group.clone(),
                prefix,
                jwt,
                jwt_transition,
                other: server.other.clone(),
                timeout_ms: server.timeout_ms,
                max_bytes: server.max_bytes,
                middlewares: group_middlewares,
                routes,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ctx = Self {
            uses_fields: mapper.structs.iter().any(|s| !s.bind.is_empty()),
            bind_path: mapper.paths.bind,
            serde_path: mapper.paths.serde,
            uses_jwt: groups.iter().any(|g| g.jwt.is_some()),
            uses_timeout: groups.iter().any(|g| g.timeout_ms.is_some()),
            lib: package.replace('-', "_"),
            env_prefix: shouty(&package),
            package,
            service: spec.service.name.clone(),
            api_file: options.api_file.clone(),
            rzctl_version: env!("CARGO_PKG_VERSION").to_owned(),
            rzero_dep: options.rzero.toml(),
            types: mapper.structs,
            uses_range: mapper.uses_range,
            groups,
            jwt_configs: jwt_configs.into_iter().collect(),
            jwt_transitions: jwt_transitions.into_iter().collect(),
            middlewares: middlewares.into_values().collect(),
            logic_tree: ModuleTree::build("src/logic", &handler_paths, &[]),
            handler_tree: ModuleTree::build("src/handler", &handler_paths, &["routes"]),
        };
        Ok((ctx, warnings))
    }
}

/// Records that config field `field` holds a `kind` block (`jwt` or `jwtTransition`); a field
/// that is already another kind of block, or the server's own `rest`, is an error.
fn claim_config<'a>(
    fields: &mut BTreeMap<String, (&'a str, Origin)>,
    field: &str,
    kind: &'a str,
    origin: Origin,
    errors: &mut Diagnostics,
) {
    if field == "rest" {
        errors.push(origin.error(format!(
            "`{kind}` cannot name `rest`: the config field `rest` holds the server's settings"
        )));
        return;
    }
    match fields.get(field) {
        Some((first, _)) if *first == kind => {}
        Some((first, at)) => {
            let mut d = origin.error(format!(
                "the config field `{field}` cannot hold both a `{first}` and a `{kind}` block; name another one"
            ));
            if let Some(at) = at.describe() {
                d = d.with_note(format!("`{first}` names it at {at}"));
            }
            errors.push(d);
        }
        None => {
            fields.insert(field.to_owned(), (kind, origin));
        }
    }
}

/// The Rust type of a request or response: a declared type, a builtin, `any`, or a list of
/// one of those (a JSON array body).
fn body_type(ty: &GoType, origin: &Origin, errors: &mut Diagnostics) -> String {
    match ty {
        GoType::Named { name } => format!("crate::types::{}", type_name(name)),
        GoType::Builtin { name } => match builtin_type(*name) {
            Some(rust) => rust.to_owned(),
            None => {
                errors.push(origin.error(format!(
                    "`{}` has no JSON form; use float64 or string",
                    name.as_str()
                )));
                "()".to_owned()
            }
        },
        GoType::Any => "serde_json::Value".to_owned(),
        // A pointer only means "by reference" in Go; the body is still required.
        GoType::Pointer { elem } => body_type(elem, origin, errors),
        GoType::Slice { elem } => format!("Vec<{}>", body_type(elem, origin, errors)),
        other => {
            errors.push(origin.error(format!(
                "a request or response must be a declared type, a builtin or a list of one, found `{}`",
                other.to_go()
            )));
            "()".to_owned()
        }
    }
}
