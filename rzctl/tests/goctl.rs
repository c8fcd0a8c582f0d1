//! goctl's own test data as the compatibility yardstick (copies under tests/data/goctl, their
//! sources in tests/data/goctl/README.md): every valid file parses, validates and generates a
//! service, and the formatter turns goctl's format inputs into goctl's expected outputs.

mod common;

use common::{api_files, data_dir, format, read};
use rzctl::api;
use rzctl::api::service::{GenOptions, RzeroDep, plan};
use rzctl::emit::templates::Templates;

fn goctl_dir() -> std::path::PathBuf {
    data_dir().join("goctl")
}

#[test]
fn goctl_valid_files_parse_validate_and_generate() {
    let files = api_files(&goctl_dir().join("valid"));
    assert!(files.len() >= 40, "{files:?}");
    let templates = Templates::load(None).unwrap_or_else(|e| panic!("{e}"));
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Generation formats every file with rustfmt, a process each: a few threads keep the
    // wall time down.
    let chunks: Vec<&[std::path::PathBuf]> = files.chunks(files.len().div_ceil(4)).collect();
    std::thread::scope(|scope| {
        for chunk in chunks {
            let (templates, root) = (&templates, out.path());
            scope.spawn(move || {
                chunk
                    .iter()
                    .for_each(|path| generates(path, templates, root))
            });
        }
    });
}

fn generates(path: &std::path::Path, templates: &Templates, root: &std::path::Path) {
    let spec = api::load(path).unwrap_or_else(|d| panic!("{} should load:\n{d}", path.display()));
    let options = GenOptions {
        package: "goctl-case".to_owned(),
        api_file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rzero: RzeroDep::Version("0.1.0".to_owned()),
        hello: false,
    };
    let plan = plan(&spec, &options, templates, root)
        .unwrap_or_else(|e| panic!("{} should generate:\n{e}", path.display()));
    assert!(
        plan.outputs
            .iter()
            .any(|o| o.path.ends_with("src/handler/routes.rs")),
        "{}",
        path.display()
    );
    // The only option rzctl generates without honouring is go-zero's request signing.
    for warning in plan.warnings.iter() {
        assert!(
            warning
                .message
                .contains("`signature: true` is not enforced"),
            "{}: unexpected warning\n{warning}",
            path.display()
        );
    }
}

/// goctl's format test compares its output with tabs shown as four spaces and without the
/// final newlines (`FormatForUnitTest`); the expected files are stored as goctl has them.
#[test]
fn goctl_format_fixtures_come_out_as_goctl_expects() {
    let dir = goctl_dir().join("format");
    for case in ["service", "type_struct_group", "type_struct_lit"] {
        let input = read(&dir.join(format!("test_{case}.api")));
        let expected = read(&dir.join(format!("expected_{case}.api")));
        let ours = format(&input).replace('\t', "    ");
        assert_eq!(
            ours.trim_end_matches('\n'),
            expected.trim_end_matches('\n'),
            "test_{case}.api"
        );
        // goctl's expected output is canonical for us too.
        let again = format(&expected.replace("    ", "\t"));
        assert_eq!(
            again.replace('\t', "    ").trim_end_matches('\n'),
            expected.trim_end_matches('\n')
        );
    }
    let whole = read(&dir.join("test_format.api"));
    let once = format(&whole);
    assert_eq!(
        format(&once),
        once,
        "test_format.api formats to a fixed point"
    );
}
