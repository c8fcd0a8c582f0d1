//! `rzctl api openapi`: the document for the bookstore sample, read back as
//! JSON and checked fact by fact, its YAML form, and the cases the sample
//! does not cover.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{data_dir, spec};
use rzctl::api::openapi::{Format, build, render};
use rzctl::api::{self, ApiSpec};
use serde_json::{Value, json};

fn bookstore() -> ApiSpec {
    api::load(data_dir().join("valid").join("bookstore.api")).unwrap_or_else(|d| panic!("{d}"))
}

fn json_text(spec: &ApiSpec) -> String {
    render(&build(spec).document, Format::Json).unwrap()
}

fn document(spec: &ApiSpec) -> Value {
    serde_json::from_str(&json_text(spec)).unwrap()
}

fn at<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} is missing"))
}

/// The parameter `name` of the operation at `op` (a JSON pointer).
fn parameter<'a>(doc: &'a Value, op: &str, name: &str) -> &'a Value {
    at(doc, &format!("{op}/parameters"))
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{op} has no parameter {name}"))
}

/// Every (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in at(doc, "/paths").as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), op));
        }
    }
    out
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn snapshot_of_the_bookstore_document() {
    insta::assert_snapshot!("openapi_bookstore_json", json_text(&bookstore()));
}

#[test]
fn info_comes_from_the_info_block() {
    let doc = document(&bookstore());
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["info"],
        json!({
            "title": "Bookstore",
            "description": "Books, authors and ratings.",
            "version": "1.2.0",
            "contact": {"name": "rzero", "email": "dev@example.com"}
        })
    );
}

#[test]
fn info_has_defaults_when_the_file_has_none() {
    let doc = document(&spec("service hello-api {\n\t@handler Hi\n\tget /hi\n}"));
    assert_eq!(
        doc["info"],
        json!({"title": "hello-api", "version": "1.0.0"})
    );
}

#[test]
fn every_ref_points_at_something_that_exists() {
    let doc = document(&bookstore());
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 30, "{}", all.len());
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "dangling {r}");
    }
    // only the types JSON reaches are components: ListBooksReq is all query
    let schemas = at(&doc, "/components/schemas").as_object().unwrap();
    assert!(!schemas.contains_key("ListBooksReq"));
    assert!(!schemas.contains_key("Page"));
    for name in [
        "Book", "Author", "Money", "Image", "Category", "Stats", "Envelope",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
}

#[test]
fn required_lists_follow_optional_default_and_omitempty() {
    let doc = document(&bookstore());
    assert_eq!(
        at(&doc, "/components/schemas/Book/required"),
        &json!([
            "createdAt",
            "id",
            "title",
            "authors",
            "price",
            "rating",
            "stock",
            "cover",
            "isbn",
            "meta",
            "Note"
        ])
    );
    assert_eq!(
        at(&doc, "/components/schemas/Money/required"),
        &json!(["amount"])
    );
    assert_eq!(
        at(&doc, "/components/schemas/CreateBookReq/required"),
        &json!(["title", "authorIds", "price"])
    );
    // a struct whose fields are all optional has no required list
    assert!(
        doc.pointer("/components/schemas/UpdateBookReq/required")
            .is_none()
    );
    assert_eq!(
        at(&doc, "/components/schemas/Book/properties/meta/required"),
        &json!(["pages"])
    );
}

#[test]
fn embedded_fields_are_flattened_and_untagged_fields_keep_their_go_name() {
    let spec = bookstore();
    let built = build(&spec);
    // properties keep the .api order (serde_json's Value would sort them)
    let book = built.document.components.schemas.get("Book").unwrap();
    let names: Vec<&str> = book.properties.as_ref().unwrap().keys().collect();
    assert_eq!(&names[..3], ["createdAt", "updatedAt", "id"]);
    assert_eq!(names.last(), Some(&"Note"));
    let doc = document(&spec);
    assert!(
        !doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .contains_key("Audit")
    );
}

#[test]
fn rules_become_schema_constraints_of_the_field_type() {
    let doc = document(&bookstore());
    let list = "/paths/~1api~1v1~1books/get";
    assert_eq!(
        parameter(&doc, list, "page")["schema"],
        json!({"type": "integer", "format": "int64", "default": 1, "minimum": 1, "maximum": 1000})
    );
    assert_eq!(
        parameter(&doc, list, "size")["schema"],
        json!({"type": "integer", "format": "int64", "default": 20, "exclusiveMinimum": 0, "maximum": 100})
    );
    let sort = &parameter(&doc, list, "sort")["schema"];
    assert_eq!(sort["enum"], json!(["new", "hot", "price"]));
    assert_eq!(sort["default"], "new");
    assert_eq!(parameter(&doc, list, "minPrice")["schema"]["minimum"], 0);
    // options on a list constrain its elements
    let fields = &parameter(&doc, "/paths/~1api~1v1~1books~1{id}/get", "fields")["schema"];
    assert_eq!(fields["type"], "array");
    assert_eq!(
        fields["items"]["enum"],
        json!(["title", "price", "authors"])
    );

    let book = at(&doc, "/components/schemas/Book/properties");
    assert_eq!(book["rating"]["minimum"], 0);
    assert_eq!(book["rating"]["maximum"], 5);
    assert_eq!(
        book["stock"],
        json!({"type": "integer", "format": "uint32", "minimum": 0})
    );
    assert_eq!(book["meta"]["properties"]["pages"]["exclusiveMinimum"], 0);
    assert_eq!(book["meta"]["properties"]["lang"]["default"], "en");
    let create = at(&doc, "/components/schemas/CreateBookReq/properties");
    assert_eq!(create["rating"]["exclusiveMaximum"], 5);
    assert_eq!(create["draft"]["default"], false);
    let money = at(&doc, "/components/schemas/Money/properties/currency");
    assert_eq!(money["enum"], json!(["CNY", "USD", "EUR"]));
    assert_eq!(money["default"], "CNY");
}

#[test]
fn go_types_map_to_json_schema() {
    let doc = document(&bookstore());
    let book = at(&doc, "/components/schemas/Book/properties");
    assert_eq!(book["id"], json!({"type": "integer", "format": "int64"}));
    assert_eq!(book["title"], json!({"type": "string"}));
    assert_eq!(
        book["authors"]["items"]["$ref"],
        "#/components/schemas/Author"
    );
    assert_eq!(book["attrs"]["additionalProperties"], json!({}));
    assert_eq!(book["isbn"]["minItems"], 13);
    assert_eq!(book["isbn"]["maxItems"], 13);
    // a pointer without omitempty is written as null when nil
    assert_eq!(
        book["cover"],
        json!({"anyOf": [{"$ref": "#/components/schemas/Image"}, {"type": "null"}]})
    );
    let author = at(&doc, "/components/schemas/Author/properties");
    assert_eq!(author["bio"], json!({"type": "string"}));
    let resp = at(&doc, "/components/schemas/ListBooksResp/properties");
    assert_eq!(resp["next"]["type"], json!(["string", "null"]));
    assert_eq!(resp["raw"]["contentEncoding"], "base64");
    let stats = at(&doc, "/components/schemas/Stats/properties");
    assert_eq!(stats["ratio"], json!({"type": "number", "format": "float"}));
    assert_eq!(
        stats["counts"]["additionalProperties"],
        json!({"type": "integer", "format": "int64"})
    );
    assert_eq!(stats["byYear"]["propertyNames"]["pattern"], "^-?[0-9]+$");
    let update = at(&doc, "/components/schemas/UpdateBookReq/properties/stock");
    assert_eq!(update["type"], json!(["integer", "null"]));
    assert_eq!(update["exclusiveMaximum"], 100000);
}

#[test]
fn parameters_by_source_and_bodies_by_method() {
    let doc = document(&bookstore());
    // path parameters: {id} and a matching required parameter
    for (path, method, _) in operations(&doc) {
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let p = parameter(
                    &doc,
                    &format!("/paths/{}/{method}", path.replace('/', "~1")),
                    name,
                );
                assert_eq!(p["in"], "path", "{path}");
                assert_eq!(p["required"], true, "{path}");
            }
        }
        assert!(!path.contains(':'), "{path}");
    }
    // a header parameter
    let list = "/paths/~1api~1v1~1books/get";
    assert_eq!(parameter(&doc, list, "Accept-Language")["in"], "header");
    assert_eq!(parameter(&doc, list, "Accept-Language")["required"], false);
    // POST with JSON fields: the form field goes to the query, JSON to the body
    let create = "/paths/~1api~1v1~1books/post";
    assert_eq!(parameter(&doc, create, "notify")["in"], "query");
    assert_eq!(parameter(&doc, create, "X-Request-Id")["required"], true);
    assert_eq!(
        at(&doc, &format!("{create}/requestBody")),
        &json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateBookReq"}}}})
    );
    // POST with form fields only: a url-encoded body
    let rate = "/paths/~1api~1v1~1books~1{id}~1ratings/post";
    let body = at(
        &doc,
        &format!("{rate}/requestBody/content/application~1x-www-form-urlencoded/schema"),
    );
    assert_eq!(body["required"], json!(["stars"]));
    assert_eq!(body["properties"]["stars"]["minimum"], 1);
    assert_eq!(body["properties"]["stars"]["maximum"], 5);
    assert_eq!(
        at(&doc, &format!("{rate}/parameters"))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // DELETE: form fields in the query, no body
    let delete = "/paths/~1api~1v1~1books~1{id}/delete";
    assert_eq!(parameter(&doc, delete, "reason")["in"], "query");
    assert!(doc.pointer(&format!("{delete}/requestBody")).is_none());
    // a path parameter the request type does not declare
    let cover = "/paths/~1api~1v1~1books~1{id}~1cover/get";
    assert_eq!(
        parameter(&doc, cover, "id")["schema"],
        json!({"type": "string"})
    );
}

#[test]
fn security_applies_to_jwt_routes_only() {
    let doc = document(&bookstore());
    assert_eq!(
        at(&doc, "/components/securitySchemes/bearerAuth"),
        &json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT signed with the secret under the config key `Auth`."
        })
    );
    let mut secured = 0;
    for (path, method, op) in operations(&doc) {
        let jwt = op["tags"] == json!(["book"]);
        if jwt {
            secured += 1;
            assert_eq!(
                op["security"],
                json!([{"bearerAuth": []}]),
                "{method} {path}"
            );
            assert!(op["responses"].get("401").is_some(), "{method} {path}");
        } else {
            assert!(op.get("security").is_none(), "{method} {path}");
            assert!(op["responses"].get("401").is_none(), "{method} {path}");
        }
    }
    assert_eq!(secured, 5);
}

#[test]
fn operations_carry_ids_tags_docs_and_the_envelope() {
    let doc = document(&bookstore());
    let ops = operations(&doc);
    assert_eq!(ops.len(), 11);
    let ids: Vec<&str> = ops
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    let list = at(&doc, "/paths/~1api~1v1~1books/get");
    assert_eq!(list["operationId"], "ListBooks");
    assert_eq!(list["tags"], json!(["public"]));
    assert_eq!(list["summary"], "List books");
    assert_eq!(
        list["description"],
        "Pages through the catalogue, newest first unless sorted otherwise."
    );
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"allOf": [
            {"$ref": "#/components/schemas/Envelope"},
            {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/ListBooksResp"}}}
        ]})
    );
    for status in ["400", "500", "503"] {
        assert!(list["responses"].get(status).is_some(), "{status}");
    }
    // no response type: the bare envelope; no request: no 400
    let delete = at(
        &doc,
        "/paths/~1api~1v1~1books~1{id}/delete/responses/200/content/application~1json/schema",
    );
    assert_eq!(delete, &json!({"$ref": "#/components/schemas/Envelope"}));
    let categories = at(&doc, "/paths/~1api~1v1~1categories/get/responses");
    assert!(categories.get("400").is_none());
    assert_eq!(
        at(&doc, "/components/schemas/Envelope/required"),
        &json!(["code", "msg"])
    );
    assert_eq!(
        at(
            &doc,
            "/components/responses/Unauthorized/content/application~1json/schema/$ref"
        ),
        "#/components/schemas/Envelope"
    );
    // HEAD answers without a body
    assert!(
        doc.pointer("/paths/~1api~1v1~1ping/head/responses/200/content")
            .is_none()
    );
    // SSE: an event stream whose events carry the response type
    let watch = at(
        &doc,
        "/paths/~1api~1v1~1watch/get/responses/200/content/text~1event-stream",
    );
    assert_eq!(watch["schema"]["type"], "string");
    assert_eq!(
        watch["x-event-data"]["$ref"],
        "#/components/schemas/BookEvent"
    );
}

#[test]
fn yaml_is_the_same_document() {
    let spec = bookstore();
    let built = build(&spec);
    let yaml = render(&built.document, Format::Yaml).unwrap();
    let from_yaml: Value = serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_yaml, document(&spec));
    // status codes and versions stay strings
    assert!(yaml.contains("\"200\":"), "{yaml}");
    assert!(yaml.contains("version: \"1.2.0\""), "{yaml}");
    insta::assert_snapshot!(
        "openapi_bookstore_yaml_head",
        yaml.lines().take(40).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn handlers_shared_by_groups_get_distinct_operation_ids() {
    let src = "type Req {\n\tId int64 `path:\"id\"`\n}\n\n\
               @server (\n\tgroup: admin\n)\nservice s {\n\t@handler Get\n\tget /admin/:id (Req)\n}\n\n\
               @server (\n\tgroup: user\n)\nservice s {\n\t@handler Get\n\tget /user/:id (Req)\n}\n";
    let doc = document(&spec(src));
    assert_eq!(at(&doc, "/paths/~1admin~1{id}/get/operationId"), "AdminGet");
    assert_eq!(at(&doc, "/paths/~1user~1{id}/get/operationId"), "UserGet");
}

#[test]
fn connect_routes_are_left_out_with_a_warning() {
    let built = build(&spec(
        "service s {\n\t@handler Tunnel\n\tconnect /tunnel\n\n\t@handler Hi\n\tget /hi\n}",
    ));
    assert_eq!(
        built.warnings,
        vec!["CONNECT /tunnel (Tunnel) is left out: OpenAPI 3.1 has no CONNECT operation"]
    );
    let doc = serde_json::to_value(&built.document).unwrap();
    assert!(doc["paths"].get("/tunnel").is_none());
    assert!(doc["paths"].get("/hi").is_some());
}

#[test]
fn a_declared_envelope_type_keeps_its_name() {
    let src = "type Envelope {\n\tX int `json:\"x\"`\n}\n\nservice s {\n\t@handler Get\n\tget /e returns (Envelope)\n}";
    let doc = document(&spec(src));
    assert_eq!(
        at(&doc, "/components/schemas/Envelope/required"),
        &json!(["x"])
    );
    assert_eq!(
        at(&doc, "/components/schemas/Envelope2/required"),
        &json!(["code", "msg"])
    );
    assert_eq!(
        at(
            &doc,
            "/paths/~1e/get/responses/200/content/application~1json/schema/allOf/0/$ref"
        ),
        "#/components/schemas/Envelope2"
    );
}

#[test]
fn a_json_body_and_a_nullable_enum() {
    let src = "type Req {\n\tKind *string `json:\"kind,options=a|b\"`\n}\n\n\
               service s {\n\t@handler Put\n\tput /k (Req) returns (string)\n}";
    let doc = document(&spec(src));
    assert_eq!(
        at(&doc, "/components/schemas/Req/properties/kind"),
        &json!({"type": ["string", "null"], "enum": ["a", "b", null]})
    );
    assert_eq!(
        at(
            &doc,
            "/paths/~1k/put/responses/200/content/application~1json/schema/allOf/1/properties/data"
        ),
        &json!({"type": "string"})
    );
}

/// Validates the JSON and YAML documents with openapi-spec-validator when
/// Python has it (`pip install openapi-spec-validator`); skipped otherwise.
#[test]
fn the_document_passes_openapi_spec_validator() {
    let probe = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "note: skipped: python3 with openapi-spec-validator is not installed \
             (pip install openapi-spec-validator)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = bookstore();
    let built = build(&spec);
    let json_path = dir.path().join("openapi.json");
    let yaml_path = dir.path().join("openapi.yaml");
    std::fs::write(&json_path, render(&built.document, Format::Json).unwrap()).unwrap();
    std::fs::write(&yaml_path, render(&built.document, Format::Yaml).unwrap()).unwrap();
    let script = "import sys\n\
                  from openapi_spec_validator import validate\n\
                  from openapi_spec_validator.readers import read_from_filename\n\
                  for path in sys.argv[1:]:\n    \
                      doc, _ = read_from_filename(path)\n    \
                      validate(doc)\n\
                  print('valid')\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&json_path)
        .arg(&yaml_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
}
