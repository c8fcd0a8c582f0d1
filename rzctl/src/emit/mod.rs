//! The stages after a model: templates render it into files, Rust files are formatted, and
//! the writer (the only code that touches the disk) decides for each file whether to
//! rewrite it, create it once, or leave it alone.

pub mod format;
pub mod templates;
pub mod writer;

use std::path::PathBuf;

/// Who owns a file once it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// rzctl's: rewritten on every run, marked "do not edit".
    Generated,
    /// The user's: created when missing, never touched again.
    Scaffold,
}

/// One file a generator wants, its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: PathBuf,
    pub content: String,
    pub kind: FileKind,
}
