//! Rendered diagnostics, as users see them on standard error.

mod common;

use common::data_dir;
use rzctl::api;

fn render(relative: &str) -> String {
    let dir = data_dir();
    // report paths relative to the data folder so snapshots do not depend
    // on where the repository is checked out
    let mut read = |p: &std::path::Path| std::fs::read(dir.join(p));
    match api::load_with(std::path::Path::new(relative), &mut read) {
        Ok(_) => panic!("{relative} should not be valid"),
        Err(diags) => diags.to_string(),
    }
}

#[test]
fn syntax_errors() {
    insta::assert_snapshot!("diag_syntax_errors", render("invalid/syntax_errors.api"));
}

#[test]
fn semantic_errors() {
    insta::assert_snapshot!(
        "diag_semantic_errors",
        render("invalid/semantic_errors.api")
    );
}

#[test]
fn lexical_errors() {
    insta::assert_snapshot!("diag_lexical_errors", render("invalid/lexical_errors.api"));
}

#[test]
fn import_cycle_and_missing_import() {
    insta::assert_snapshot!("diag_import_cycle", render("invalid/cycle/a.api"));
}

#[test]
fn caret_lines_up_under_tabs_and_wide_characters() {
    let Err(diags) = api::load_with(std::path::Path::new("t.api"), &mut |_: &std::path::Path| {
        Ok("@server (\n\tgroup: \"é\"\ttimeout:\tsoon\n)\nservice s {}"
            .as_bytes()
            .to_vec())
    }) else {
        panic!("expected errors");
    };
    insta::assert_snapshot!("diag_tabs_and_unicode", diags.to_string());
}

#[test]
fn empty_and_whitespace_files_are_valid() {
    for text in ["", "\n\n", "  \t\r\n", "// only a comment\n"] {
        let mut read = |_: &std::path::Path| Ok(text.as_bytes().to_vec());
        assert!(
            api::load_with(std::path::Path::new("e.api"), &mut read).is_ok(),
            "{text:?}"
        );
    }
}
