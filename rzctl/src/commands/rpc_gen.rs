//! `rzctl rpc gen` and `rzctl rpc new`.

use super::api_gen::{Target, relative_path};
use clap::Args;
use rzctl::api::service::RzeroDep;
use rzctl::diag::Diagnostics;
use rzctl::emit::templates::Templates;
use rzctl::emit::writer::{self, Mode};
use rzctl::emit::{FileKind, Output};
use rzctl::rpc::service::{self, GenOptions};
use rzctl::rpc::{self as rpc, Includes, RpcSpec};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(mut_arg("package", |a| a.help("The Cargo package name; defaults to the .proto file's name")))]
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
#[command(mut_arg("package", |a| a.help("The Cargo package name; defaults to the service name")))]
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
    run(Job {
        spec: rpc::load(&args.proto, &includes),
        extra: Vec::new(),
        proto: &args.proto,
        dir: &dir,
        default_name: &stem,
        target: &args.target,
        multiple: args.multiple,
        hello: false,
    })
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
    // The crate's Rust name must be an identifier (Cargo refuses keywords too).
    if syn::parse_str::<syn::Ident>(&name.replace('-', "_")).is_err() {
        eprintln!("error: `{name}` is a Rust keyword; a crate cannot be named so");
        return ExitCode::FAILURE;
    }
    let dir = args
        .target
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(name));
    let file_name = format!("{name}.proto");
    let proto_path = dir.join(&file_name);
    // A proto that is there already (a second run) is the user's; otherwise it is generated
    // from memory and written with everything else, so that --dry-run lists it and a failed
    // run writes nothing.
    let (spec, extra) = if proto_path.exists() {
        (rpc::load(&proto_path, &Includes::default()), Vec::new())
    } else {
        let text = match Templates::load(args.target.home.as_deref())
            .map_err(|e| e.to_string())
            .and_then(|templates| service::hello_proto(name, &templates).map_err(|e| e.to_string()))
        {
            Ok(text) => text,
            Err(err) => return fail(&err),
        };
        let spec = rpc::load_source(&file_name, &text);
        let proto = Output {
            path: file_name.into(),
            content: text,
            kind: FileKind::Scaffold,
        };
        (spec, vec![proto])
    };
    run(Job {
        spec,
        extra,
        proto: &proto_path,
        dir: &dir,
        default_name: name,
        target: &args.target,
        multiple: false,
        hello: true,
    })
}

/// One generation run of `rpc gen` or `rpc new`.
struct Job<'a> {
    spec: Result<RpcSpec, Diagnostics>,
    /// Written with the generated files (the proto of `rpc new`).
    extra: Vec<Output>,
    proto: &'a Path,
    dir: &'a Path,
    default_name: &'a str,
    target: &'a Target,
    multiple: bool,
    hello: bool,
}

fn run(job: Job<'_>) -> ExitCode {
    let Job {
        spec,
        extra,
        proto,
        dir,
        default_name,
        target,
        multiple,
        hello,
    } = job;
    let spec = match spec {
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
    let mut outputs = match service::plan(&spec, &options, &templates, dir) {
        Ok(outputs) => outputs,
        Err(err) => return fail(&err.to_string()),
    };
    outputs.extend(extra);
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
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
