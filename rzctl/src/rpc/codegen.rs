//! prost-build and tonic-prost-build run in memory on protox's descriptors: the protobuf
//! code of every file (the root and its imports, except the well-known types, which
//! `prost-types` provides), and the tonic server and client of every service, as one
//! `src/pb.rs` of nested package modules. A recording service generator sits in front of
//! tonic's, so the model gets the method types exactly as prost resolved them.
//!
//! Names that would not compile are settled here, where the source positions are known:
//! a method named like one of the generated clients' own methods is renamed with a trailing
//! underscore (prost's own way out for `self`), and names that two services or two methods
//! would share in Rust (`Get` and `get`) are refused with both places.

use super::compile::{Compiled, span_range};
use super::model::{MethodSpec, RpcSpec, ServiceSpec};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use heck::ToSnakeCase;
use prost::Message;
use prost_build::{Module, Service, ServiceGenerator};
use prost_types::FileDescriptorSet;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

/// Method names the generated clients already use: tonic's client has its constructors and
/// settings as inherent methods, and ours has `new`, `from_client` and `client` and calls
/// `clone` on tonic's (an inherent `clone(request)` would shadow `Clone::clone`).
const TAKEN: &[&str] = &[
    "new",
    "with_origin",
    "with_interceptor",
    "send_compressed",
    "accept_compressed",
    "max_decoding_message_size",
    "max_encoding_message_size",
    "from_client",
    "client",
    "clone",
];

/// A service as tonic generated it, and which of its methods were renamed (index, the
/// name prost gave).
struct Recorded {
    service: Service,
    renamed: Vec<(usize, String)>,
}

/// Records every service it is handed, renames the methods whose names are taken, then
/// lets tonic generate its code.
struct Recording {
    tonic: Box<dyn ServiceGenerator>,
    seen: Rc<RefCell<Vec<Recorded>>>,
}

impl ServiceGenerator for Recording {
    fn generate(&mut self, mut service: Service, buf: &mut String) {
        let mut renamed = Vec::new();
        for (index, method) in service.methods.iter_mut().enumerate() {
            if TAKEN.contains(&method.name.as_str()) {
                let rust = format!("{}_", method.name);
                renamed.push((index, std::mem::replace(&mut method.name, rust)));
            }
        }
        self.seen.borrow_mut().push(Recorded {
            service: service.clone(),
            renamed,
        });
        self.tonic.generate(service, buf);
    }

    fn finalize(&mut self, buf: &mut String) {
        self.tonic.finalize(buf);
    }

    fn finalize_package(&mut self, package: &str, buf: &mut String) {
        self.tonic.finalize_package(package, buf);
    }
}

pub(crate) fn generate(compiled: Compiled) -> Result<RpcSpec, Diagnostics> {
    let Compiled {
        name,
        files,
        sources,
    } = compiled;
    let bare = |message: String| Diagnostics::from(Diagnostic::bare(message));
    let root = files
        .file
        .iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| bare(format!("{name} is missing from its own descriptor set")))?
        .clone();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let tonic = tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // The client runs on rzero's channel, not on a tonic transport it would connect.
        .build_transport(false)
        .service_generator();
    let mut config = prost_build::Config::new();
    config.service_generator(Box::new(Recording {
        tonic,
        seen: Rc::clone(&seen),
    }));
    // The well-known types go in too (prost's type graph needs them), and their module is
    // dropped afterwards: references to them point at `prost-types`.
    let requests = files
        .file
        .iter()
        .map(|f| (Module::from_protobuf_package_name(f.package()), f.clone()))
        .collect();
    // prost-build asserts its invariants with panics; protox has checked the files, but a
    // panic must still become an error message, not a crash.
    let generated =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.generate(requests)))
            .map_err(|_| {
                bare(format!(
                    "prost-build failed on {name}; please report this file"
                ))
            })?;
    let mut modules =
        generated.map_err(|e| bare(format!("cannot generate the protobuf code of {name}: {e}")))?;
    modules.retain(|module, _| module.parts().collect::<Vec<_>>() != ["google", "protobuf"]);
    for code in modules.values_mut() {
        *code = unprefix_primitives(code);
    }

    // Only the root file's services become server glue, logic and clients; services of
    // imported files keep their tonic code in pb.rs for whoever wants them.
    let root_services: Vec<&str> = root.service.iter().map(|s| s.name()).collect();
    let package = root.package().to_owned();
    let seen = seen.borrow();
    let is_root =
        |s: &Service| s.package == package && root_services.contains(&s.proto_name.as_str());
    let places = Places {
        files: &files,
        sources: &sources,
    };
    check_names(&seen, is_root, &places)?;
    let notes = seen
        .iter()
        .flat_map(|recorded| {
            recorded.renamed.iter().map(|(index, taken)| {
                let service = &recorded.service;
                let method = &service.methods[*index];
                format!(
                    "{}method {}.{} is `{}` in Rust: `{taken}` is a method of the generated client",
                    places.prefix(service, Some(*index)),
                    service.proto_name,
                    method.proto_name,
                    method.name
                )
            })
        })
        .collect();
    let services = seen
        .iter()
        .map(|r| &r.service)
        .filter(|s| is_root(s))
        .map(service_spec)
        .collect();

    let mut descriptors = files.clone();
    for file in &mut descriptors.file {
        // Reflection needs the types, not the comments and spans.
        file.source_code_info = None;
    }
    Ok(RpcSpec {
        proto_file: name.clone(),
        package,
        services,
        notes,
        pb_source: render_pb(&name, &modules, &descriptors.encode_to_vec()),
    })
}

fn package_path(package: &str) -> Vec<String> {
    Module::from_protobuf_package_name(package)
        .parts()
        .map(str::to_owned)
        .collect()
}

fn service_spec(service: &Service) -> ServiceSpec {
    let module_parts = package_path(&service.package);
    let module = std::iter::once("crate::pb".to_owned())
        .chain(module_parts.iter().cloned())
        .collect::<Vec<_>>()
        .join("::");
    let prefix = if service.package.is_empty() {
        service.proto_name.clone()
    } else {
        format!("{}.{}", service.package, service.proto_name)
    };
    let snake = naive_snake_case(&service.name);
    ServiceSpec {
        proto_name: service.proto_name.clone(),
        full_name: prefix.clone(),
        module: module_ident(&service.proto_name.to_snake_case()),
        pb_module: module,
        server_mod: format!("{snake}_server"),
        client_mod: format!("{snake}_client"),
        trait_name: service.name.clone(),
        comments: service.comments.leading.clone(),
        methods: service
            .methods
            .iter()
            .map(|m| MethodSpec {
                proto_name: m.proto_name.clone(),
                rust_name: m.name.clone(),
                module: module_ident(&m.name),
                full_method: format!("/{prefix}/{}", m.proto_name),
                input: absolute(&module_parts, &m.input_type),
                output: absolute(&module_parts, &m.output_type),
                client_streaming: m.client_streaming,
                server_streaming: m.server_streaming,
                comments: m.comments.leading.clone(),
            })
            .collect(),
    }
}

/// A module name for a snake-case name that is a valid identifier and whose file is not its
/// folder's own `mod.rs`: keywords as raw identifiers (`r#type`, in `type.rs`), and `mod` and
/// the names that cannot be raw (`self`, `super`, `crate`) with a trailing underscore.
pub(crate) fn module_ident(snake: &str) -> String {
    let bare = snake.strip_prefix("r#").unwrap_or(snake);
    match bare {
        "mod" | "self" | "super" | "crate" | "Self" | "_" => format!("{bare}_"),
        _ if syn::parse_str::<syn::Ident>(bare).is_ok() => bare.to_owned(),
        _ => format!("r#{bare}"),
    }
}

/// Where services and methods are in their files, for diagnostics.
struct Places<'a> {
    files: &'a FileDescriptorSet,
    sources: &'a HashMap<String, Arc<SourceFile>>,
}

impl Places<'_> {
    /// The file and byte range of a service's name, or of one of its methods' names.
    fn locate(
        &self,
        service: &Service,
        method: Option<usize>,
    ) -> Option<(&Arc<SourceFile>, std::ops::Range<usize>)> {
        let (file, index) = self.files.file.iter().find_map(|f| {
            let index = f
                .service
                .iter()
                .position(|s| f.package() == service.package && s.name() == service.proto_name)?;
            Some((f, index))
        })?;
        let source = self.sources.get(file.name())?;
        let mut path = vec![6, i32::try_from(index).ok()?];
        if let Some(method) = method {
            path.extend([2, i32::try_from(method).ok()?]);
        }
        path.push(1);
        let location = file
            .source_code_info
            .as_ref()?
            .location
            .iter()
            .find(|l| l.path == path)?;
        Some((source, span_range(source.text(), &location.span)?))
    }

    /// An error at a service's or method's name (or naming it, without source info).
    fn error(&self, service: &Service, method: Option<usize>, message: String) -> Diagnostic {
        match self.locate(service, method) {
            Some((file, span)) => Diagnostic::error(file, span, message),
            None => Diagnostic::bare(message),
        }
    }

    /// `file:line:col: ` of a service or method, for notes.
    fn prefix(&self, service: &Service, method: Option<usize>) -> String {
        match self.error(service, method, String::new()).position() {
            Some((file, line, column)) => format!("{file}:{line}:{column}: "),
            None => String::new(),
        }
    }
}

/// Refuses names that two services or two methods of one service would share in Rust:
/// tonic's modules and traits per package, our modules for the root file's services, and
/// method names in tonic's trait and client (`Get` and `get` are both `get`).
fn check_names(
    recorded: &[Recorded],
    is_root: impl Fn(&Service) -> bool,
    places: &Places<'_>,
) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::new();
    let mut clash =
        |first: (&Service, Option<usize>), second: (&Service, Option<usize>), what: String| {
            let name = |(s, m): (&Service, Option<usize>)| match m {
                Some(i) => format!("method {}.{}", s.proto_name, s.methods[i].proto_name),
                None => format!("service {}", s.proto_name),
            };
            let at = places.prefix(first.0, first.1);
            let at = at.trim_end_matches(": ");
            let mut diagnostic = places.error(
                second.0,
                second.1,
                format!(
                    "{} clashes with {}: both are {what} in Rust; rename one",
                    name(second),
                    name(first)
                ),
            );
            if !at.is_empty() {
                diagnostic = diagnostic.with_note(format!("{} is at {at}", name(first)));
            }
            errors.push(diagnostic);
        };
    let mut names: HashMap<(String, String), &Service> = HashMap::new();
    for service in recorded.iter().map(|r| &r.service) {
        // One error per pair of services: the first name they share says enough.
        let tonic = naive_snake_case(&service.name);
        let mut keys = vec![
            (
                format!("`{tonic}_server` and `{tonic}_client`"),
                format!("tonic:{tonic}"),
            ),
            (
                format!("the trait `{}`", service.name),
                format!("trait:{}", service.name),
            ),
        ];
        if is_root(service) {
            let module = module_ident(&service.proto_name.to_snake_case());
            keys.push((format!("the module `{module}`"), format!("module:{module}")));
        }
        for (what, value) in keys {
            let key = (service.package.clone(), value);
            if let Some(first) = names.get(&key) {
                clash((first, None), (service, None), what);
                break;
            }
            names.insert(key, service);
        }
        let mut methods: HashMap<&str, usize> = HashMap::new();
        let mut modules: HashMap<String, usize> = HashMap::new();
        for (index, method) in service.methods.iter().enumerate() {
            if let Some(&first) = methods.get(method.name.as_str()) {
                clash(
                    (service, Some(first)),
                    (service, Some(index)),
                    format!("`{}`", method.name),
                );
                continue;
            }
            methods.insert(&method.name, index);
            let module = module_ident(&method.name);
            if let Some(&first) = modules.get(&module) {
                clash(
                    (service, Some(first)),
                    (service, Some(index)),
                    format!("the logic module `{module}`"),
                );
                continue;
            }
            modules.insert(module, index);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// tonic's module naming (`naive_snake_case` in tonic-build): an underscore before every
/// upper-case letter, so `HTTPProxy` is `h_t_t_p_proxy_server`, as tonic names it.
fn naive_snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c.to_ascii_lowercase());
        if chars.peek().is_some_and(|n| n.is_uppercase()) {
            out.push('_');
        }
    }
    out
}

/// tonic-prost-build prefixes every method type that is not `()` or absolute with `super::`,
/// which breaks the wrappers prost maps to primitives (`google.protobuf.Int64Value` as a
/// parameter becomes `super::i64`). No message can be named like a primitive (prost names
/// messages in UpperCamelCase), so the prefix is removed wherever it precedes one.
fn unprefix_primitives(code: &str) -> String {
    const PRIMITIVES: [&str; 7] = ["i32", "i64", "u32", "u64", "bool", "f32", "f64"];
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let after = &from["super::".len()..];
        let ident_before = before
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let primitive = PRIMITIVES.iter().find(|p| {
            after.starts_with(*p)
                && !after[p.len()..]
                    .starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        });
        match primitive {
            Some(p) if !ident_before => {
                out.push_str(p);
                rest = &after[p.len()..];
            }
            _ => {
                out.push_str("super::");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A type as prost wrote it inside the package module (`HelloReq`, `super::common::Page`,
/// `::prost_types::Timestamp`, `()`, `i32`) as a path from the crate root.
fn absolute(package: &[String], rust_type: &str) -> String {
    if rust_type.starts_with("::") || rust_type.starts_with("crate::") {
        return rust_type.to_owned();
    }
    let relative = rust_type.contains("::") || rust_type.starts_with(char::is_uppercase);
    if !relative {
        // (), i32, bool, ...: the wrapper types prost maps to Rust primitives.
        return rust_type.to_owned();
    }
    let mut parts: Vec<&str> = package.iter().map(String::as_str).collect();
    let mut rest = rust_type;
    while let Some(stripped) = rest.strip_prefix("super::") {
        parts.pop();
        rest = stripped;
    }
    std::iter::once("crate::pb")
        .chain(parts)
        .chain(std::iter::once(rest))
        .collect::<Vec<_>>()
        .join("::")
}

/// The package modules nested as Rust modules, then the encoded descriptors.
fn render_pb(
    proto: &str,
    modules: &std::collections::HashMap<Module, String>,
    descriptors: &[u8],
) -> String {
    #[derive(Default)]
    struct Node {
        code: String,
        children: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    let mut sorted: Vec<_> = modules.iter().collect();
    sorted.sort_by_key(|(m, _)| m.parts().map(str::to_owned).collect::<Vec<_>>());
    for (module, code) in sorted {
        let mut node = &mut root;
        for part in module.parts() {
            node = node.children.entry(part.to_owned()).or_default();
        }
        node.code.push_str(code);
    }
    fn write(node: &Node, out: &mut String) {
        out.push_str(&node.code);
        for (name, child) in &node.children {
            let _ = writeln!(out, "pub mod {name} {{");
            write(child, out);
            out.push_str("}\n");
        }
    }
    let mut out = format!(
        "//! Code generated by rzctl from {proto}. DO NOT EDIT.\n//!\n\
         //! The protobuf types of {proto} and its imports (prost), and the tonic server and\n\
         //! client of its services, one module per protobuf package.\n\n\
         #![allow(clippy::all, clippy::pedantic, rustdoc::all)]\n\n"
    );
    write(&root, &mut out);
    out.push_str(
        "\n/// The encoded `FileDescriptorSet` of these files, which gRPC reflection serves.\n\
         pub const FILE_DESCRIPTOR_SET: &[u8] = b\"",
    );
    for byte in descriptors {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(*byte));
            }
            0x20..=0x7e => out.push(char::from(*byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push_str("\";\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_resolve_from_the_crate_root() {
        let pkg = vec!["shop".to_owned(), "v1".to_owned()];
        assert_eq!(absolute(&pkg, "Book"), "crate::pb::shop::v1::Book");
        assert_eq!(
            absolute(&pkg, "book::Cover"),
            "crate::pb::shop::v1::book::Cover"
        );
        assert_eq!(
            absolute(&pkg, "super::super::common::Page"),
            "crate::pb::common::Page"
        );
        assert_eq!(
            absolute(&pkg, "::prost_types::Timestamp"),
            "::prost_types::Timestamp"
        );
        assert_eq!(absolute(&pkg, "()"), "()");
        assert_eq!(absolute(&[], "Ping"), "crate::pb::Ping");
    }

    #[test]
    fn primitive_method_types_lose_their_super_prefix() {
        assert_eq!(
            unprefix_primitives(
                "Response<super::i64>, x: super::Book, super::super::i32x, super::boolean"
            ),
            "Response<i64>, x: super::Book, super::super::i32x, super::boolean"
        );
    }

    #[test]
    fn module_names_follow_tonic() {
        assert_eq!(naive_snake_case("Greeter"), "greeter");
        assert_eq!(naive_snake_case("UserService"), "user_service");
        assert_eq!(naive_snake_case("HTTPProxy"), "h_t_t_p_proxy");
    }
}
