//! `rzctl api gen` and `rzctl api new`.

use clap::Args;
use rzctl::api;
use rzctl::api::service::{self, GenOptions, RzeroDep};
use rzctl::diag::Diagnostics;
use rzctl::emit::templates::{self, Templates};
use rzctl::emit::writer::{self, Mode};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct Target {
    /// The crate folder to write (created when missing).
    #[arg(long, short = 'd', value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The Cargo package name; defaults to the .api file's name.
    #[arg(long, value_name = "NAME")]
    pub package: Option<String>,
    /// Depend on a local rzero checkout at DIR instead of the published crate.
    #[arg(long, env = "RZERO_PATH", value_name = "DIR")]
    pub rzero_path: Option<PathBuf>,
    /// Read templates from DIR, where `rzctl template init` put them; by default from
    /// ~/.rzctl/<version> when that folder exists.
    #[arg(long, env = "RZCTL_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// List what would be created or updated; write nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Write nothing; exit 1 when a generated file is stale or missing (for CI).
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// The .api file describing the service.
    #[arg(long, value_name = "FILE")]
    pub api: PathBuf,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The service name, e.g. `greet`.
    pub name: String,
    #[command(flatten)]
    pub target: Target,
}

pub fn generate(args: &GenArgs) -> ExitCode {
    let stem = args
        .api
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "service".to_owned());
    let dir = args
        .target
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    run(&args.api, &dir, &stem, &args.target, false)
}

pub fn new(args: &NewArgs) -> ExitCode {
    let name = &args.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        eprintln!("error: `{name}` is not a usable service name; use letters, digits, `-` and `_`");
        return ExitCode::FAILURE;
    }
    let dir = args
        .target
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(name));
    let api_path = dir.join(format!("{name}.api"));
    if !api_path.exists() {
        let templates = match Templates::load(
            templates::resolve_home(args.target.home.as_deref()).as_deref(),
        ) {
            Ok(t) => t,
            Err(err) => return fail(&err.to_string()),
        };
        let text = match service::hello_api(name, &templates)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                api::format_source(&api_path.display().to_string(), &t).map_err(|d| d.to_string())
            }) {
            Ok(text) => text,
            Err(err) => return fail(&err),
        };
        if args.target.dry_run || args.target.check {
            println!("  create {}", api_path.display());
        } else if let Err(err) =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&api_path, text))
        {
            return fail(&format!("cannot write {}: {err}", api_path.display()));
        }
    }
    if (args.target.dry_run || args.target.check) && !api_path.exists() {
        return ExitCode::SUCCESS;
    }
    run(&api_path, &dir, name, &args.target, true)
}

fn run(api_path: &Path, dir: &Path, default_name: &str, target: &Target, hello: bool) -> ExitCode {
    let spec = match api::load(api_path) {
        Ok(spec) => spec,
        Err(diags) => return report_diags(&diags),
    };
    let templates =
        match Templates::load(templates::resolve_home(target.home.as_deref()).as_deref()) {
            Ok(t) => t,
            Err(err) => return fail(&err.to_string()),
        };
    let rzero = match &target.rzero_path {
        Some(path) => match relative_path(path, dir) {
            Ok(rel) => RzeroDep::Path(rel),
            Err(err) => return fail(&err),
        },
        None => RzeroDep::Version(env!("CARGO_PKG_VERSION").to_owned()),
    };
    let options = GenOptions {
        package: target
            .package
            .clone()
            .unwrap_or_else(|| default_name.to_owned()),
        api_file: api_path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rzero,
        hello,
    };
    let outputs = match service::plan(&spec, &options, &templates, dir) {
        Ok(plan) => {
            if !plan.warnings.is_empty() {
                eprintln!("{}", plan.warnings);
            }
            plan.outputs
        }
        Err(service::GenError::Spec(diags)) => return report_diags(&diags),
        Err(err) => return fail(&err.to_string()),
    };
    let mode = if target.check {
        Mode::Check
    } else if target.dry_run {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let report = match writer::apply(dir, &outputs, mode, service::WATCHED) {
        Ok(report) => report,
        Err(err) => return fail(&err.to_string()),
    };
    for name in templates.overridden() {
        println!("template {name} from the template home");
    }
    println!("{report}");
    if mode == Mode::Check && report.is_stale() {
        eprintln!(
            "error: {} is not what rzctl generates from {}; run `rzctl api gen` again",
            dir.display(),
            api_path.display()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn report_diags(diags: &Diagnostics) -> ExitCode {
    eprintln!("{diags}");
    ExitCode::FAILURE
}

/// `target` relative to `from` (both may not exist yet), with `/` separators, for a
/// `path = "..."` dependency that keeps working when the project moves as a whole.
pub fn relative_path(target: &Path, from: &Path) -> Result<String, String> {
    let absolute = |p: &Path| -> Result<PathBuf, String> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| format!("cannot read the current folder: {e}"))?
                .join(p)
        };
        Ok(normalize(&p))
    };
    let target = absolute(target)?;
    if !target.join("Cargo.toml").is_file() {
        return Err(format!(
            "{} is not an rzero checkout (no Cargo.toml); check --rzero-path or RZERO_PATH",
            target.display()
        ));
    }
    let from = absolute(from)?;
    let common = target
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.components().count() - common;
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), ups).collect();
    parts.extend(
        target
            .components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// Removes `.` and resolves `..` lexically (the folders may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        let repo = tempfile::tempdir().unwrap();
        let rzero = repo.path().join("rzero");
        std::fs::create_dir_all(&rzero).unwrap();
        std::fs::write(rzero.join("Cargo.toml"), "").unwrap();
        let crate_dir = repo.path().join("examples/shop");
        assert_eq!(relative_path(&rzero, &crate_dir).unwrap(), "../../rzero");
        assert!(relative_path(&repo.path().join("nope"), &crate_dir).is_err());
    }
}
