//! `rzctl`: the generator CLI. Each subcommand runs the pipeline
//! parse -> model -> render -> write described in ARCHITECTURE.md.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use rzctl::api;
use rzctl::diag::{Diagnostic, Diagnostics};

mod commands;

/// Generate axum, tonic and sqlx services from .api, .proto and SQL DDL files.
#[derive(Debug, Parser)]
#[command(name = "rzctl", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with .api files (go-zero's HTTP API description language).
    #[command(subcommand)]
    Api(ApiCommand),
    /// Work with .proto files: tonic services on rzero, without protoc.
    #[command(subcommand)]
    Rpc(RpcCommand),
    /// Generate cached sqlx models from SQL DDL or a live database.
    #[command(subcommand)]
    Model(commands::model::ModelCommand),
    /// Manage the templates generated files come from.
    #[command(subcommand)]
    Template(commands::template::TemplateCommand),
    /// Print a completion script for SHELL to standard output.
    Completion {
        /// The shell to complete for.
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
enum ApiCommand {
    /// Format .api files in place, in the layout `goctl api format` writes.
    ///
    /// A file that goctl formatted comes out unchanged. Comments are kept; a
    /// comment in a place the layout cannot keep is reported instead of
    /// dropped.
    Fmt(FmtArgs),
    /// Check .api files: syntax, imports and semantics, like `goctl api validate`.
    ///
    /// Prints every error with its file, line and column to standard error.
    /// Exits with 0 when every file is valid and 1 otherwise.
    Validate {
        /// The root .api files; their imports are read and checked too.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Generate or update the axum service crate of an .api file.
    ///
    /// Types, routes and handlers are rewritten; main, config, svc, logic and middleware
    /// files are created once and then yours. A route that disappeared is reported and its
    /// logic file kept.
    Gen(commands::api_gen::GenArgs),
    /// Create a hello service: an .api file and the crate generated from it.
    New(commands::api_gen::NewArgs),
    /// Write Markdown documentation: the service, each group and route with
    /// its parameters and response shape, and every type.
    Doc {
        /// The root .api file.
        #[arg(long = "api", value_name = "FILE")]
        api: PathBuf,
        /// The Markdown file to write; standard output when absent.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Write an OpenAPI 3.1 document.
    ///
    /// Responses are rzero's `{code, msg, data}` envelope; JWT groups use a
    /// bearer security scheme.
    Openapi {
        /// The root .api file.
        #[arg(long = "api", value_name = "FILE")]
        api: PathBuf,
        /// The file to write; standard output when absent.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// json or yaml; by default yaml when OUT ends in .yaml or .yml,
        /// json otherwise.
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<OpenapiFormat>,
    },
    /// Write a typed TypeScript client: types.ts, client.ts and api.ts.
    ///
    /// One function per route builds the request with fetch, unwraps the
    /// `{code, msg, data}` envelope and throws ApiError on failure.
    Ts {
        /// The root .api file.
        #[arg(long = "api", value_name = "FILE")]
        api: PathBuf,
        /// The folder to write the files into (created when missing). Files
        /// there that rzctl did not generate are never overwritten.
        #[arg(short = 'o', long = "output", value_name = "DIR", default_value = ".")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum RpcCommand {
    /// Generate or update the tonic service crate of a .proto file.
    ///
    /// The protobuf code (src/pb.rs), the server glue and the typed clients are
    /// rewritten; main, config, svc and the logic file of each method are created once
    /// and then yours. Protos are compiled by protox: no protoc is needed. Errors name
    /// file, line and column.
    Gen(commands::rpc_gen::GenArgs),
    /// Create a ping service: a .proto file and the crate generated from it.
    New(commands::rpc_gen::NewArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OpenapiFormat {
    Json,
    Yaml,
}

#[derive(Debug, Args)]
struct FmtArgs {
    /// Files to format, or folders to search for `.api` files; `-` reads
    /// standard input and writes standard output.
    #[arg(value_name = "FILE", required_unless_present = "stdin")]
    files: Vec<PathBuf>,
    /// Only report the files that would change (exit 1 if any), write nothing.
    #[arg(long)]
    check: bool,
    /// Read standard input and write the formatted text to standard output.
    #[arg(long, conflicts_with = "files")]
    stdin: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Api(ApiCommand::Fmt(args)) => fmt(&args),
        Command::Api(ApiCommand::Validate { files }) => validate(&files),
        Command::Api(ApiCommand::Gen(args)) => commands::api_gen::generate(&args),
        Command::Api(ApiCommand::New(args)) => commands::api_gen::new(&args),
        Command::Rpc(RpcCommand::Gen(args)) => commands::rpc_gen::generate(&args),
        Command::Rpc(RpcCommand::New(args)) => commands::rpc_gen::new(&args),
        Command::Template(command) => commands::template::run(&command),
        Command::Model(command) => commands::model::run(&command),
        Command::Api(ApiCommand::Doc { api, output }) => doc(&api, output.as_deref()),
        Command::Api(ApiCommand::Openapi {
            api,
            output,
            format,
        }) => openapi(&api, output.as_deref(), format),
        Command::Api(ApiCommand::Ts { api, output }) => ts(&api, &output),
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "rzctl", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

fn report(diags: &Diagnostics) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{diags}");
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match api::load(file) {
            Ok(_) => {}
            Err(diags) => {
                ok = false;
                report(&diags);
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Writes `text` to `output`, or to standard output when there is none.
fn emit(text: &str, output: Option<&Path>) -> ExitCode {
    let result = match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write standard output: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            report(&Diagnostic::bare(message).into());
            ExitCode::FAILURE
        }
    }
}

fn doc(api_file: &Path, output: Option<&Path>) -> ExitCode {
    match api::load(api_file) {
        Ok(spec) => emit(&api::doc::render(&spec), output),
        Err(diags) => {
            report(&diags);
            ExitCode::FAILURE
        }
    }
}

fn openapi(api_file: &Path, output: Option<&Path>, format: Option<OpenapiFormat>) -> ExitCode {
    let spec = match api::load(api_file) {
        Ok(spec) => spec,
        Err(diags) => {
            report(&diags);
            return ExitCode::FAILURE;
        }
    };
    let yaml_name = output
        .and_then(Path::extension)
        .is_some_and(|e| e == "yaml" || e == "yml");
    let format = match format {
        Some(OpenapiFormat::Json) => api::openapi::Format::Json,
        Some(OpenapiFormat::Yaml) => api::openapi::Format::Yaml,
        None if yaml_name => api::openapi::Format::Yaml,
        None => api::openapi::Format::Json,
    };
    let build = api::openapi::build(&spec);
    for warning in &build.warnings {
        eprintln!("warning: {warning}");
    }
    match api::openapi::render(&build.document, format) {
        Ok(text) => emit(&text, output),
        Err(message) => {
            report(&Diagnostic::bare(message).into());
            ExitCode::FAILURE
        }
    }
}

fn ts(api_file: &Path, dir: &Path) -> ExitCode {
    let spec = match api::load(api_file) {
        Ok(spec) => spec,
        Err(diags) => {
            report(&diags);
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        report(&Diagnostic::bare(format!("cannot create `{}`: {e}", dir.display())).into());
        return ExitCode::FAILURE;
    }
    let client = api::ts::render(&spec);
    for warning in &client.warnings {
        eprintln!("warning: {warning}");
    }
    // Check every file first, so a refusal leaves the folder as it was.
    for file in &client.files {
        let path = dir.join(file.name);
        if !ours_to_overwrite(&path) {
            report(
                &Diagnostic::bare(format!(
                    "refusing to overwrite `{}`: rzctl did not generate it",
                    path.display()
                ))
                .into(),
            );
            return ExitCode::FAILURE;
        }
    }
    for file in client.files {
        let path = dir.join(file.name);
        if let Err(e) = std::fs::write(&path, &file.contents) {
            report(&Diagnostic::bare(format!("cannot write `{}`: {e}", path.display())).into());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// A file may be (re)written when it is missing or rzctl generated it: the
/// TypeScript client lands in a folder, by default the current one, where a
/// user's own `api.ts` may already live.
fn ours_to_overwrite(path: &Path) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => bytes.starts_with(b"// Code generated by rzctl"),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

fn read_source(path: &Path) -> Result<String, Diagnostics> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| Diagnostic::bare(format!("cannot read `{name}`: {e}")))?;
    api::imports::decode(&name, bytes).map_err(|m| Diagnostic::bare(m).into())
}

fn fmt(args: &FmtArgs) -> ExitCode {
    let use_stdin = args.stdin || args.files.iter().any(|f| f.as_os_str() == "-");
    if use_stdin {
        return fmt_stdin(args.check);
    }
    let mut failed = false;
    let mut changed = false;
    let mut files = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            if let Err(e) = collect_api_files(path, &mut files) {
                failed = true;
                report(&Diagnostic::bare(format!("cannot read `{}`: {e}", path.display())).into());
            }
        } else {
            files.push(path.clone());
        }
    }
    for path in &files {
        let name = path.display().to_string();
        let result = read_source(path).and_then(|text| {
            let formatted = api::format_source(&name, &text)?;
            Ok((text, formatted))
        });
        match result {
            Err(diags) => {
                failed = true;
                report(&diags);
            }
            Ok((text, formatted)) if text != formatted => {
                changed = true;
                if args.check {
                    println!("{name}");
                } else if let Err(e) = std::fs::write(path, formatted) {
                    failed = true;
                    report(&Diagnostic::bare(format!("cannot write `{name}`: {e}")).into());
                }
            }
            Ok(_) => {}
        }
    }
    if failed || (args.check && changed) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Every `.api` file below `dir`, sorted, so runs are reproducible.
fn collect_api_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_api_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "api") {
            out.push(path);
        }
    }
    Ok(())
}

fn fmt_stdin(check: bool) -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        report(&Diagnostic::bare(format!("cannot read standard input: {e}")).into());
        return ExitCode::FAILURE;
    }
    let result = api::imports::decode("<stdin>", bytes)
        .map_err(|m| Diagnostics::from(Diagnostic::bare(m)))
        .and_then(|text| Ok((api::format_source("<stdin>", &text)?, text)));
    match result {
        Err(diags) => {
            report(&diags);
            ExitCode::FAILURE
        }
        Ok((formatted, text)) => {
            if check {
                if formatted == text {
                    return ExitCode::SUCCESS;
                }
                println!("<stdin>");
                return ExitCode::FAILURE;
            }
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(formatted.as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
