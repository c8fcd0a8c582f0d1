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
        Command::Template(command) => commands::template::run(&command),
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
