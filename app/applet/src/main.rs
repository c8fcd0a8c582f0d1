//! Starts applet: `applet [-f etc/applet.yaml]`.
//!
//! Created by rzctl from applet.api; this file is yours: rzctl never overwrites it.

use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let path = config_path();
    let config = match rzero::conf::Loader::file(&path)
        .env_prefix("APPLET")
        .load::<applet::config::Config>()
    {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let server = match applet::server(config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot start applet: {err}");
            return ExitCode::FAILURE;
        }
    };
    match server.start().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("applet stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `-f FILE` as go-zero services take it; else `etc/applet.yaml` in the current folder,
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
    let local = PathBuf::from("etc/applet.yaml");
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(local)
}
