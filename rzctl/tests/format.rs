//! The formatter: goctl's layout rules, snapshots of our inputs, idempotence
//! over every test input, and canonical files left untouched.

mod common;

use common::{api_files, data_dir, format, read};
use rzctl::api;

/// Input -> expected pairs written after goctl's layout rules.
const CASES: &[(&str, &str)] = &[
    // one blank line after each statement, none between single-line imports
    (
        "syntax=\"v1\"\nimport \"a.api\"\nimport \"b.api\"\ntype A {}",
        "syntax = \"v1\"\n\nimport \"a.api\"\nimport \"b.api\"\n\ntype A {}\n\n",
    ),
    // empty blocks and empty strings disappear
    (
        "info()\nimport \"\"\nimport ()\ntype ()\n@server()\nservice s {}",
        "service s {}\n\n",
    ),
    // import groups one per line, indented with a tab
    (
        "import(\"a.api\" \"b.api\")",
        "import (\n\t\"a.api\"\n\t\"b.api\"\n)\n\n",
    ),
    // info pairs aligned; the value column starts after the longest key
    (
        "info(title:\"t\" description:\"d\")",
        "info (\n\ttitle:       \"t\"\n\tdescription: \"d\"\n)\n\n",
    ),
    // struct fields aligned in three columns
    (
        "type A {\nId int `json:\"id\"`\nLongName string `json:\"long_name\"`\nX,Y float64\n}",
        "type A {\n\tId       int    `json:\"id\"`\n\tLongName string `json:\"long_name\"`\n\tX, Y     float64\n}\n\n",
    ),
    // a nested struct breaks the alignment block and indents its fields
    (
        "type A {\nB int\nInner {\nC string `json:\"c\"`\n} `json:\"inner\"`\nLonger bool\n}",
        "type A {\n\tB int\n\tInner {\n\t\tC string `json:\"c\"`\n\t} `json:\"inner\"`\n\tLonger bool\n}\n\n",
    ),
    // type groups indent their members; goctl puts two spaces before an
    // empty struct in a group (the indent becomes a column of its own)
    (
        "type (\nA {\nX int\n}\nB {}\n)",
        "type (\n\tA {\n\t\tX int\n\t}\n\tB  {}\n)\n\n",
    ),
    // @server values aligned, parts joined without spaces
    (
        "@server(jwt:Auth middleware:A, B prefix:/v1)\nservice s-api{\n@handler h\nget /a\n}",
        "@server (\n\tjwt:        Auth\n\tmiddleware: A,B\n\tprefix:     /v1\n)\nservice s-api {\n\t@handler h\n\tget /a\n}\n\n",
    ),
    // routes: one blank line between them; `;`, `()` and `returns ()` go
    (
        "service s{\n@doc \"d\"\n@handler a\nget /a(R)returns(Q);\n@handler b\npost /b () returns ()\n}",
        "service s {\n\t@doc \"d\"\n\t@handler a\n\tget /a (R) returns (Q)\n\n\t@handler b\n\tpost /b\n}\n\n",
    ),
    // @doc groups aligned like @server
    (
        "service s {\n@doc(summary:\"x\" deprecated:\"true\")\n@handler a\nget /a\n}",
        "service s {\n\t@doc (\n\t\tsummary:    \"x\"\n\t\tdeprecated: \"true\"\n\t)\n\t@handler a\n\tget /a\n}\n\n",
    ),
    // comments stay where they were: above, or at the end of the line
    (
        "// doc\ntype A { // open\n// field\nX int // x\n} // close",
        "// doc\ntype A { // open\n\t// field\n\tX int // x\n} // close\n\n",
    ),
    // the older `struct` keyword and per-route @server become today's form
    (
        "type A struct {\nX int\n}\nservice s {\n@server(\nhandler: H\n)\nget /a\n}",
        "type A {\n\tX int\n}\n\nservice s {\n\t@handler H\n\tget /a\n}\n\n",
    ),
];

#[test]
fn follows_goctl_layout_rules() {
    for (input, expected) in CASES {
        assert_eq!(format(input), *expected, "input:\n{input}");
    }
}

#[test]
fn formatted_cases_are_fixed_points() {
    for (_, expected) in CASES {
        assert_eq!(format(expected), *expected);
    }
}

#[test]
fn snapshots_of_format_inputs() {
    for path in api_files(&data_dir().join("format")) {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unnamed")
            .to_owned();
        let out = format(&read(&path));
        insta::assert_snapshot!(format!("format_{name}"), out);
    }
}

#[test]
fn snapshot_of_a_legacy_file() {
    let out = format(&read(&data_dir().join("valid").join("legacy.api")));
    insta::assert_snapshot!("format_legacy", out);
}

#[test]
fn canonical_files_are_left_byte_identical() {
    let dir = data_dir().join("valid");
    for path in [
        dir.join("shop.api"),
        dir.join("shared").join("common.api"),
        dir.join("shared").join("user.api"),
    ] {
        let text = read(&path);
        assert_eq!(format(&text), text, "{}", path.display());
    }
}

#[test]
fn formatting_twice_changes_nothing_for_every_test_input() {
    let mut checked = 0;
    for path in api_files(&data_dir()) {
        let text = read(&path);
        let Ok(once) = api::format_source("x.api", &text) else {
            continue;
        };
        let twice = format(&once);
        assert_eq!(twice, once, "{}", path.display());
        checked += 1;
    }
    for (input, _) in CASES {
        let once = format(input);
        assert_eq!(format(&once), once);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} inputs were checked");
}

#[test]
fn crlf_input_gives_lf_output() {
    assert_eq!(
        format("syntax = \"v1\"\r\n// c\r\ntype A {\r\n\tX int\r\n}\r\n"),
        "syntax = \"v1\"\n\n// c\ntype A {\n\tX int\n}\n\n"
    );
}

#[test]
fn multi_line_strings_and_comments_keep_their_inside() {
    let src = "/*\n * block\n *   indented\n */\ninfo (\n\tdesc: \"line one\n   line two\"\n)\n\n";
    let out = format(src);
    assert!(out.contains(" * block\n *   indented\n */"), "{out}");
    assert!(out.contains("\n   line two\""), "{out}");
    assert_eq!(format(&out), out);
}

#[test]
fn comments_goctl_would_drop_move_above_their_construct() {
    assert_eq!(
        format("syntax /* here */ = \"v1\""),
        "/* here */\nsyntax = \"v1\"\n\n"
    );
    assert_eq!(
        format("info (\n\ttitle /* k */ : \"t\"\n)"),
        "info (\n\t/* k */\n\ttitle: \"t\"\n)\n\n"
    );
    assert_eq!(
        format("type A {\n\tX /* n */ int\n}"),
        "type A {\n\t/* n */\n\tX int\n}\n\n"
    );
    assert_eq!(
        format("service s {\n\t@handler h\n\tget /a /* p */ (R)\n}"),
        "service s {\n\t/* p */\n\t@handler h\n\tget /a (R)\n}\n\n"
    );
}

#[test]
fn comments_in_blocks_the_layout_leaves_out_are_kept() {
    assert_eq!(format("service s {\n// c\n}"), "service s {\n\t// c\n}\n\n");
    assert_eq!(format("info ( // c\n)\ntype A {}"), "// c\ntype A {}\n\n");
    assert_eq!(
        format("@server ( // c\n)\nservice s {}"),
        "// c\nservice s {}\n\n"
    );
    assert_eq!(
        format("service s {\n\t@doc \"\" // d\n\t@handler h\n\tget /a\n}"),
        "service s {\n\t// d\n\t@handler h\n\tget /a\n}\n\n"
    );
}

#[test]
fn syntax_errors_stop_formatting() {
    assert!(api::format_source("x.api", "type A {").is_err());
}
