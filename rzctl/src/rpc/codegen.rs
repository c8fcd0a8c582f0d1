//! prost-build and tonic-prost-build run in memory on protox's descriptors: the protobuf
//! code of every file (the root and its imports, except the well-known types, which
//! `prost-types` provides), and the tonic server and client of every service, as one
//! `src/pb.rs` of nested package modules. A recording service generator sits in front of
//! tonic's, so the model gets the method types exactly as prost resolved them.

use super::compile::Compiled;
use super::model::{MethodSpec, RpcSpec, ServiceSpec};
use prost::Message;
use prost_build::{Module, Service, ServiceGenerator};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// Records every service it is handed, then lets tonic generate its code.
struct Recording {
    tonic: Box<dyn ServiceGenerator>,
    seen: Rc<RefCell<Vec<Service>>>,
}

impl ServiceGenerator for Recording {
    fn generate(&mut self, service: Service, buf: &mut String) {
        self.seen.borrow_mut().push(service.clone());
        self.tonic.generate(service, buf);
    }

    fn finalize(&mut self, buf: &mut String) {
        self.tonic.finalize(buf);
    }

    fn finalize_package(&mut self, package: &str, buf: &mut String) {
        self.tonic.finalize_package(package, buf);
    }
}

pub(crate) fn generate(compiled: Compiled) -> Result<RpcSpec, String> {
    let Compiled { name, files } = compiled;
    let root = files
        .file
        .iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| format!("{name} is missing from its own descriptor set"))?
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
            .map_err(|_| format!("prost-build failed on {name}; please report this file"))?;
    let mut modules =
        generated.map_err(|e| format!("cannot generate the protobuf code of {name}: {e}"))?;
    modules.retain(|module, _| module.parts().collect::<Vec<_>>() != ["google", "protobuf"]);
    for code in modules.values_mut() {
        *code = unprefix_primitives(code);
    }

    // Only the root file's services become server glue, logic and clients; services of
    // imported files keep their tonic code in pb.rs for whoever wants them.
    let root_services: Vec<&str> = root.service.iter().map(|s| s.name()).collect();
    let package = root.package().to_owned();
    let services = seen
        .borrow()
        .iter()
        .filter(|s| s.package == package && root_services.contains(&s.proto_name.as_str()))
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
