//! `rzctl template init|diff`.

use clap::Subcommand;
use rzctl::emit::templates::{self, Written};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Write the built-in templates to a template home to edit them.
    ///
    /// Generation then uses the copies when `--home DIR` or `RZCTL_HOME` names that home;
    /// `api gen` and `api new` also read the default home by themselves. Existing copies are
    /// kept unless `--force`.
    Init {
        /// The template home; defaults to RZCTL_HOME, else ~/.rzctl/<version>.
        #[arg(long, value_name = "DIR")]
        home: Option<PathBuf>,
        /// Overwrite copies that exist.
        #[arg(long)]
        force: bool,
    },
    /// Show how the copies in a template home differ from the built-in templates.
    Diff {
        /// The template home; defaults to RZCTL_HOME, else ~/.rzctl/<version>.
        #[arg(long, value_name = "DIR")]
        home: Option<PathBuf>,
    },
}

pub fn run(command: &TemplateCommand) -> ExitCode {
    match command {
        TemplateCommand::Init { home, force } => {
            let home = home.clone().unwrap_or_else(templates::default_home);
            match templates::init(&home, *force) {
                Ok(done) => {
                    for written in done {
                        match written {
                            Written::Created(p) => println!("  create {}", p.display()),
                            Written::Replaced(p) => println!(" replace {}", p.display()),
                            Written::Kept(p) => {
                                println!("    keep {} (exists; --force replaces it)", p.display())
                            }
                        }
                    }
                    if home == templates::default_home() {
                        println!(
                            "templates in {}; `rzctl api gen` and `api new` read them from there (other generators: --home {})",
                            home.display(),
                            home.display()
                        );
                    } else {
                        println!(
                            "templates in {}; generate with --home {} or RZCTL_HOME={}",
                            home.display(),
                            home.display(),
                            home.display()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        TemplateCommand::Diff { home } => {
            let home = home.clone().unwrap_or_else(templates::default_home);
            match templates::diff(&home) {
                Ok(diffs) => {
                    if diffs.is_empty() {
                        println!("the templates in {} are the built-in ones", home.display());
                    }
                    for (name, diff) in diffs {
                        match diff {
                            Some(diff) => print!("{diff}"),
                            None => println!(
                                "{name}: no copy in {} (the built-in one is used)",
                                home.display()
                            ),
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
