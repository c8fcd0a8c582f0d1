//! `rzctl api doc`: the Markdown for the bookstore sample, and its structure:
//! a section per group, route and type, tables that stay tables, links that
//! lead somewhere.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used)]

mod common;

use common::{data_dir, spec};
use rzctl::api::doc::render;
use rzctl::api::shape::full_path;
use rzctl::api::{self, ApiSpec};

fn bookstore() -> ApiSpec {
    api::load(data_dir().join("valid").join("bookstore.api")).unwrap_or_else(|d| panic!("{d}"))
}

/// The text from `heading` to the next heading of the same or a higher level.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let level = heading.chars().take_while(|c| *c == '#').count();
    let rest = &doc[start + heading.len()..];
    let end = rest
        .lines()
        .scan(0usize, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, line)| {
            let hashes = line.chars().take_while(|c| *c == '#').count();
            hashes > 0 && hashes <= level && line.chars().nth(hashes) == Some(' ')
        })
        .map_or(rest.len(), |(at, _)| at);
    &rest[..end]
}

#[test]
fn snapshot_of_the_bookstore_doc() {
    insta::assert_snapshot!("doc_bookstore", render(&bookstore()));
}

#[test]
fn the_service_comes_first() {
    let doc = render(&bookstore());
    assert!(doc.starts_with("# Bookstore\n\nBooks, authors and ratings.\n\n"));
    let intro = section(&doc, "# Bookstore");
    for fact in [
        "- Service: `bookstore-api`",
        "- Version: 1.2.0",
        "- Author: rzero <dev@example.com>",
    ] {
        assert!(intro.contains(fact), "{fact}");
    }
}

#[test]
fn every_group_route_and_type_has_a_section() {
    let spec = bookstore();
    let doc = render(&spec);
    let book = section(&doc, "## Group `book`");
    for fact in [
        "- Prefix: `/api/v1`",
        "- JWT: required; send `Authorization: Bearer <token>` (secret in config key `Auth`)",
        "- Middleware: `Audit`, `RateLimit`",
        "- Timeout: 5s",
        "- Max body: 1048576 bytes",
    ] {
        assert!(book.contains(fact), "{fact}");
    }
    assert!(section(&doc, "## Group 3").contains("- SSE: responses are server-sent events"));
    for group in &spec.service.groups {
        for route in &group.routes {
            let heading = format!(
                "### `{} {}`",
                route.method.to_ascii_uppercase(),
                full_path(group, route)
            );
            let body = section(&doc, &heading);
            assert!(
                body.contains(&format!("Handler: `{}`", route.handler)),
                "{heading}"
            );
        }
    }
    let types = section(&doc, "## Types");
    for def in &spec.types {
        assert!(
            types.contains(&format!("### {}\n", def.name)),
            "{}",
            def.name
        );
    }
}

#[test]
fn request_tables_list_parameters_by_source_with_their_rules() {
    let doc = render(&bookstore());
    let list = section(&doc, "### `GET /api/v1/books`");
    let rows: Vec<&str> = list.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows,
        [
            "| `page` | form | `int` | no | `1` |  | `[1:1000]` |  |",
            "| `size` | form | `int` | no | `20` |  | `(0:100]` |  |",
            "| `sort` | form | `string` | no | `new` | `new`, `hot`, `price` |  |  |",
            "| `tags` | form | `[]string` | no |  |  |  |  |",
            "| `minPrice` | form | `float64` | no |  |  | `[0:)` |  |",
            "| `Accept-Language` | header | `string` | no |  |  |  |  |",
        ]
    );
    // path, then form, then header, then json, whatever the declaration order
    let create = section(&doc, "### `POST /api/v1/books`");
    let sources: Vec<&str> = create
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.split(" | ").nth(1).unwrap())
        .collect();
    assert_eq!(
        sources,
        ["form", "header", "json", "json", "json", "json", "json"]
    );
    // a path parameter the request type does not declare is still listed
    let cover = section(&doc, "### `GET /api/v1/books/:id/cover`");
    assert!(cover.contains("| `id` | path | `string` | yes |"));
}

#[test]
fn responses_show_the_envelope_and_the_json_shape() {
    let doc = render(&bookstore());
    let get = section(&doc, "### `GET /api/v1/books/:id`");
    for line in [
        "  \"code\": 0,",
        "  \"data\": {",
        "    \"createdAt\": int64,",
        "    \"updatedAt\": int64  (optional),",
        "    \"cover\": Image | null,",
        "    \"meta\": {",
        "      \"lang\": string  (optional)",
        "    \"Note\": string",
    ] {
        assert!(get.contains(line), "missing {line:?} in\n{get}");
    }
    let delete = section(&doc, "### `DELETE /api/v1/books/:id`");
    assert!(delete.contains("{\n  \"code\": 0,\n  \"msg\": \"ok\"\n}"));
    assert!(section(&doc, "### `HEAD /api/v1/ping`").contains("Response: no body (HEAD)."));
    let watch = section(&doc, "### `GET /api/v1/watch`");
    assert!(watch.contains("server-sent events (`text/event-stream`)"));
    assert!(!watch.contains("\"code\""));
}

#[test]
fn tables_keep_their_columns_and_links_lead_to_sections() {
    let src = "type Req {\n\tMode string `form:\"mode,options=a|b\"` // a | b\n}\n\n\
               service s {\n\t@handler Get\n\tget /x (Req)\n}";
    let doc = render(&spec(src));
    let row = doc.lines().find(|l| l.starts_with("| `mode`")).unwrap();
    assert_eq!(
        row,
        "| `mode` | form | `string` | yes |  | `a`, `b` |  | a \\| b |"
    );
    for doc in [doc, render(&bookstore())] {
        for line in doc.lines().filter(|l| l.starts_with('|')) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 9, "{line}");
        }
        for (i, _) in doc.match_indices("](#") {
            let anchor = &doc[i + 3..];
            let anchor = &anchor[..anchor.find(')').unwrap()];
            let has_heading = doc
                .lines()
                .filter(|l| l.starts_with("### "))
                .any(|l| l[4..].to_ascii_lowercase() == anchor);
            assert!(has_heading, "no heading for #{anchor}");
        }
    }
}

#[test]
fn a_file_without_info_types_or_groups_still_reads() {
    let doc = render(&spec("service hello-api {\n\t@handler Hi\n\tget /hi\n}"));
    assert!(doc.starts_with("# hello-api\n"), "{doc}");
    assert!(doc.contains("## Group 1\n\n### `GET /hi`"), "{doc}");
    assert!(doc.contains("Request: none"));
    assert!(!doc.contains("## Types"));
}

#[test]
fn other_doc_properties_are_listed_under_the_route() {
    let shop = api::load(data_dir().join("valid").join("shop.api")).unwrap();
    let doc = render(&shop);
    let detail = section(&doc, "### `GET /api/v1/products/:id`");
    assert!(
        detail.starts_with("\n\nproduct detail\n\nHandler: `GetProduct`\n\n- tag: product\n\n"),
        "{detail}"
    );
}
