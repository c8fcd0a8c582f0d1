//! Formatting generated Rust, so that what rzctl writes is what `cargo fmt` would leave and
//! reruns compare byte for byte.
//!
//! `rustfmt` is run in the output folder, so it follows the project's own `rustfmt.toml`;
//! where no `rustfmt` is installed, prettyplease formats instead (comments must then be doc
//! comments, which the templates use throughout).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The generated text is not valid Rust: a template or a name mapping is wrong.
    #[error("generated {file} is not valid Rust ({reason}); the template produced:\n{numbered}")]
    Invalid {
        file: String,
        reason: String,
        numbered: String,
    },
}

/// Formats `source`, the content of `file` (used in errors), as the project at `dir` would.
pub fn rust(source: &str, file: &str, dir: &Path) -> Result<String, FormatError> {
    // Validate first: rustfmt's own errors are harder to read than syn's.
    let parsed = parse(source, file)?;
    match run_rustfmt(source, dir) {
        Some(formatted) => Ok(formatted),
        None => Ok(prettyplease::unparse(&parsed)),
    }
}

/// Checks that `source` is valid Rust without formatting it (no rustfmt process), for callers
/// that look at many generated files.
pub fn check(source: &str, file: &str) -> Result<(), FormatError> {
    parse(source, file).map(drop)
}

fn parse(source: &str, file: &str) -> Result<syn::File, FormatError> {
    syn::parse_file(source).map_err(|e| {
        let start = e.span().start();
        FormatError::Invalid {
            file: file.to_owned(),
            reason: format!("line {}, column {}: {e}", start.line, start.column + 1),
            numbered: numbered(source),
        }
    })
}

fn run_rustfmt(source: &str, dir: &Path) -> Option<String> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    // The output folder may not exist yet on a first run; rustfmt then looks from the
    // nearest existing ancestor.
    let cwd = dir
        .ancestors()
        .find(|p| p.is_dir())
        .unwrap_or(Path::new("."));
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = source.to_owned();
    // Written from a thread so that a large file cannot deadlock on full pipes.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

fn numbered(source: &str) -> String {
    source
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{:>4} | {line}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_valid_rust() {
        let out = rust("fn  main( ){let x=1;}", "main.rs", Path::new(".")).unwrap();
        assert!(out.contains("fn main() {"), "{out}");
        assert!(out.contains("let x = 1;"), "{out}");
    }

    #[test]
    fn invalid_rust_names_the_file_and_line() {
        let err = rust("fn main() {\n  let = ;\n}\n", "src/x.rs", Path::new(".")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("generated src/x.rs is not valid Rust (line 2"),
            "{text}"
        );
        assert!(text.contains("   2 |   let = ;"), "{text}");
    }
}
