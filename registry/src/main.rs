//! `stele-registry`: resolves its settings (flags, `STELE_*` environment variables, an
//! optional TOML file; see `settings.rs`), starts the logs, opens the store named by the
//! database URL, runs its migrations, and serves the API until SIGTERM or ctrl-c, finishing
//! requests in flight. Every startup failure exits with code 2.

mod settings;

use std::sync::Arc;

use anyhow::Context;
use stele_registry::store::Backend;
use stele_registry::{AppState, Config, app};
use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, Settings, Storage};

#[tokio::main]
async fn main() {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::exit(2);
        }
    };
    start_logs(settings.log_format);
    if let Err(error) = run(settings).await {
        eprintln!("error: {error:#}");
        std::process::exit(2);
    }
}

/// Logs to stdout in `format`, filtered by `STELE_LOG` (default `info`).
fn start_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_env("STELE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        // Colour codes only for a person at a terminal, never in log files or collectors.
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        // Event fields at the top level (`message`, `address`, ...), as collectors index them.
        LogFormat::Json => logs.json().with_ansi(false).flatten_event(true).init(),
    }
}

/// Opens the store: a database URL (its scheme picks the backend), or the SQLite file in a
/// data directory. Returns it with a description for logs.
async fn open_store(storage: &Storage) -> anyhow::Result<(Backend, String)> {
    match storage {
        Storage::Url(url) => {
            let store = Backend::open(url)
                .await
                .with_context(|| format!("opening the database {}", redacted(url)))?;
            Ok((store, redacted(url)))
        }
        Storage::Directory(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating data directory {}", dir.display()))?;
            let file = dir.join("registry.db");
            let store = Backend::open_file(&file)
                .await
                .with_context(|| format!("opening the database {}", file.display()))?;
            Ok((store, file.display().to_string()))
        }
    }
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

async fn run(settings: Settings) -> anyhow::Result<()> {
    let (store, database) = open_store(&settings.storage).await?;
    let config = Config {
        default_compatibility: settings.default_compatibility,
        max_body_bytes: settings.max_body_bytes,
        schema_type_field: settings.schema_type_field,
    };
    let state = AppState::new(store.store(), config);
    store
        .watch(Arc::clone(&state.cache))
        .await
        .context("watching the database for deletes made by other nodes")?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
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
