//! Every file under tests/data/valid loads; every file under
//! tests/data/invalid reports at least one error.

mod common;

use common::{api_files, data_dir};
use rzctl::api;

#[test]
fn valid_files_load() {
    let files = api_files(&data_dir().join("valid"));
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        if let Err(d) = api::load(&path) {
            panic!("{} should be valid:\n{d}", path.display());
        }
    }
}

#[test]
fn invalid_files_report_errors() {
    let files = api_files(&data_dir().join("invalid"));
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        if path.ends_with("cycle/b.api") {
            // b.api on its own only misses its import; a.api shows the cycle
            continue;
        }
        assert!(
            api::load(&path).is_err(),
            "{} should be invalid",
            path.display()
        );
    }
}

#[test]
fn format_inputs_parse() {
    for path in api_files(&data_dir().join("format")) {
        let text = common::read(&path);
        let (_, diags) = api::parse_source("x.api", &text);
        assert!(diags.is_empty(), "{}:\n{diags}", path.display());
    }
}
