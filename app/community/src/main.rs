//! `community`: the whole community in one process on embedded defaults, or
//! `community user|applet` to run one service in the distributed mode.

use clap::Parser;
use community::distributed::{self, Service};
use community::embedded::{Community, CommunityConfig};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Run only this service, from its own config (default: app/<service>/etc/<service>.yaml).
    service: Option<Service>,
    /// The config file: etc/community.yaml for the embedded mode.
    #[arg(short = 'f', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// A file in the current folder, else beside this crate (so `cargo run` works from anywhere).
fn default_config(relative: &str) -> PathBuf {
    let local = PathBuf::from(relative);
    if local.is_file() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match args.service {
        Some(service) => {
            let name = service.name();
            let config = args
                .config
                .unwrap_or_else(|| default_config(&format!("../{name}/etc/{name}.yaml")));
            distributed::run(service, &config).await
        }
        None => {
            embedded(
                args.config
                    .unwrap_or_else(|| default_config("etc/community.yaml")),
            )
            .await
        }
    };
    rzero::log::flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("community: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn embedded(path: PathBuf) -> Result<(), community::BoxError> {
    let config: CommunityConfig = rzero::conf::Loader::file(&path)
        .env_prefix("COMMUNITY")
        .load()?;
    let community = Community::start(config).await?;
    println!(
        "The community is up (embedded: SQLite, in-process cache, fixed endpoints).\n  \
         HTTP API  http://{}/v1  (applet-api)\n  \
         user.rpc  {}\n\
         Try: curl -s http://{}/v1/verification -H 'Content-Type: application/json' -d '{{\"mobile\":\"13800138000\"}}'\n  \
         (codes are logged, and written to the SMS outbox file of etc/community.yaml)\n\
         Ctrl-C stops it.",
        community.applet_addr(),
        community.user_addr(),
        community.applet_addr()
    );
    community.run_until_signal().await
}
