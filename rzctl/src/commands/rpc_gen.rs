//! `rzctl rpc gen` and `rzctl rpc new`.

use super::api_gen::{Target, relative_path};
use clap::Args;
use rzctl::api::service::RzeroDep;
use rzctl::emit::templates::Templates;
use rzctl::emit::writer::{self, Mode};
use rzctl::rpc::service::{self, GenOptions};
use rzctl::rpc::{self as rpc, Includes};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct GenArgs {
    /// The .proto file describing the service(s).
    #[arg(value_name = "FILE")]
    pub proto: PathBuf,
    /// A folder imports are resolved from (repeatable); the proto's own folder is added
    /// when no -I contains it.
    #[arg(short = 'I', long = "proto_path", value_name = "DIR")]
    pub includes: Vec<PathBuf>,
    /// Generate one module per service (server, client and logic folders), for files that
    /// declare several services.
    #[arg(short = 'm', long)]
    pub multiple: bool,
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
        .proto
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "service".to_owned());
    let dir = args
        .target
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let includes = Includes(args.includes.clone());
    run(
        &args.proto,
        &includes,
        &dir,
        &stem,
        &args.target,
        args.multiple,
        false,
    )
}

pub fn new(args: &NewArgs) -> ExitCode {
    let name = &args.name;
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        eprintln!(
            "error: `{name}` is not a usable service name; start with a letter, use letters, digits, `-` and `_`"
        );
        return ExitCode::FAILURE;
    }
    let dir = args
        .target
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(name));
    let proto_path = dir.join(format!("{name}.proto"));
    if !proto_path.exists() {
        let templates = match Templates::load(args.target.home.as_deref()) {
            Ok(t) => t,
            Err(err) => return fail(&err.to_string()),
        };
        let text = match service::hello_proto(name, &templates) {
            Ok(text) => text,
            Err(err) => return fail(&err.to_string()),
        };
        if args.target.dry_run || args.target.check {
            println!("  create {}", proto_path.display());
            return ExitCode::SUCCESS;
        }
        if let Err(err) =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&proto_path, text))
        {
            return fail(&format!("cannot write {}: {err}", proto_path.display()));
        }
    }
    run(
        &proto_path,
        &Includes::default(),
        &dir,
        name,
        &args.target,
        false,
        true,
    )
}

fn run(
    proto: &Path,
    includes: &Includes,
    dir: &Path,
    default_name: &str,
    target: &Target,
    multiple: bool,
    hello: bool,
) -> ExitCode {
    let spec = match rpc::load(proto, includes) {
        Ok(spec) => spec,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::FAILURE;
        }
    };
    for note in &spec.notes {
        eprintln!("note: {note}");
    }
    let templates = match Templates::load(target.home.as_deref()) {
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
        rzero,
        multiple,
        hello,
    };
    let outputs = match service::plan(&spec, &options, &templates, dir) {
        Ok(outputs) => outputs,
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
            "error: {} is not what rzctl generates from {}; run `rzctl rpc gen` again",
            dir.display(),
            proto.display()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
