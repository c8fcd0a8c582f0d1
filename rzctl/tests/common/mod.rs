//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use rzctl::api::{self, ApiSpec};
use rzctl::diag::Diagnostics;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// Every `.api` file under `dir`, sorted, recursively.
pub fn api_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "api") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `main.api` from in-memory files.
pub fn load_files(files: &[(&str, &str)]) -> Result<ApiSpec, Diagnostics> {
    let map: HashMap<PathBuf, Vec<u8>> = files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
        .collect();
    let mut read = |p: &Path| {
        let key: PathBuf = p.components().collect();
        map.get(&key)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    };
    api::load_with(Path::new("main.api"), &mut read)
}

/// Loads a single file's text as `main.api`.
pub fn load(src: &str) -> Result<ApiSpec, Diagnostics> {
    load_files(&[("main.api", src)])
}

pub fn spec(src: &str) -> ApiSpec {
    load(src).unwrap_or_else(|d| panic!("expected a valid file, got:\n{d}"))
}

/// Every error as `line:column: message`.
pub fn errors(src: &str) -> Vec<String> {
    errors_of(load(src))
}

pub fn errors_of(result: Result<ApiSpec, Diagnostics>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(d) => d
            .iter()
            .map(|d| match d.position() {
                Some((_, line, col)) => format!("{line}:{col}: {}", d.message),
                None => d.message.clone(),
            })
            .collect(),
    }
}

pub fn format(src: &str) -> String {
    api::format_source("test.api", src).unwrap_or_else(|d| panic!("cannot format:\n{d}"))
}
