//! Starts user: `user [-f etc/user.yaml]`.
//!
//! Created by rzctl from user.proto; this file is yours: rzctl never overwrites it.

use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let path = config_path();
    let config = match rzero::conf::Loader::file(&path)
        .env_prefix("USER")
        .load::<user::config::Config>()
    {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let server = match user::server(config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot start user: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.start().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("user stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `-f FILE` as go-zero services take it; else `etc/user.yaml` in the current folder,
/// else the one beside this crate's manifest (so `cargo run` works from anywhere).
fn config_path() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-f"
            && let Some(path) = args.next()
        {
            return PathBuf::from(path);
        }
    }
    let local = PathBuf::from("etc/user.yaml");
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(local)
}
