//! One test per error: the message and where it points (line:column).

mod common;

use common::{errors, errors_of, load_files};

fn assert_errors(src: &str, expected: &[&str]) {
    assert_eq!(errors(src), expected, "source:\n{src}");
}

// ---------------------------------------------------------------- lexical

#[test]
fn unterminated_string() {
    assert_errors(
        "syntax = \"v1",
        &["1:10: unterminated string: expected a closing `\"`"],
    );
}

#[test]
fn unterminated_raw_string() {
    assert_errors(
        "type A {\n\tB int `json:\"b\"\n}",
        &["2:8: unterminated raw string: expected a closing backquote"],
    );
}

#[test]
fn unterminated_block_comment() {
    assert_errors(
        "syntax = \"v1\"\n/* never closed",
        &["2:1: unterminated block comment: expected `*/` before the end of the file"],
    );
}

#[test]
fn unknown_annotation() {
    assert_errors(
        "@handle foo",
        &["1:1: unknown annotation `@handle`, expected `@server`, `@doc` or `@handler`"],
    );
}

#[test]
fn unexpected_character_counts_columns_in_characters() {
    assert_errors("type Ä {}", &["1:6: unexpected character `Ä`"]);
    assert_errors(
        "type é # {}",
        &[
            "1:6: unexpected character `é`",
            "1:8: unexpected character `#`",
        ],
    );
}

#[test]
fn invalid_duration() {
    assert_errors(
        "@server (\n\ttimeout: 3n\n)\nservice s {}",
        &["2:11: invalid duration `3n`, expected units like ns, us, ms, s, m or h"],
    );
}

// ---------------------------------------------------------------- syntax

#[test]
fn unknown_statement() {
    assert_errors(
        "syntax = \"v1\"\nfoo bar",
        &["2:1: expected `syntax`, `info`, `import`, `type`, `service` or `@server`, found `foo`"],
    );
}

#[test]
fn syntax_needs_assign_and_string() {
    assert_errors(
        "syntax \"v1\"",
        &["1:8: expected `=` after `syntax`, found string \"v1\""],
    );
    assert_errors(
        "syntax = v1",
        &["1:10: expected a string such as \"v1\", found `v1`"],
    );
}

#[test]
fn info_needs_parentheses_and_pairs() {
    assert_errors(
        "info title: \"x\"",
        &["1:6: expected `(` after `info`, found `title`"],
    );
    assert_errors(
        "info (\n\ttitle \"x\"\n)",
        &["2:8: expected `:` after the key, found string \"x\""],
    );
}

#[test]
fn import_needs_a_string() {
    assert_errors(
        "import foo",
        &["1:8: expected an import path string or `(`, found `foo`"],
    );
}

#[test]
fn keyword_as_field_name() {
    assert_errors(
        "type A {\n\ttype string\n}",
        &["2:2: expected a field name, found the keyword `type`"],
    );
}

#[test]
fn keyword_as_type_name() {
    assert_errors(
        "type map {}",
        &["1:6: expected a type name, found the keyword `map`"],
    );
}

#[test]
fn missing_element_type() {
    assert_errors(
        "type A {\n\tName []\n}",
        &["3:1: expected a type, found `}`"],
    );
}

#[test]
fn missing_closing_brace() {
    assert_errors(
        "type A {\n\tName string",
        &["2:13: expected `}` or a field, found end of file"],
    );
}

#[test]
fn missing_handler() {
    assert_errors(
        "service s {\n\tget /a\n}",
        &["2:2: expected `@handler`, found `get`"],
    );
}

#[test]
fn unknown_http_method() {
    assert_errors(
        "service s {\n\t@handler h\n\tfetch /a\n}",
        &[
            "3:2: expected an HTTP method (get, head, post, put, patch, delete, connect, options or trace), found `fetch`",
        ],
    );
}

#[test]
fn path_must_start_with_slash() {
    assert_errors(
        "service s {\n\t@handler h\n\tget a\n}",
        &["3:6: expected a path starting with `/`, found `a`"],
    );
}

#[test]
fn route_body_needs_a_type_name() {
    assert_errors(
        "service s {\n\t@handler h\n\tget /a (1)\n}",
        &["3:10: expected a type name, found `1`"],
    );
}

#[test]
fn service_name_may_only_end_in_api() {
    assert_errors(
        "service a-b {}",
        &["1:11: expected `api` (a service name may end in `-api`), found `b`"],
    );
}

#[test]
fn at_server_must_precede_service() {
    assert_errors(
        "@server (\n\tgroup: a\n)\ntype A {}",
        &["4:1: expected `service`, found `type`"],
    );
}

#[test]
fn route_server_annotation_needs_handler() {
    assert_errors(
        "service s {\n\t@server (\n\t\tfolder: x\n\t)\n\tget /a\n}",
        &["2:2: a route's `@server(...)` needs a `handler` key; write `@handler Name` instead"],
    );
}

#[test]
fn route_server_annotation_needs_a_plain_handler_name() {
    assert_errors(
        "service s {\n\t@server (\n\t\thandler: a/b\n\t)\n\tget /a\n}",
        &["3:12: expected a handler name, found `a/b`"],
    );
}

#[test]
fn recovers_at_the_next_statement_and_reports_every_error() {
    let src = "syntax = \"v1\"\ntype A {\n\tB [x]int\n}\ntype B {\n\tok string\n}\nservice s {\n\t@handler h\n\tfetch /a\n}\ninfo (";
    assert_errors(
        src,
        &[
            "3:5: expected `]` or an array length, found `x`",
            "10:2: expected an HTTP method (get, head, post, put, patch, delete, connect, options or trace), found `fetch`",
            "12:7: expected `)` or a `key: value` pair, found end of file",
        ],
    );
}

// ---------------------------------------------------------------- semantic

#[test]
fn unsupported_syntax_version() {
    assert_errors(
        "syntax = \"v2\"",
        &["1:10: unsupported syntax \"v2\", expected \"v1\""],
    );
}

#[test]
fn duplicate_syntax_and_info() {
    assert_errors(
        "syntax = \"v1\"\nsyntax = \"v1\"\ninfo (\n\ta: \"1\"\n)\ninfo (\n\ta: \"1\"\n)",
        &[
            "2:1: duplicate `syntax` statement",
            "6:1: duplicate `info` statement",
        ],
    );
}

#[test]
fn duplicate_info_key() {
    assert_errors(
        "info (\n\ttitle: \"a\"\n\ttitle: \"b\"\n)",
        &["3:2: duplicate info key `title`"],
    );
}

#[test]
fn duplicate_type_points_at_the_second_and_notes_the_first() {
    let result = common::load("type A {}\ntype (\n\tA {}\n)");
    let Err(diags) = result else {
        panic!("expected an error");
    };
    let d = diags
        .iter()
        .next()
        .unwrap_or_else(|| panic!("no diagnostic"));
    assert_eq!(d.message, "duplicate type `A`");
    assert_eq!(d.position().map(|(_, l, c)| (l, c)), Some((3, 2)));
    assert_eq!(d.notes, vec!["first declared at main.api:1:6"]);
}

#[test]
fn builtin_names_cannot_be_declared() {
    assert_errors(
        "type string {}",
        &["1:6: `string` is a builtin type and cannot be declared"],
    );
}

#[test]
fn unknown_field_type() {
    assert_errors(
        "type A {\n\tB Missing `json:\"b\"`\n\tC []*Other\n}",
        &["2:4: unknown type `Missing`", "3:7: unknown type `Other`"],
    );
}

#[test]
fn types_must_be_structs() {
    assert_errors(
        "type A int\ntype B = []string",
        &[
            "1:8: type `A` must be a struct: .api types are declared as `type A { ... }`",
            "2:10: type `B` must be a struct: .api types are declared as `type B { ... }`",
        ],
    );
}

#[test]
fn shapes_goctl_cannot_generate() {
    assert_errors(
        "type A {\n\tM map[[]int]string\n\tS []{\n\t\tX int\n\t}\n\tR [...]int\n\tV map[string]{\n\t\tX int\n\t}\n}",
        &[
            "2:8: a map key must be a builtin or declared type name",
            "3:4: slice elements cannot be anonymous structs: declare a type for them",
            "6:5: array length must be a number",
            "7:15: map values cannot be anonymous structs: declare a type for them",
        ],
    );
}

#[test]
fn embedded_field_must_be_declared_type() {
    assert_errors(
        "type A {\n\tstring\n}",
        &["2:2: an embedded field must be a declared type or a pointer to one"],
    );
}

#[test]
fn malformed_tags() {
    assert_errors(
        "type A {\n\tB int `json:b`\n\tC int `json:\"c,range=[9:1]\"`\n}",
        &[
            "2:8: malformed struct tag near `json:b`: expected key:\"value\"",
            "3:8: invalid range `[9:1]` in struct tag key `json`: expected e.g. [1:100) with [ or ( and ] or )",
        ],
    );
}

#[test]
fn service_blocks_must_share_one_name() {
    assert_errors(
        "service a {\n\t@handler x\n\tget /x\n}\nservice b {\n\t@handler y\n\tget /y\n}",
        &["5:9: all service blocks must have one name: expected `a`, found `b`"],
    );
}

#[test]
fn service_names_compare_as_written_like_goctl() {
    // goctl 1.10's analyzer refuses `user` beside `user-api` ("multiple service names
    // defined"); its `-api` trimming check compares a name with itself and never fires.
    let src =
        "service user {\n\t@handler x\n\tget /x\n}\nservice user-api {\n\t@handler y\n\tget /y\n}";
    assert_errors(
        src,
        &["5:9: all service blocks must have one name: expected `user`, found `user-api`"],
    );
    let diags = common::load(src).unwrap_err();
    let notes = &diags.iter().next().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("a `-api` suffix makes another name")),
        "{notes:?}"
    );
    // Blocks without routes take no part, as in goctl.
    let spec = common::spec("service other {}\nservice s-api {\n\t@handler y\n\tget /y\n}");
    assert_eq!(spec.service.name, "s-api");
}

#[test]
fn duplicate_handler_in_one_group() {
    assert_errors(
        "service s {\n\t@handler x\n\tget /x\n\t@handler x\n\tget /y\n}",
        &["4:11: duplicate handler `x`"],
    );
}

#[test]
fn same_handler_in_different_groups_is_fine() {
    assert_errors(
        "@server (\n\tgroup: a\n)\nservice s {\n\t@handler x\n\tget /x\n}\n@server (\n\tgroup: b\n)\nservice s {\n\t@handler x\n\tget /y\n}",
        &[],
    );
}

#[test]
fn prefixes_are_cleaned_so_that_spellings_of_one_prefix_collide() {
    let spec = common::spec("@server (\n\tprefix: v1\n)\nservice s {\n\t@handler a\n\tget /x\n}");
    assert_eq!(spec.service.groups[0].server.prefix.as_deref(), Some("/v1"));
    assert_errors(
        "@server (\n\tprefix: v1\n)\nservice s {\n\t@handler a\n\tget /x\n}\n@server (\n\tprefix: /v1\n)\nservice s {\n\t@handler b\n\tget /x\n}",
        &["13:2: duplicate route `get /v1/x`"],
    );
}

#[test]
fn duplicate_route_includes_the_prefix() {
    assert_errors(
        "@server (\n\tprefix: /v1\n)\nservice s {\n\t@handler a\n\tget /x\n}\n@server (\n\tprefix: /v1\n)\nservice s {\n\t@handler b\n\tget /x\n}",
        &["13:2: duplicate route `get /v1/x`"],
    );
    assert_errors(
        "@server (\n\tprefix: /v1\n)\nservice s {\n\t@handler a\n\tget /x\n}\n@server (\n\tprefix: /v2\n)\nservice s {\n\t@handler b\n\tget /x\n}",
        &[],
    );
}

#[test]
fn same_path_with_another_method_is_fine() {
    assert_errors(
        "service s {\n\t@handler a\n\tget /x\n\t@handler b\n\tpost /x\n}",
        &[],
    );
}

#[test]
fn unknown_request_and_response_types() {
    assert_errors(
        "service s {\n\t@handler a\n\tget /x (Req) returns (Resp)\n}",
        &["3:10: unknown type `Req`", "3:24: unknown type `Resp`"],
    );
}

#[test]
fn request_bodies_may_be_lists_and_builtins() {
    // goctl's analyzer refuses `([]R)`; rzero binds a JSON array body, so rzctl accepts it.
    assert_errors(
        "type R {}\nservice s {\n\t@handler a\n\tpost /x ([]R) returns ([]string)\n\t@handler b\n\tpost /y (string) returns (*R)\n}",
        &[],
    );
}

#[test]
fn sse_routes_need_a_response() {
    assert_errors(
        "@server (\n\tsse: true\n)\nservice s {\n\t@handler a\n\tget /events\n}",
        &["6:2: a route in an `sse: true` service needs a response type"],
    );
}

#[test]
fn invalid_server_values() {
    assert_errors(
        "@server (\n\ttimeout: soon\n\tmaxBytes: lots\n\tsignature: maybe\n\tgroup: a\n\tgroup: b\n)\nservice s {}",
        &[
            "2:11: invalid timeout `soon`: expected a duration such as 3s or 500ms",
            "3:12: invalid maxBytes `lots`: expected a number of bytes",
            "4:13: invalid signature `maybe`: expected true or false",
            "6:2: duplicate @server key `group`",
        ],
    );
}

// ---------------------------------------------------------------- imports

#[test]
fn import_cycle_shows_the_chain() {
    let result = load_files(&[
        ("main.api", "import \"a.api\""),
        ("a.api", "import \"b.api\""),
        ("b.api", "\n\nimport \"a.api\""),
    ]);
    assert_eq!(
        errors_of(result),
        vec!["3:8: import cycle: a.api -> b.api -> a.api"]
    );
}

#[test]
fn importing_itself_is_a_cycle() {
    let result = load_files(&[("main.api", "import \"main.api\"")]);
    assert_eq!(
        errors_of(result),
        vec!["1:8: import cycle: main.api -> main.api"]
    );
}

#[test]
fn missing_import_points_at_the_import() {
    let result = load_files(&[("main.api", "syntax = \"v1\"\nimport \"nope.api\"")]);
    assert_eq!(
        errors_of(result),
        vec!["2:8: cannot read imported file `nope.api`: no such file"]
    );
}

#[test]
fn errors_in_imported_files_name_that_file() {
    let result = load_files(&[("main.api", "import \"b.api\""), ("b.api", "type {")]);
    let Err(diags) = result else {
        panic!("expected an error");
    };
    let positions: Vec<(String, usize, usize)> =
        diags.iter().filter_map(|d| d.position()).collect();
    assert_eq!(positions, vec![("b.api".to_owned(), 1, 6)]);
}

#[test]
fn types_from_imports_are_visible_and_duplicates_across_files_are_errors() {
    let ok = load_files(&[
        (
            "main.api",
            "import \"t.api\"\nservice s {\n\t@handler h\n\tget /a (T)\n}",
        ),
        ("t.api", "type T {}"),
    ]);
    assert!(ok.is_ok());
    let dup = load_files(&[
        ("main.api", "import \"t.api\"\ntype T {}"),
        ("t.api", "type T {}"),
    ]);
    assert_eq!(errors_of(dup), vec!["1:6: duplicate type `T`"]);
}

#[test]
fn tag_values_must_fit_the_field_type() {
    assert_errors(
        "type A {\n\tP int `form:\"p,default=x\"`\n\tO int `form:\"o,options=1|a\"`\n\tS string `json:\"s,range=[1:5]\"`\n\tD string `form:\"d,default=c,options=a|b\"`\n\tR int `form:\"r,default=0,range=[1:10]\"`\n\tB uint8 `json:\"b,optional\" form:\"b,default=256\"`\n}",
        &[
            "2:17: default `x` is not an integer, as `int` needs",
            "3:17: option `a` is not an integer, as `int` needs",
            "4:20: `range` applies to numbers, but the field is `string`",
            "5:20: default `c` is not one of the options a|b",
            "6:17: default `0` is outside the range [1:10]",
            "7:37: default `256` does not fit `uint8` (0 to 255)",
        ],
    );
}

#[test]
fn recovers_inside_a_service_block_at_the_next_route() {
    let src = "service s {\n\t@handler\n\tget /a\n\n\t@handler b\n\tget /b (\n\n\t@handler c\n\tgett /c\n\n\t@doc \"d\"\n\tget /d\n\n\t@handler e\n\tget /e (E\n}\ntype X {\n\tA [x]int\n}";
    assert_errors(
        src,
        &[
            "2:2: `@handler` needs a name: write `@handler Name` above the route",
            "8:2: expected a type name, found `@handler`",
            "9:2: expected an HTTP method (get, head, post, put, patch, delete, connect, options or trace), found `gett`",
            "12:2: expected `@handler`, found `get`",
            "16:1: expected `)`, found `}`",
            "18:5: expected `]` or an array length, found `x`",
        ],
    );
}

#[test]
fn a_service_without_its_closing_brace_gives_way_to_the_next_statement() {
    let src = "service s {\n\t@handler a\n\tget /a (\ntype X {\n\tA [x]int\n}";
    assert_errors(
        src,
        &[
            "4:1: expected a type name, found `type`",
            "5:5: expected `]` or an array length, found `x`",
        ],
    );
}
