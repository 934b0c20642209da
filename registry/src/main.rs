//! `stele-registry`: resolves its settings (flags, `STELE_*` environment variables, an
//! optional TOML file; see `settings.rs`), starts the logs, loads the auth file and the TLS
//! certificate if configured, opens the store named by the database URL, runs its migrations,
//! and serves the API (over TLS when configured) until SIGTERM or ctrl-c, finishing requests
//! in flight. Every startup failure exits with code 2. The `hash-password` and `new-token`
//! subcommands print auth file entries and exit.

mod settings;

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use stele_registry::auth::{Auth, secret};
use stele_registry::idle::{self, IdleListener};
use stele_registry::store::Backend;
use stele_registry::tls::{self, TlsListener};
use stele_registry::{AppState, Config, app, edge};
use tracing_subscriber::EnvFilter;

use crate::settings::{Invocation, LogFormat, Settings, Storage, Tool};

#[tokio::main]
async fn main() {
    let settings = match Settings::load() {
        Ok(Invocation::Serve(settings)) => settings,
        Ok(Invocation::Tool(tool)) => {
            if let Err(error) = run_tool(&tool) {
                eprintln!("error: {error:#}");
                std::process::exit(2);
            }
            return;
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::exit(2);
        }
    };
    start_logs(settings.log_format);
    if let Err(error) = run(*settings).await {
        eprintln!("error: {error:#}");
        std::process::exit(2);
    }
}

/// `hash-password` and `new-token`.
fn run_tool(tool: &Tool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match tool {
        Tool::HashPassword { user } => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\n', '\r']);
            if password.is_empty() {
                anyhow::bail!("no password on standard input");
            }
            let hash = secret::hash_password(password)?;
            match user {
                Some(name) => writeln!(
                    out,
                    "[[users]]\nname = {}\npassword_hash = \"{hash}\"",
                    toml_string(name)
                )?,
                None => writeln!(out, "{hash}")?,
            }
        }
        Tool::NewToken { name } => {
            let token = secret::new_token()?;
            let digest = secret::hex(&secret::sha256(&[token.as_bytes()]));
            writeln!(
                out,
                "[[tokens]]\nname = {}\nsha256 = \"{digest}\"",
                toml_string(name)
            )?;
            eprintln!("token for {name} (shown once; the auth file keeps only its SHA-256):");
            eprintln!("{token}");
        }
    }
    Ok(())
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
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
    let auth = match &settings.auth_file {
        Some(path) => {
            let auth = Arc::new(Auth::load(path)?);
            tracing::info!(file = %path.display(), ?auth, "authentication on");
            tokio::spawn(reload_auth(Arc::clone(&auth)));
            Some(auth)
        }
        None => None,
    };
    if auth.is_none() && !settings.listen.ip().is_loopback() {
        if !settings.allow_anonymous {
            anyhow::bail!(
                "refusing to serve {} without authentication: give --auth-file, or \
                 --allow-anonymous to let anyone who can reach it read and change every schema",
                settings.listen
            );
        }
        tracing::warn!(
            listen = %settings.listen,
            "serving without authentication on a non-loopback address (--allow-anonymous)"
        );
    }
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        (None, None) => None,
        (Some(_), None) => anyhow::bail!("--tls-cert needs --tls-key"),
        (None, Some(_)) => anyhow::bail!("--tls-key needs --tls-cert"),
    };
    let cors = if settings.cors_origins.is_empty() {
        None
    } else {
        Some(edge::cors(&settings.cors_origins).map_err(anyhow::Error::msg)?)
    };
    let (store, database) = open_store(&settings.storage).await?;
    let config = Config {
        default_compatibility: settings.default_compatibility,
        max_body_bytes: settings.max_body_bytes,
        schema_type_field: settings.schema_type_field,
        auth,
        request_timeout: settings.request_timeout,
        cors,
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%address, %database, scheme, "stele-registry listening");
    // One handle per connection, which knows the peer's address when authentication logs it.
    let service = app(state);
    // Quiet connections (a client stalled in its headers) are closed; see idle.rs.
    let idle = idle::limit_for(settings.request_timeout);
    match tls {
        Some(config) => {
            let listener = TlsListener::new(listener, config).context("starting TLS")?;
            axum::serve(IdleListener::new(listener, idle), service)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("serving")?;
        }
        None => {
            axum::serve(IdleListener::new(listener, idle), service)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("serving")?;
        }
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often the auth file's modification time is looked at.
const AUTH_FILE_POLL: Duration = Duration::from_secs(2);

/// Reloads the auth file on SIGHUP and when its modification time or size changes (an editor
/// saving it, a Kubernetes secret updated in place). A file that does not load is logged as
/// an error and the accounts stay as they were. Runs until the process ends.
async fn reload_auth(auth: Arc<Auth>) {
    let Some(path) = auth.source().map(Path::to_path_buf) else {
        return;
    };
    let stamp = |path: &Path| {
        std::fs::metadata(path)
            .ok()
            .map(|meta| (meta.modified().ok(), meta.len()))
    };
    let mut seen = stamp(&path);
    #[cfg(unix)]
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGHUP; the auth file is still reloaded when it changes");
            None
        }
    };
    let mut poll = tokio::time::interval(AUTH_FILE_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        #[cfg(unix)]
        let signalled = async {
            match hangup.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let signalled = std::future::pending::<Option<()>>();
        let why = tokio::select! {
            _ = signalled => "SIGHUP",
            _ = poll.tick() => {
                let now = stamp(&path);
                if now == seen {
                    continue;
                }
                seen = now;
                "the file changed"
            }
        };
        match auth.reload() {
            Ok(loaded) => tracing::info!(
                file = %path.display(),
                why,
                users = loaded.users,
                tokens = loaded.tokens,
                acl_entries = loaded.acl_entries,
                "auth file reloaded"
            ),
            Err(error) => tracing::error!(
                file = %path.display(),
                why,
                error = format!("{error:#}"),
                "auth file not reloaded; the previous accounts stay in force"
            ),
        }
    }
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
