//! `stele-registry`: reads configuration (flags or `STELE_*` environment variables), opens
//! the store named by the database URL, runs its migrations, and serves the API until SIGTERM
//! or ctrl-c, finishing requests in flight.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use stele_engine::Level;
use stele_registry::store::Backend;
use stele_registry::{AppState, Config, app};
use tracing_subscriber::EnvFilter;

/// A Confluent-compatible schema registry.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "STELE_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// Directory for the embedded SQLite database (`registry.db`), created if missing.
    #[arg(long, env = "STELE_DATA_DIR", default_value = "./stele-data")]
    data_dir: PathBuf,
    /// Database URL; overrides --data-dir: `sqlite://PATH`, or `postgres://...` for a
    /// database that several nodes share.
    #[arg(long, env = "STELE_DATABASE_URL")]
    database: Option<String>,
    /// Compatibility level used where none is configured.
    #[arg(long, env = "STELE_DEFAULT_COMPATIBILITY", default_value = "BACKWARD", value_parser = parse_level)]
    default_compatibility: Level,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "STELE_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    max_body_bytes: usize,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        // Colour codes only for a person at a terminal, never in log files or collectors.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            EnvFilter::try_from_env("STELE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if let Err(error) = run(Args::parse()).await {
        eprintln!("error: {error:#}");
        std::process::exit(2);
    }
}

/// Opens the store: `--database` (its scheme picks the backend), or the SQLite file under
/// `--data-dir`. Returns it with a description for logs.
async fn open_store(args: &Args) -> anyhow::Result<(Backend, String)> {
    if let Some(url) = &args.database {
        let store = Backend::open(url)
            .await
            .with_context(|| format!("opening the database {}", redacted(url)))?;
        return Ok((store, redacted(url)));
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating data directory {}", args.data_dir.display()))?;
    let file = args.data_dir.join("registry.db");
    let store = Backend::open_file(&file)
        .await
        .with_context(|| format!("opening the database {}", file.display()))?;
    Ok((store, file.display().to_string()))
}

/// `url` without its password, for logs and error messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (store, database) = open_store(&args).await?;
    let config = Config {
        default_compatibility: args.default_compatibility,
        max_body_bytes: args.max_body_bytes,
        ..Config::default()
    };
    let state = AppState::new(store.store(), config);
    store
        .watch(Arc::clone(&state.cache))
        .await
        .context("watching the database for deletes made by other nodes")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%address, %database, "stele-registry listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
