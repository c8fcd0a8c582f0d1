//! Reads a root .api file and, depth first, every file it imports. Import
//! paths are relative to the importing file; a file imported again is
//! skipped; a file that imports itself through a chain is an error that
//! shows the chain.

use std::collections::HashSet;
use std::io;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::ast::{File, Stmt, Tok};
use super::parser::parse;
use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// Longer import chains are reported instead of followed.
const MAX_IMPORT_DEPTH: usize = 64;

/// One parsed file of an API.
#[derive(Debug)]
pub struct ParsedFile {
    pub source: Arc<SourceFile>,
    pub ast: File,
}

/// Reads a file's bytes; the real one reads the disk, tests use memory.
pub type ReadFile<'a> = dyn FnMut(&Path) -> io::Result<Vec<u8>> + 'a;

/// Turns bytes into source text: UTF-8 only, a leading byte order mark dropped.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{name}` is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// `a/./b/../c` -> `a/c`, without touching the file system, so that two
/// spellings of one file are recognised as the same file.
fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// How a path is shown in reports: `sub/deep/../../main.api` as `main.api`. Lexical, relative
/// paths stay relative, and a leading `..` that has nothing to cancel is kept.
fn display_name(path: &Path) -> String {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return ".".to_owned();
    }
    out.iter().collect::<PathBuf>().display().to_string()
}

struct Loader<'r, 'a> {
    read: &'r mut ReadFile<'a>,
    files: Vec<ParsedFile>,
    visited: HashSet<PathBuf>,
    /// The chain of files being imported, for cycle reports.
    stack: Vec<(PathBuf, String)>,
    diags: Diagnostics,
}

/// Where an import was written, for errors about the imported file.
struct ImportSite {
    file: Arc<SourceFile>,
    span: Range<usize>,
}

/// Parses `root` and everything it imports. Files come back root first, then
/// each import where it is first reached; every error of every file is in
/// the diagnostics.
pub fn load_files(root: &Path, read: &mut ReadFile<'_>) -> (Vec<ParsedFile>, Diagnostics) {
    let mut loader = Loader {
        read,
        files: Vec::new(),
        visited: HashSet::new(),
        stack: Vec::new(),
        diags: Diagnostics::new(),
    };
    loader.visit(root, None);
    (loader.files, loader.diags)
}

fn import_paths(file: &File) -> Vec<&Tok> {
    let mut out = Vec::new();
    for stmt in &file.stmts {
        match stmt {
            Stmt::ImportLiteral(s) => out.push(&s.value),
            Stmt::ImportGroup(s) => out.extend(s.values.iter()),
            _ => {}
        }
    }
    out
}

impl Loader<'_, '_> {
    fn error(&mut self, site: Option<&ImportSite>, message: String) {
        let diagnostic = match site {
            Some(site) => Diagnostic::error(&site.file, site.span.clone(), message),
            None => Diagnostic::bare(message),
        };
        self.diags.push(diagnostic);
    }

    fn visit(&mut self, path: &Path, site: Option<ImportSite>) {
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            let message = format!(
                "imports are nested more than {MAX_IMPORT_DEPTH} files deep; is there a symlink loop?"
            );
            self.error(site.as_ref(), message);
            return;
        }
        // a real file's canonical path also unmasks symlinked spellings
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path));
        let name = display_name(path);
        if let Some(start) = self.stack.iter().position(|(k, _)| *k == key) {
            let mut chain: Vec<&str> = self.stack[start..]
                .iter()
                .map(|(_, n)| n.as_str())
                .collect();
            chain.push(&name);
            let message = format!("import cycle: {}", chain.join(" -> "));
            self.error(site.as_ref(), message);
            return;
        }
        if !self.visited.insert(key.clone()) {
            return;
        }
        let bytes = match (self.read)(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                let message = match &site {
                    Some(_) => format!("cannot read imported file `{name}`: {e}"),
                    None => format!("cannot read `{name}`: {e}"),
                };
                self.error(site.as_ref(), message);
                return;
            }
        };
        let text = match decode(&name, bytes) {
            Ok(text) => text,
            Err(message) => {
                self.error(site.as_ref(), message);
                return;
            }
        };
        let source = SourceFile::new(name.clone(), text);
        let (ast, diags) = parse(&source);
        self.diags.extend(diags);
        let imports: Vec<(String, Range<usize>)> = import_paths(&ast)
            .into_iter()
            .filter(|t| !t.is_empty_string())
            .map(|t| (t.unquoted().to_owned(), t.span.clone()))
            .collect();
        self.files.push(ParsedFile {
            source: Arc::clone(&source),
            ast,
        });
        self.stack.push((key, name));
        let dir = path.parent().unwrap_or_else(|| Path::new(""));
        for (import, span) in imports {
            let target = dir.join(&import);
            let site = ImportSite {
                file: Arc::clone(&source),
                span,
            };
            self.visit(&target, Some(site));
        }
        self.stack.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(files: &[(&str, &str)], root: &str) -> (Vec<String>, Vec<String>) {
        let map: HashMap<PathBuf, Vec<u8>> = files
            .iter()
            .map(|(p, t)| (normalize(Path::new(p)), t.as_bytes().to_vec()))
            .collect();
        let mut read = |p: &Path| {
            map.get(&normalize(p))
                .cloned()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not found"))
        };
        let (parsed, diags) = load_files(Path::new(root), &mut read);
        (
            parsed.iter().map(|f| f.source.name().to_owned()).collect(),
            diags.iter().map(|d| d.message.clone()).collect(),
        )
    }

    #[test]
    fn resolves_relative_to_the_importing_file_and_skips_repeats() {
        let (names, errors) = load(
            &[
                ("m/main.api", "import \"sub/a.api\"\nimport \"sub/b.api\""),
                ("m/sub/a.api", "import \"b.api\""),
                ("m/sub/b.api", "type B {}"),
            ],
            "m/main.api",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(names, vec!["m/main.api", "m/sub/a.api", "m/sub/b.api"]);
    }

    #[test]
    fn reports_cycles_with_the_chain() {
        let (_, errors) = load(
            &[
                ("a.api", "import \"b.api\""),
                ("b.api", "import \"c.api\""),
                ("c.api", "import \"a.api\""),
            ],
            "a.api",
        );
        assert_eq!(
            errors,
            vec!["import cycle: a.api -> b.api -> c.api -> a.api"]
        );
    }

    #[test]
    fn cycles_show_each_file_once_spelled_plainly() {
        let (_, errors) = load(
            &[
                ("main.api", "import \"sub/deep/a.api\""),
                ("sub/deep/a.api", "import \"../../main.api\""),
            ],
            "./main.api",
        );
        assert_eq!(
            errors,
            vec!["import cycle: main.api -> sub/deep/a.api -> main.api"]
        );
        assert_eq!(display_name(Path::new("../x/./../y.api")), "../y.api");
        assert_eq!(display_name(Path::new("/a/../../b.api")), "/b.api");
    }

    #[test]
    fn reports_missing_files_and_bad_utf8() {
        let (_, errors) = load(&[("a.api", "import \"nope.api\"")], "a.api");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("cannot read imported file `nope.api`"),
            "{errors:?}"
        );
        assert!(decode("x.api", vec![0x66, 0xff]).is_err());
        assert_eq!(
            decode("x.api", "\u{feff}syntax".as_bytes().to_vec()).as_deref(),
            Ok("syntax")
        );
    }
}
