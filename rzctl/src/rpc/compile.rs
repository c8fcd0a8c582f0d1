//! protox in front: the .proto file and everything it imports, linked and checked, as a
//! `FileDescriptorSet`. Errors come back as diagnostics with file, line and column.

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use miette::Diagnostic as _;
use prost_types::FileDescriptorSet;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The import roots (`-I DIR`), in order.
#[derive(Debug, Clone, Default)]
pub struct Includes(pub Vec<PathBuf>);

/// A compiled root file.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The root file's name as imports see it (relative to its include folder).
    pub(crate) name: String,
    /// The root file and every file it imports, dependencies first, with source info (for
    /// the doc comments the generated code carries).
    pub(crate) files: FileDescriptorSet,
    /// The text of every file compiled from source, by name, for diagnostics that point
    /// into them after compilation (name clashes found while generating).
    pub(crate) sources: HashMap<String, Arc<SourceFile>>,
}

pub(crate) fn compile(proto: &Path, includes: &Includes) -> Result<Compiled, Diagnostics> {
    let roots = import_roots(proto, includes);
    let mut compiler = protox::Compiler::new(&roots).map_err(|e| diagnose(&e, &roots))?;
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_file(proto)
        .map_err(|e| diagnose(&e, &roots))?;
    let sources = compiler
        .files()
        .filter_map(|meta| {
            let path = meta.path()?;
            let text = std::fs::read_to_string(path).ok()?;
            let file = SourceFile::new(path.display().to_string(), text);
            Some((meta.name().to_owned(), file))
        })
        .collect();
    let files = compiler.file_descriptor_set();
    let name = files
        .file
        .last()
        .map(|f| f.name().to_owned())
        .unwrap_or_default();
    Ok(Compiled {
        name,
        files,
        sources,
    })
}

/// The `-I` folders, plus the proto's own folder when no `-I` contains the file, so that
/// `rzctl rpc gen x/y.proto` works without flags and sibling imports resolve.
fn import_roots(proto: &Path, includes: &Includes) -> Vec<PathBuf> {
    let mut roots = includes.0.clone();
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let file = absolute(proto);
    if !roots.iter().any(|root| file.starts_with(absolute(root))) {
        let parent = proto
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        roots.push(parent.to_path_buf());
    }
    roots
}

/// The byte offset of a 0-based line and byte column, as protobuf source info counts them.
pub(crate) fn byte_offset(text: &str, line: i32, column: i32) -> usize {
    let line = usize::try_from(line).unwrap_or(0);
    let column = usize::try_from(column).unwrap_or(0);
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    (start + column).min(text.len())
}

/// The byte range of a source-info span (`[line, col, end_col]` or
/// `[line, col, end_line, end_col]`).
pub(crate) fn span_range(text: &str, span: &[i32]) -> Option<std::ops::Range<usize>> {
    let (line, col, end_line, end_col) = match *span {
        [line, col, end_col] => (line, col, line, end_col),
        [line, col, end_line, end_col] => (line, col, end_line, end_col),
        _ => return None,
    };
    Some(byte_offset(text, line, col)..byte_offset(text, end_line, end_col))
}

/// A protox error as a diagnostic pointing into its file, when it names a place.
fn diagnose(err: &protox::Error, roots: &[PathBuf]) -> Diagnostics {
    let message = err.to_string();
    let offset = err
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| (label.offset(), label.len()));
    let source = err.file().and_then(|name| {
        roots
            .iter()
            .map(|root| root.join(name))
            .find(|p| p.is_file())
            .and_then(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                Some(SourceFile::new(path.display().to_string(), text))
            })
    });
    let help = err.help().map(|h| h.to_string());
    let mut diagnostic = match (source, offset) {
        (Some(file), Some((start, len))) => Diagnostic::error(&file, start..start + len, message),
        (_, _) => match err.file() {
            Some(name) => Diagnostic::bare(format!("{name}: {message}")),
            None => Diagnostic::bare(message),
        },
    };
    if let Some(help) = help {
        diagnostic = diagnostic.with_note(help);
    }
    if err.is_file_not_found() {
        let searched = roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        diagnostic = diagnostic.with_note(format!("searched {searched}; add the folder with -I"));
    }
    diagnostic.into()
}
