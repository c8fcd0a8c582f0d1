//! Feeds arbitrary bytes to the .api front end: lexing, parsing, import
//! resolution, checks, diagnostics rendering, formatting, the read-only
//! outputs (doc, OpenAPI, TypeScript) and the generation stage must never
//! panic, generation must produce valid Rust or positioned reasons, and any
//! text that formats must format to itself.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // bytes that are not UTF-8 are rejected before parsing; test that path too
    let text = match rzctl::api::imports::decode("fuzz.api", data.to_vec()) {
        Ok(text) => text,
        Err(_) => return,
    };

    let (_, diags) = rzctl::api::parse_source("fuzz.api", &text);
    let _ = diags.to_string();

    // the file may import itself; every other import is missing
    let mut read = |p: &Path| {
        if p == Path::new("fuzz.api") {
            Ok(data.to_vec())
        } else {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "absent"))
        }
    };
    match rzctl::api::load_with(Path::new("fuzz.api"), &mut read) {
        Err(d) => {
            let _ = d.to_string();
        }
        Ok(spec) => {
            let _ = rzctl::api::doc::render(&spec);
            let _ = rzctl::api::ts::render(&spec);
            let built = rzctl::api::openapi::build(&spec);
            for format in [rzctl::api::openapi::Format::Json, rzctl::api::openapi::Format::Yaml] {
                if let Err(e) = rzctl::api::openapi::render(&built.document, format) {
                    panic!("{e}");
                }
            }
            generate(&spec);
        }
    }

    if let Ok(once) = rzctl::api::format_source("fuzz.api", &text) {
        let twice = rzctl::api::format_source("fuzz.api", &once)
            .unwrap_or_else(|d| panic!("formatted text does not format again:\n{d}\n{once}"));
        assert_eq!(once, twice, "formatting is not idempotent");
    }
});

/// The generation stage, without rustfmt (a process per file would slow fuzzing to a crawl);
/// the Rust files are still checked to parse.
fn generate(spec: &rzctl::api::ApiSpec) {
    use rzctl::api::service::{GenError, GenOptions, RzeroDep, plan_unformatted};
    thread_local! {
        static TEMPLATES: rzctl::emit::templates::Templates =
            rzctl::emit::templates::Templates::load(None)
                .unwrap_or_else(|e| panic!("built-in templates: {e}"));
    }
    let options = GenOptions {
        package: "fuzz".to_owned(),
        api_file: "fuzz.api".to_owned(),
        rzero: RzeroDep::Version("0.1.0".to_owned()),
        hello: false,
    };
    TEMPLATES.with(|templates| match plan_unformatted(spec, &options, templates) {
        Ok(_) => {}
        Err(GenError::Spec(reasons)) => {
            for reason in reasons.iter() {
                assert!(reason.position().is_some(), "a reason without a position: {reason}");
            }
        }
        Err(other) => panic!("{other}"),
    });
}
