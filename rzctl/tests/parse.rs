//! One test per .api construct: what the parser and checker make of it in
//! the model.

mod common;

use common::{load_files, spec};
use rzctl::api::{Builtin, GoType, NumberRange};

fn named(name: &str) -> GoType {
    GoType::Named {
        name: name.to_owned(),
    }
}

fn builtin(b: Builtin) -> GoType {
    GoType::Builtin { name: b }
}

fn field_types(src: &str, ty: &str) -> Vec<(Option<String>, GoType)> {
    let s = spec(src);
    let t = s
        .find_type(ty)
        .unwrap_or_else(|| panic!("type {ty} missing"));
    t.fields
        .iter()
        .map(|f| (f.name.clone(), f.ty.clone()))
        .collect()
}

#[test]
fn empty_file_is_an_empty_api_with_syntax_v1() {
    let s = spec("");
    assert_eq!(s.syntax, "v1");
    assert!(s.types.is_empty());
    assert_eq!(s.service.name, "");
    assert!(s.service.groups.is_empty());
}

#[test]
fn syntax_statement() {
    assert_eq!(spec("syntax = \"v1\"").syntax, "v1");
}

#[test]
fn info_values_are_unquoted_and_keep_order() {
    let s = spec("info (\n\ttitle: \"T\"\n\tdesc: `D`\n\tversion: v1\n)");
    let pairs: Vec<(&str, &str)> = s
        .info
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![("title", "T"), ("desc", "D"), ("version", "v1")]
    );
    assert_eq!(s.info_value("Title"), Some("T"));
}

#[test]
fn info_values_without_quotes_from_older_files() {
    let s = spec("info(\n    title: my old service\n    version: 1.0\n)");
    assert_eq!(s.info_value("title"), Some("my old service"));
    assert_eq!(s.info_value("version"), Some("1.0"));
}

#[test]
fn imports_literal_and_group_are_relative_to_the_importing_file() {
    let s = load_files(&[
        (
            "main.api",
            "import \"a/one.api\"\nimport (\n\t\"a/two.api\"\n)",
        ),
        (
            "a/one.api",
            "import \"two.api\"\ntype One {\n\tT Two `json:\"t\"`\n}",
        ),
        ("a/two.api", "type Two {\n\tV int `json:\"v\"`\n}"),
    ])
    .unwrap_or_else(|d| panic!("{d}"));
    let names: Vec<&str> = s.types.iter().map(|t| t.name.as_str()).collect();
    // a/two.api is imported twice and read once
    assert_eq!(names, vec!["One", "Two"]);
}

#[test]
fn type_literal_group_and_older_struct_keyword() {
    let s = spec(
        "type A {\n\tX int `json:\"x\"`\n}\ntype (\n\tB {\n\t\tY int `json:\"y\"`\n\t}\n\tC {}\n)\ntype D struct {\n\tZ int `json:\"z\"`\n}",
    );
    let names: Vec<&str> = s.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["A", "B", "C", "D"]);
    assert!(s.find_type("C").is_some_and(|c| c.fields.is_empty()));
}

#[test]
fn type_with_assign_is_accepted_for_structs() {
    let s = spec("type A = {\n\tX int `json:\"x\"`\n}");
    assert_eq!(s.types.len(), 1);
}

#[test]
fn every_builtin_type() {
    let mut src = String::from("type T {\n");
    for (i, b) in Builtin::ALL.iter().enumerate() {
        src.push_str(&format!("\tF{i} {}\n", b.as_str()));
    }
    src.push('}');
    let fields = field_types(&src, "T");
    let types: Vec<GoType> = fields.into_iter().map(|(_, t)| t).collect();
    let expected: Vec<GoType> = Builtin::ALL.iter().map(|b| builtin(*b)).collect();
    assert_eq!(types, expected);
}

#[test]
fn any_and_empty_interface_are_any() {
    let fields = field_types("type T {\n\tA any\n\tB interface{}\n}", "T");
    assert_eq!(
        fields,
        vec![
            (Some("A".to_owned()), GoType::Any),
            (Some("B".to_owned()), GoType::Any)
        ]
    );
}

#[test]
fn composite_types() {
    let fields = field_types(
        "type U {}\ntype T {\n\tS []string\n\tA [3]int\n\tM map[string][]*U\n\tP *U\n\tPP **int\n}",
        "T",
    );
    let types: Vec<GoType> = fields.into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        types,
        vec![
            GoType::Slice {
                elem: Box::new(builtin(Builtin::String))
            },
            GoType::Array {
                len: 3,
                elem: Box::new(builtin(Builtin::Int))
            },
            GoType::Map {
                key: Box::new(builtin(Builtin::String)),
                value: Box::new(GoType::Slice {
                    elem: Box::new(GoType::Pointer {
                        elem: Box::new(named("U"))
                    })
                })
            },
            GoType::Pointer {
                elem: Box::new(named("U"))
            },
            GoType::Pointer {
                elem: Box::new(GoType::Pointer {
                    elem: Box::new(builtin(Builtin::Int))
                })
            },
        ]
    );
    assert_eq!(types[2].to_go(), "map[string][]*U");
}

#[test]
fn nested_anonymous_struct_with_tag() {
    let s = spec("type T {\n\tInner {\n\t\tA int `json:\"a\"`\n\t} `json:\"inner\"`\n}");
    let t = &s.types[0];
    let inner = &t.fields[0];
    assert_eq!(inner.name.as_deref(), Some("Inner"));
    assert_eq!(
        inner
            .tag
            .as_ref()
            .and_then(|t| t.get("json"))
            .map(|e| e.name.as_str()),
        Some("inner")
    );
    let GoType::Struct { fields } = &inner.ty else {
        panic!("not a struct: {:?}", inner.ty);
    };
    assert_eq!(fields[0].name.as_deref(), Some("A"));
}

#[test]
fn embedded_types_with_and_without_pointer() {
    let fields = field_types(
        "type Base {}\ntype T {\n\tBase\n\t*Base\n\tName string\n}",
        "T",
    );
    assert_eq!(
        fields,
        vec![
            (None, named("Base")),
            (
                None,
                GoType::Pointer {
                    elem: Box::new(named("Base"))
                }
            ),
            (Some("Name".to_owned()), builtin(Builtin::String)),
        ]
    );
}

#[test]
fn several_names_share_type_and_tag() {
    let s = spec("type T {\n\tA, B, C int `json:\"v\"`\n}");
    let names: Vec<Option<&str>> = s.types[0]
        .fields
        .iter()
        .map(|f| f.name.as_deref())
        .collect();
    assert_eq!(names, vec![Some("A"), Some("B"), Some("C")]);
    assert!(s.types[0].fields.iter().all(|f| f.tag.is_some()));
}

#[test]
fn tags_with_go_zero_options() {
    let s = spec(
        "type T {\n\tA int `json:\"a,optional\" form:\"a,default=5,range=[1:10)\"`\n\tB string `path:\"b,options=x|y\"`\n\tC string `header:\"X-C,options=[p,q]\"`\n}",
    );
    let f = &s.types[0].fields;
    let a = f[0].tag.as_ref().unwrap_or_else(|| panic!("no tag"));
    assert!(a.get("json").is_some_and(|e| e.optional));
    let form = a.get("form").unwrap_or_else(|| panic!("no form"));
    assert_eq!(form.default.as_deref(), Some("5"));
    assert_eq!(
        form.range,
        Some(NumberRange {
            min: Some(1.0),
            min_inclusive: true,
            max: Some(10.0),
            max_inclusive: false
        })
    );
    let b = f[1]
        .tag
        .as_ref()
        .and_then(|t| t.get("path"))
        .map(|e| e.options.clone());
    assert_eq!(b, Some(vec!["x".to_owned(), "y".to_owned()]));
    let c = f[2]
        .tag
        .as_ref()
        .and_then(|t| t.get("header"))
        .map(|e| (e.name.clone(), e.options.clone()));
    assert_eq!(
        c,
        Some(("X-C".to_owned(), vec!["p".to_owned(), "q".to_owned()]))
    );
}

#[test]
fn every_range_bracket_combination() {
    for (range, min_inc, max_inc) in [
        ("[1:2]", true, true),
        ("[1:2)", true, false),
        ("(1:2]", false, true),
        ("(1:2)", false, false),
    ] {
        let s = spec(&format!(
            "type T {{\n\tA int `json:\"a,range={range}\"`\n}}"
        ));
        let r = s.types[0].fields[0]
            .tag
            .as_ref()
            .and_then(|t| t.get("json"))
            .and_then(|e| e.range.clone());
        assert_eq!(
            r.map(|r| (r.min_inclusive, r.max_inclusive)),
            Some((min_inc, max_inc)),
            "{range}"
        );
    }
}

#[test]
fn at_server_keys_are_decoded() {
    let s = spec(
        "@server (\n\tjwt: Auth\n\tjwtTransition: Old\n\tgroup: a/b\n\tprefix: /v1/x-y\n\tmiddleware: M1, M2\n\ttimeout: 1h30m\n\tmaxBytes: 1024\n\tsignature: true\n\tsse: false\n\tcustom: value\n)\nservice s {\n\t@handler h\n\tget /a\n}",
    );
    let o = &s.service.groups[0].server;
    assert_eq!(o.jwt.as_deref(), Some("Auth"));
    assert_eq!(o.jwt_transition.as_deref(), Some("Old"));
    assert_eq!(o.group.as_deref(), Some("a/b"));
    assert_eq!(o.prefix.as_deref(), Some("/v1/x-y"));
    assert_eq!(o.middleware, vec!["M1", "M2"]);
    assert_eq!(o.timeout.as_deref(), Some("1h30m"));
    assert_eq!(o.timeout_ms, Some(5_400_000));
    assert_eq!(o.max_bytes, Some(1024));
    assert!(o.signature);
    assert!(!o.sse);
    assert_eq!(o.other.len(), 1);
    assert_eq!(
        (o.other[0].key.as_str(), o.other[0].value.as_str()),
        ("custom", "value")
    );
}

#[test]
fn doc_literal_and_group() {
    let s = spec(
        "service s {\n\t@doc \"one\"\n\t@handler a\n\tget /a\n\n\t@doc (\n\t\tsummary: \"two\"\n\t\ttag: t\n\t)\n\t@handler b\n\tget /b\n}",
    );
    let r = &s.service.groups[0].routes;
    assert_eq!(r[0].doc.as_deref(), Some("one"));
    assert!(r[1].doc.is_none());
    let props: Vec<(&str, &str)> = r[1]
        .doc_properties
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_str()))
        .collect();
    assert_eq!(props, vec![("summary", "two"), ("tag", "t")]);
}

#[test]
fn every_http_method() {
    let methods = [
        "get", "head", "post", "put", "patch", "delete", "connect", "options", "trace",
    ];
    let mut src = String::from("service s {\n");
    for m in methods {
        src.push_str(&format!("\t@handler {m}H\n\t{m} /x\n"));
    }
    src.push('}');
    let s = spec(&src);
    let got: Vec<&str> = s.service.groups[0]
        .routes
        .iter()
        .map(|r| r.method.as_str())
        .collect();
    assert_eq!(got, methods);
}

#[test]
fn path_forms() {
    let paths = [
        "/",
        "/a/:id",
        "/a-b/c-d-e",
        "/v1/2fa/3",
        "/file/:name.json",
        "/a/b.c/:x-y",
    ];
    let mut src = String::from("service s {\n");
    for (i, p) in paths.iter().enumerate() {
        src.push_str(&format!("\t@handler h{i}\n\tget {p}\n"));
    }
    src.push('}');
    let s = spec(&src);
    let got: Vec<&str> = s.service.groups[0]
        .routes
        .iter()
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(got, paths);
    let params: Vec<Vec<String>> = s.service.groups[0]
        .routes
        .iter()
        .map(|r| r.path_params.clone())
        .collect();
    assert_eq!(params[1], vec!["id"]);
    assert_eq!(params[5], vec!["x-y"]);
}

#[test]
fn request_and_response_forms() {
    let s = spec(
        "type R {}\nservice s {\n\t@handler a\n\tget /a (R) returns ([]R)\n\t@handler b\n\tget /b (*R) returns (*R);\n\t@handler c\n\tget /c () returns ()\n\t@handler d\n\tget /d returns ([]*R)\n\t@handler e\n\tget /e (string) returns (any)\n}",
    );
    let r = &s.service.groups[0].routes;
    assert_eq!(r[0].request, Some(named("R")));
    assert_eq!(
        r[0].response,
        Some(GoType::Slice {
            elem: Box::new(named("R"))
        })
    );
    assert_eq!(
        r[1].request,
        Some(GoType::Pointer {
            elem: Box::new(named("R"))
        })
    );
    assert_eq!((r[2].request.clone(), r[2].response.clone()), (None, None));
    assert_eq!(
        r[3].response.as_ref().map(GoType::to_go).as_deref(),
        Some("[]*R")
    );
    assert_eq!(r[4].request, Some(builtin(Builtin::String)));
    assert_eq!(r[4].response, Some(GoType::Any));
}

#[test]
fn comments_become_docs() {
    let s = spec(
        "// A is a thing.\n// Really.\ntype A {\n\t// the id\n\tId int `json:\"id\"` // trailing\n}\nservice s {\n\t// route doc\n\t@handler h\n\tget /a\n}",
    );
    let a = &s.types[0];
    assert_eq!(a.docs, vec!["A is a thing.", "Really."]);
    assert_eq!(a.fields[0].docs, vec!["the id"]);
    assert_eq!(a.fields[0].comment.as_deref(), Some("trailing"));
    assert_eq!(s.service.groups[0].routes[0].comments, vec!["route doc"]);
}

#[test]
fn older_route_annotations() {
    let s = spec(
        "type Req {}\nservice greet-api {\n    @doc(\"say hi\")\n    @server(\n        handler: GreetHandler\n    )\n    get /greet(Req);\n}",
    );
    assert_eq!(s.service.name, "greet-api");
    let r = &s.service.groups[0].routes[0];
    assert_eq!(r.handler, "GreetHandler");
    assert_eq!(r.doc.as_deref(), Some("say hi"));
}

#[test]
fn several_service_blocks_make_groups() {
    let s = spec(
        "@server (\n\tgroup: a\n)\nservice s {\n\t@handler x\n\tget /x\n}\n@server (\n\tgroup: b\n)\nservice s {\n\t@handler x\n\tget /y\n}",
    );
    assert_eq!(s.service.groups.len(), 2);
    let groups: Vec<Option<&str>> = s
        .service
        .groups
        .iter()
        .map(|g| g.server.group.as_deref())
        .collect();
    assert_eq!(groups, vec![Some("a"), Some("b")]);
}

#[test]
fn model_of_the_shop_example() {
    let path = common::data_dir().join("valid").join("shop.api");
    let s = rzctl::api::load(&path).unwrap_or_else(|d| panic!("{d}"));
    insta::assert_json_snapshot!("shop_model", s);
}
