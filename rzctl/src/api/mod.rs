//! The .api front end: lexing, parsing, import resolution, semantic checks,
//! the model for code generation, and goctl-compatible formatting.
//!
//! Entry points:
//! - [`load`] reads a file and its imports, checks them and returns the
//!   [`ApiSpec`] model, or every error found;
//! - [`format_source`] formats one file's text as `goctl api format` would;
//! - [`parse_source`] gives the syntax tree of one file (for tools);
//! - [`openapi::build`], [`doc::render`] and [`ts::render`] describe a loaded
//!   [`ApiSpec`] for people and clients (read-only outputs; [`shape`] holds
//!   what they share: the wire shape of types and routes).

mod align;
pub mod ast;
pub mod check;
pub mod doc;
pub mod format;
pub mod imports;
pub mod lexer;
pub mod model;
pub mod openapi;
pub mod parser;
mod rescue;
pub mod service;
pub mod shape;
pub mod tag;
pub mod ts;

use std::collections::HashMap;
use std::path::Path;

pub use imports::ReadFile;
pub use model::{
    ApiSpec, Builtin, Field, GoType, Group, KeyValue, NumberRange, Route, ServerOptions, Service,
    Tag, TagEntry, TypeDef,
};

use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// Parses one file's text; syntax only, no imports, no semantic checks.
pub fn parse_source(name: &str, text: &str) -> (ast::File, Diagnostics) {
    let file = SourceFile::new(name, text);
    parser::parse(&file)
}

/// Reads `path` and the files it imports from disk, checks them and builds
/// the model.
pub fn load(path: impl AsRef<Path>) -> Result<ApiSpec, Diagnostics> {
    let mut read = |p: &Path| std::fs::read(p);
    load_with(path.as_ref(), &mut read)
}

/// Like [`load`], reading files through `read` (tests, stdin, editors).
pub fn load_with(path: &Path, read: &mut ReadFile<'_>) -> Result<ApiSpec, Diagnostics> {
    let (files, mut diags) = imports::load_files(path, read);
    if !diags.is_empty() {
        // semantic errors on top of syntax errors would mostly be noise
        return Err(diags);
    }
    match check::analyze(&files) {
        Ok(spec) => Ok(spec),
        Err(more) => {
            diags.extend(more);
            Err(diags)
        }
    }
}

/// Formats one file's text the way `goctl api format` does. Fails when the
/// text does not parse. Comments in spots where goctl's layout has none
/// (goctl drops them) are moved onto their own line above the enclosing
/// statement, field, pair or route instead.
pub fn format_source(name: &str, text: &str) -> Result<String, Diagnostics> {
    let file = SourceFile::new(name, text);
    let (mut tree, diags) = parser::parse(&file);
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut out = format::format_file(&tree);
    let lost = lost_comments(&file, &out);
    if !lost.is_empty() {
        let starts: Vec<usize> = lost.iter().map(|r| r.start).collect();
        rescue::relocate(&mut tree, &starts);
        out = format::format_file(&tree);
    }
    let still_lost = lost_comments(&file, &out);
    if still_lost.is_empty() {
        return Ok(out);
    }
    let mut diags = Diagnostics::new();
    for span in still_lost {
        diags.push(Diagnostic::error(
            &file,
            span,
            "the formatter has no place for this comment and would drop it; move it to its own line",
        ));
    }
    Err(diags)
}

fn comment_key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn comments(file: &std::sync::Arc<SourceFile>) -> Vec<(String, std::ops::Range<usize>)> {
    let (tokens, _) = lexer::lex(file);
    tokens
        .into_iter()
        .filter(|t| t.kind.is_comment())
        .map(|t| {
            let text = file.text().get(t.span.clone()).unwrap_or("");
            (comment_key(text), t.span)
        })
        .collect()
}

/// Spans of the input's comments that the output does not contain.
fn lost_comments(input: &std::sync::Arc<SourceFile>, output: &str) -> Vec<std::ops::Range<usize>> {
    let out_file = SourceFile::new("formatted", output);
    let mut remaining: HashMap<String, usize> = HashMap::new();
    for (key, _) in comments(&out_file) {
        *remaining.entry(key).or_default() += 1;
    }
    let mut lost = Vec::new();
    for (key, span) in comments(input) {
        match remaining.get_mut(&key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => lost.push(span),
        }
    }
    lost
}
