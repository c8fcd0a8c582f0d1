//! `rzctl`: the generator CLI. Each subcommand runs the pipeline
//! parse -> model -> render -> write described in ARCHITECTURE.md.

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use std::process::ExitCode;

/// Generate axum, tonic and sqlx services from .api, .proto and SQL DDL files.
#[derive(Debug, Parser)]
#[command(name = "rzctl", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a completion script for SHELL to standard output.
    Completion {
        /// The shell to complete for.
        shell: Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "rzctl", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}
