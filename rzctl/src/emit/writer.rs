//! The only code that writes generated files. For each output it decides: create a missing
//! file, rewrite a generated file whose content changed, leave an existing scaffold alone.
//! `--dry-run` and `--check` run the same decisions without writing.

use super::{FileKind, Output};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Report what would change; write nothing.
    DryRun,
    /// Like `DryRun`; the caller fails when anything is stale.
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// A scaffold that exists: the user's now.
    Kept,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub kind: FileKind,
    pub action: Action,
}

/// What a run did or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
    /// Files under the watched folders that no output claims any more (a removed route's
    /// logic): reported, never deleted.
    pub orphans: Vec<PathBuf>,
}

impl Report {
    /// Whether the files on disk differ from what the generator produces.
    pub fn is_stale(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.action, Action::Create | Action::Update))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Applies `outputs` under `root`. `watch` lists folders (relative to `root`) whose `.rs`
/// files should all be claimed by an output; the others are reported as orphans.
pub fn apply(
    root: &Path,
    outputs: &[Output],
    mode: Mode,
    watch: &[&str],
) -> Result<Report, WriteError> {
    let mut report = Report::default();
    for output in outputs {
        let path = root.join(&output.path);
        let existing = match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(WriteError { path, source }),
        };
        let action = match (&existing, output.kind) {
            (None, _) => Action::Create,
            (Some(_), FileKind::Scaffold) => Action::Kept,
            (Some(bytes), FileKind::Generated) if bytes == output.content.as_bytes() => {
                Action::Unchanged
            }
            (Some(_), FileKind::Generated) => Action::Update,
        };
        if mode == Mode::Write && matches!(action, Action::Create | Action::Update) {
            write_atomically(&path, output.content.as_bytes())?;
        }
        report.changes.push(Change {
            path: output.path.clone(),
            kind: output.kind,
            action,
        });
    }
    let claimed: BTreeSet<PathBuf> = outputs.iter().map(|o| o.path.clone()).collect();
    for dir in watch {
        let mut found = Vec::new();
        collect_rs(&root.join(dir), &mut found).map_err(|source| WriteError {
            path: root.join(dir),
            source,
        })?;
        for file in found {
            let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
            if !claimed.contains(&relative) {
                report.orphans.push(relative);
            }
        }
    }
    report.orphans.sort();
    Ok(report)
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes through a temporary file and a rename, so that an interrupted run never leaves a
/// half-written source file behind.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".rzctl-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            let verb = match change.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Unchanged => continue,
                Action::Kept => continue,
            };
            writeln!(f, "{verb:>8} {}", change.path.display())?;
        }
        for orphan in &self.orphans {
            writeln!(
                f,
                "  orphan {} (no route uses it any more; kept, delete it when done)",
                orphan.display()
            )?;
        }
        let count = |a: Action| self.changes.iter().filter(|c| c.action == a).count();
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} kept as yours",
            count(Action::Create),
            count(Action::Update),
            count(Action::Unchanged),
            count(Action::Kept)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(path: &str, content: &str, kind: FileKind) -> Output {
        Output {
            path: PathBuf::from(path),
            content: content.to_owned(),
            kind,
        }
    }

    #[test]
    fn generated_files_are_rewritten_and_scaffolds_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let first = [
            out("src/types.rs", "v1", FileKind::Generated),
            out("src/logic/a.rs", "user code", FileKind::Scaffold),
        ];
        let report = apply(root, &first, Mode::Write, &["src/logic"]).unwrap();
        assert!(report.changes.iter().all(|c| c.action == Action::Create));
        std::fs::write(root.join("src/logic/a.rs"), "edited by the user").unwrap();
        let second = [
            out("src/types.rs", "v2", FileKind::Generated),
            out("src/logic/a.rs", "user code", FileKind::Scaffold),
        ];
        let check = apply(root, &second, Mode::Check, &["src/logic"]).unwrap();
        assert!(check.is_stale());
        assert_eq!(
            std::fs::read_to_string(root.join("src/types.rs")).unwrap(),
            "v1"
        );
        let report = apply(root, &second, Mode::Write, &["src/logic"]).unwrap();
        assert_eq!(report.changes[0].action, Action::Update);
        assert_eq!(report.changes[1].action, Action::Kept);
        assert_eq!(
            std::fs::read_to_string(root.join("src/logic/a.rs")).unwrap(),
            "edited by the user"
        );
        assert!(
            !apply(root, &second, Mode::Check, &["src/logic"])
                .unwrap()
                .is_stale()
        );
    }

    #[test]
    fn unclaimed_files_are_orphans_and_stay() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        apply(
            root,
            &[out("src/logic/old.rs", "x", FileKind::Scaffold)],
            Mode::Write,
            &[],
        )
        .unwrap();
        let report = apply(
            root,
            &[out("src/logic/new.rs", "y", FileKind::Scaffold)],
            Mode::Write,
            &["src/logic"],
        )
        .unwrap();
        assert_eq!(report.orphans, vec![PathBuf::from("src/logic/old.rs")]);
        assert!(root.join("src/logic/old.rs").exists());
        assert!(report.to_string().contains("orphan src/logic/old.rs"));
    }
}
