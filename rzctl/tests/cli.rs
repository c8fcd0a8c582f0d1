//! The `rzctl api` commands as a user runs them.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::data_dir;

fn rzctl(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rzctl"))
        .args(args)
        .current_dir(data_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run rzctl: {e}"));
    if let Some(input) = stdin
        && let Some(mut pipe) = child.stdin.take()
    {
        pipe.write_all(input.as_bytes())
            .unwrap_or_else(|e| panic!("cannot write stdin: {e}"));
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("rzctl did not finish: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_accepts_valid_files() {
    let out = rzctl(
        &["api", "validate", "valid/shop.api", "valid/legacy.api"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
}

#[test]
fn validate_reports_errors_and_fails() {
    let out = rzctl(&["api", "validate", "invalid/semantic_errors.api"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error: duplicate type `Dup`"), "{err}");
    assert!(
        err.contains("--> invalid/semantic_errors.api:12:6"),
        "{err}"
    );
}

#[test]
fn validate_reports_a_missing_file() {
    let out = rzctl(&["api", "validate", "nope.api"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error: cannot read `nope.api`"));
}

#[test]
fn fmt_check_lists_files_that_would_change() {
    let out = rzctl(&["api", "fmt", "--check", "valid/shop.api"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = rzctl(
        &[
            "api",
            "fmt",
            "--check",
            "valid/shop.api",
            "format/messy.api",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "format/messy.api\n");
}

#[test]
fn fmt_check_searches_folders() {
    let out = rzctl(&["api", "fmt", "--check", "format"], None);
    assert_eq!(out.status.code(), Some(1));
    let listed = text(&out.stdout);
    assert!(listed.contains("format/messy.api"), "{listed}");
    let out = rzctl(&["api", "fmt", "--check", "valid/shared"], None);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn fmt_reads_stdin_with_dash_or_flag() {
    for flag in ["-", "--stdin"] {
        let out = rzctl(&["api", "fmt", flag], Some("type A{X int}"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "type A {\n\tX int\n}\n\n");
    }
}

#[test]
fn fmt_reports_syntax_errors_on_stdin() {
    let out = rzctl(&["api", "fmt", "-"], Some("type A {"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--> <stdin>:1:9"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("a.api");
    std::fs::write(&path, "type A{X int}").unwrap_or_else(|e| panic!("{e}"));
    let arg = path.to_string_lossy().into_owned();
    let out = rzctl(&["api", "fmt", &arg], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let formatted = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(formatted, "type A {\n\tX int\n}\n\n");
    let again = rzctl(&["api", "fmt", "--check", &arg], None);
    assert!(again.status.success());
}

#[test]
fn help_describes_the_api_commands() {
    let out = rzctl(&["api", "--help"], None);
    let help = text(&out.stdout);
    for command in ["fmt", "validate", "doc", "openapi", "ts"] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn doc_writes_markdown_to_stdout_or_a_file() {
    let out = rzctl(&["api", "doc", "--api", "valid/bookstore.api"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("# Bookstore\n"), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.md");
    let arg = path.to_string_lossy().into_owned();
    let out = rzctl(
        &["api", "doc", "--api", "valid/bookstore.api", "-o", &arg],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout);
}

#[test]
fn openapi_writes_json_by_default_and_yaml_on_request_or_by_extension() {
    let out = rzctl(&["api", "openapi", "--api", "valid/bookstore.api"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let out = rzctl(
        &[
            "api",
            "openapi",
            "--api",
            "valid/bookstore.api",
            "--format",
            "yaml",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(yaml.starts_with("openapi: \"3.1.0\"\n"), "{yaml}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.yml");
    let arg = path.to_string_lossy().into_owned();
    let out = rzctl(
        &["api", "openapi", "--api", "valid/bookstore.api", "-o", &arg],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), yaml);
}

#[test]
fn openapi_warns_about_routes_it_leaves_out() {
    let out = rzctl(&["api", "openapi", "--api", "valid/shop.api"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "warning: CONNECT /admin/tunnel (Connect) is left out: OpenAPI 3.1 has no CONNECT operation\n"
    );
}

#[test]
fn ts_writes_the_client_files_into_a_new_folder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("web").join("client");
    let arg = target.to_string_lossy().into_owned();
    let out = rzctl(
        &["api", "ts", "--api", "valid/bookstore.api", "-o", &arg],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let spec = rzctl::api::load(data_dir().join("valid").join("bookstore.api")).unwrap();
    for file in rzctl::api::ts::render(&spec).files {
        let written = std::fs::read_to_string(target.join(file.name)).unwrap();
        assert_eq!(written, file.contents, "{}", file.name);
    }
}

#[test]
fn output_commands_report_invalid_input_and_fail() {
    for command in ["doc", "openapi", "ts"] {
        let out = rzctl(
            &["api", command, "--api", "invalid/semantic_errors.api"],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(out.stdout.is_empty(), "{command}");
        assert!(
            text(&out.stderr).contains("error: duplicate type `Dup`"),
            "{command}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn ts_rewrites_its_own_files_but_not_a_users() {
    let dir = tempfile::tempdir().unwrap();
    let arg = dir.path().to_string_lossy().into_owned();
    let args = ["api", "ts", "--api", "valid/bookstore.api", "-o", &arg];
    assert!(rzctl(&args, None).status.success());
    // regenerating over generated files is the normal case
    let again = rzctl(&args, None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let mine = dir.path().join("api.ts");
    std::fs::write(&mine, "export const mine = 1;\n").unwrap();
    std::fs::remove_file(dir.path().join("types.ts")).unwrap();
    let out = rzctl(&args, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refusing to overwrite") && text(&out.stderr).contains("api.ts"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "export const mine = 1;\n"
    );
    assert!(
        !dir.path().join("types.ts").exists(),
        "nothing is written on refusal"
    );
}

#[test]
fn completion_scripts_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = rzctl(&["completion", shell], None);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(
            script.len() > 500,
            "{shell}: a script this short completes nothing:\n{script}"
        );
        for word in [
            "rzctl", "api", "rpc", "model", "template", "validate", "openapi",
        ] {
            assert!(
                script.contains(word),
                "{shell}: the script never names `{word}`"
            );
        }
    }
    let out = rzctl(&["completion", "tcsh"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    assert!(
        text(&out.stderr).contains("invalid value 'tcsh'"),
        "{}",
        text(&out.stderr)
    );
}
