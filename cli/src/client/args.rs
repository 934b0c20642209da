//! The command-line options every command that talks to one registry shares: credentials,
//! a CA file, a timeout and `--verbose`. Commands flatten [`RegistryOptions`] into their
//! arguments and turn it into a [`Connection`] with the URL they were given.

use std::path::PathBuf;
use std::time::Duration;

use super::{Connection, CredentialSource};

/// How to authenticate and how long to wait. Secrets come from the environment, never from a
/// flag's value.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryOptions {
    /// Basic-auth user; the password comes from STELE_REGISTRY_PASSWORD. Without it (and
    /// without --token-env): the URL's user:password@, else STELE_REGISTRY_TOKEN (bearer),
    /// else STELE_REGISTRY_USER and STELE_REGISTRY_PASSWORD.
    #[arg(long, value_name = "USER", conflicts_with = "token_env")]
    pub user: Option<String>,

    /// Send a bearer token read from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,

    /// A PEM file of CA certificates to trust for https, instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Seconds one request may take before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,

    /// Print every request and its status to stderr (credentials redacted).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl RegistryOptions {
    /// The connection to `url` with these options.
    pub fn connection(&self, url: &str) -> Connection {
        Connection {
            url: url.to_string(),
            credentials: CredentialSource {
                user: self.user.clone(),
                token_env: self.token_env.clone(),
                env_prefix: "STELE_REGISTRY",
            },
            timeout: Duration::from_secs(self.timeout.max(1)),
            ca_cert: self.ca_cert.clone(),
            verbose: self.verbose,
        }
    }
}
