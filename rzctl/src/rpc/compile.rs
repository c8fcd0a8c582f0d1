//! protox in front: the .proto file and everything it imports, linked and checked, as a
//! `FileDescriptorSet`. Errors come back as diagnostics with file, line and column.

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use miette::Diagnostic as _;
use prost_types::FileDescriptorSet;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
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
    // protox reports both as "not in any include path", which sends the user looking at -I
    // when the file name is what is wrong.
    for dir in &includes.0 {
        if !dir.is_dir() {
            let what = if dir.exists() {
                "is not a folder"
            } else {
                "does not exist"
            };
            return Err(Diagnostic::bare(format!(
                "the import folder {} (-I) {what}",
                dir.display()
            ))
            .into());
        }
    }
    if !proto.is_file() {
        let what = if proto.exists() {
            "is not a file"
        } else {
            "does not exist"
        };
        return Err(Diagnostic::bare(format!("{} {what}", proto.display())).into());
    }
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
    Ok(finish(&compiler, sources))
}

/// Compiles one file held in memory (`rzctl rpc new` before its proto is written), with
/// only the well-known types to import.
pub(crate) fn compile_source(name: &str, text: &str) -> Result<Compiled, Diagnostics> {
    struct InMemory {
        name: String,
        text: String,
    }
    impl FileResolver for InMemory {
        fn open_file(&self, name: &str) -> Result<File, protox::Error> {
            if name == self.name {
                File::from_source(name, &self.text)
            } else {
                Err(protox::Error::file_not_found(name))
            }
        }
    }
    let mut resolver = ChainFileResolver::new();
    resolver.add(InMemory {
        name: name.to_owned(),
        text: text.to_owned(),
    });
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(true);
    compiler.open_file(name).map_err(|e| diagnose(&e, &[]))?;
    let sources = HashMap::from([(name.to_owned(), SourceFile::new(name, text))]);
    Ok(finish(&compiler, sources))
}

fn finish(compiler: &protox::Compiler, sources: HashMap<String, Arc<SourceFile>>) -> Compiled {
    let files = compiler.file_descriptor_set();
    let name = files
        .file
        .last()
        .map(|f| f.name().to_owned())
        .unwrap_or_default();
    Compiled {
        name,
        files,
        sources,
    }
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

/// The file `name` as the roots find it, read for a diagnostic.
fn find_source(name: &str, roots: &[PathBuf]) -> Option<(PathBuf, Arc<SourceFile>)> {
    roots
        .iter()
        .map(|root| root.join(name))
        .find(|p| p.is_file())
        .and_then(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let file = SourceFile::new(path.display().to_string(), text);
            Some((path, file))
        })
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
    if let Some(cycle) = message.strip_prefix("import cycle detected: ")
        && let Some(diagnostic) = import_cycle(cycle, roots)
    {
        return diagnostic.into();
    }
    let offset = err
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| (label.offset(), label.len()));
    let source = err
        .file()
        .and_then(|name| find_source(name, roots))
        .map(|(_, file)| file);
    let help = err.help().map(|h| h.to_string());
    let mut diagnostic = match (source, offset) {
        (Some(file), Some((start, len))) => {
            let rest = file.text().get(start..).unwrap_or("");
            // protox reads `edition` as an unexpected token; say what it is instead.
            let edition = rest
                .strip_prefix("edition")
                .is_some_and(|after| after.starts_with(|c: char| c.is_whitespace() || c == '='));
            if err.is_parse() && edition {
                Diagnostic::error(
                    &file,
                    start..start + "edition".len(),
                    "protobuf editions are not supported yet; declare `syntax = \"proto3\";` (or \"proto2\") instead",
                )
            } else {
                Diagnostic::error(&file, start..start + len, message)
            }
        }
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

/// An import cycle (`a.proto -> b.proto -> a.proto`) pointing at the import statement that
/// closes it, which protox does not locate.
fn import_cycle(cycle: &str, roots: &[PathBuf]) -> Option<Diagnostic> {
    let names: Vec<&str> = cycle.split(" -> ").collect();
    let [.., importer, imported] = names.as_slice() else {
        return None;
    };
    let (path, file) = find_source(importer, roots)?;
    let parsed = File::open(importer, &path).ok()?;
    let descriptor = parsed.file_descriptor_proto();
    let index = descriptor.dependency.iter().position(|d| d == imported)?;
    let index = i32::try_from(index).ok()?;
    let location = descriptor
        .source_code_info
        .as_ref()?
        .location
        .iter()
        .find(|l| l.path == [3, index])?;
    let span = span_range(file.text(), &location.span)?;
    Some(Diagnostic::error(
        &file,
        span,
        format!("import cycle: {cycle}"),
    ))
}
