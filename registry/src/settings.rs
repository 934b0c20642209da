//! The registry's settings and where they come from: flags, `STELE_*` environment variables,
//! an optional TOML file (`--config FILE` or `STELE_CONFIG`) and built-in defaults, in that
//! order of precedence.
//!
//! Every source is read into the same [`Layer`], a struct of `Option`s: clap fills one from
//! the command line and the environment (split by where each value came from), serde fills
//! one from the file (unknown keys refused), and [`Settings::resolve`] takes each setting from
//! the first layer that has it. Clap is given no defaults, so that a default can never hide a
//! value from the file.
//!
//! The two helper subcommands, `hash-password` and `new-token`, make entries for the auth file
//! and read no settings.
//!
//! Left out: searching default locations for a file (only an explicit `--config` is read),
//! reloading on change, and the log filter, which stays in `STELE_LOG` (a `tracing` filter).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::builder::BoolishValueParser;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use serde::{Deserialize, Deserializer};
use stele_engine::Level;
use stele_registry::edge::parse_duration;
use stele_registry::entities::SchemaTypeField;

/// Built-in defaults, used where no flag, variable or file key gives a value.
const DEFAULT_LISTEN: &str = "127.0.0.1:8081";
const DEFAULT_DATA_DIR: &str = "./stele-data";
const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A Confluent-compatible schema registry.
///
/// Each setting comes from its flag, else its environment variable, else its key in the
/// `--config` file, else its default.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// TOML file with settings (keys: the flag names with `_` for `-`, e.g.
    /// `max_body_bytes = 1048576`); unknown keys are an error. Flags and environment variables
    /// override it.
    #[arg(long, env = "STELE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub given: Layer,
    #[command(subcommand)]
    pub command: Option<Tool>,
}

/// Helpers for the auth file; without one, the registry serves.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Tool {
    /// Reads a password from standard input (its first line) and prints its argon2id hash
    /// for `password_hash` in the auth file.
    HashPassword {
        /// Print a whole `[[users]]` entry for this user name instead of the bare hash.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Makes a random bearer token: prints the `[[tokens]]` entry (holding only the token's
    /// SHA-256) on standard output and the token itself, once, on standard error.
    NewToken {
        /// The token's principal name, as ACL entries refer to it.
        name: String,
    },
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Serve the registry.
    Serve(Box<Settings>),
    /// Run a helper.
    Tool(Tool),
}

/// Every setting as one source gives it; `None` where the source is silent.
///
/// The same struct is the command line (with its environment variables) and the TOML file,
/// so a setting cannot exist in one and be forgotten in the other.
#[derive(Debug, Default, Clone, PartialEq, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Address to listen on. File key `listen`; default 127.0.0.1:8081.
    #[arg(long, env = "STELE_LISTEN", value_name = "ADDRESS")]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded SQLite database (`registry.db`), created if missing.
    /// File key `data_dir`; default ./stele-data (relative paths, in the file too, are taken
    /// from the working directory).
    #[arg(long, env = "STELE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH`, or `postgres://...` for a database that several nodes
    /// share. Overrides a data directory given by the same or a lower source. File key
    /// `database`; default unset.
    #[arg(long, env = "STELE_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// Compatibility level used where none is configured. File key `default_compatibility`;
    /// default BACKWARD.
    #[arg(long, env = "STELE_DEFAULT_COMPATIBILITY", value_name = "LEVEL", value_parser = parse_level)]
    #[serde(default, deserialize_with = "level")]
    pub default_compatibility: Option<Level>,
    /// Largest request body accepted, in bytes. File key `max_body_bytes`; default 16777216
    /// (16 MiB).
    #[arg(long, env = "STELE_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Log lines as text or as one JSON object per line (the filter is `STELE_LOG`). File key
    /// `log_format`; default text.
    #[arg(long, env = "STELE_LOG_FORMAT", value_name = "FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Include `"schemaType":"AVRO"` in schema answers (Confluent 8.x) instead of omitting it
    /// for Avro (7.x). The flag alone means true. File key `always_include_schema_type`;
    /// default false.
    #[arg(
        long,
        env = "STELE_ALWAYS_INCLUDE_SCHEMA_TYPE",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub always_include_schema_type: Option<bool>,
    /// Auth file (TOML: users, tokens, ACLs; see the README's Security section). Without one
    /// there is no authentication. File key `auth_file`; default unset.
    #[arg(long, env = "STELE_AUTH_FILE", value_name = "FILE")]
    pub auth_file: Option<PathBuf>,
    /// Serve without an auth file on an address other than loopback, where the registry
    /// otherwise refuses to start. The flag alone means true. File key `allow_anonymous`;
    /// default false.
    #[arg(
        long,
        env = "STELE_ALLOW_ANONYMOUS",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = BoolishValueParser::new(),
    )]
    pub allow_anonymous: Option<bool>,
    /// PEM certificate chain to serve HTTPS with (needs `--tls-key`). File key `tls_cert`;
    /// default unset (plain HTTP).
    #[arg(long, env = "STELE_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`. File key `tls_key`; default unset.
    #[arg(long, env = "STELE_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Longest a request may take, body included (`30s`, `500ms`, `2m`; `0` for no limit);
    /// past it the answer is 500 with error code 50002. File key `request_timeout`; default
    /// 30s.
    #[arg(long, env = "STELE_REQUEST_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    #[serde(default, deserialize_with = "duration")]
    pub request_timeout: Option<Duration>,
    /// Origin allowed to call the API from a browser (repeat the flag, or separate with commas
    /// in the variable; `*` for any). File key `cors_origin` (a list); default none: no CORS
    /// headers.
    #[arg(
        long,
        env = "STELE_CORS_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origin: Option<Vec<String>>,
}

/// How log lines are written to stdout.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A database URL; its scheme picks the backend.
    Url(String),
    /// The SQLite file `registry.db` in this directory.
    Directory(PathBuf),
}

/// The resolved settings the registry runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the data lives.
    pub storage: Storage,
    /// Level used where none is configured.
    pub default_compatibility: Level,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Whether Avro answers carry `schemaType`.
    pub schema_type_field: SchemaTypeField,
    /// The auth file, if any.
    pub auth_file: Option<PathBuf>,
    /// Whether to serve anonymously on a non-loopback address.
    pub allow_anonymous: bool,
    /// The TLS certificate chain, if serving HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key.
    pub tls_key: Option<PathBuf>,
    /// Longest a request may take; zero for no limit.
    pub request_timeout: Duration,
    /// Origins allowed by CORS; empty for no CORS.
    pub cors_origins: Vec<String>,
}

impl Settings {
    /// Reads the command line, the environment and the file it names.
    pub fn load() -> anyhow::Result<Invocation> {
        // `get_matches` prints usage errors and `--help` itself and exits (2 for errors).
        let matches = Cli::command().get_matches();
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
        if let Some(tool) = cli.command {
            return Ok(Invocation::Tool(tool));
        }
        let (flags, environment) = split_by_source(cli.given, &matches);
        let file = match &cli.config {
            Some(path) => Layer::from_file(path)?,
            None => Layer::default(),
        };
        Ok(Invocation::Serve(Box::new(Settings::resolve(&[
            flags,
            environment,
            file,
        ]))))
    }

    /// Each setting from the first layer (highest precedence first) that has it, else its
    /// default.
    ///
    /// The data location is one choice: the first layer naming a database URL or a data
    /// directory decides it, and within that layer the URL wins. So `--data-dir` on the
    /// command line beats a `database` in the file, and `--database` beats both.
    pub fn resolve(layers: &[Layer]) -> Settings {
        fn first<T: Clone>(layers: &[Layer], field: impl Fn(&Layer) -> &Option<T>) -> Option<T> {
            layers.iter().find_map(|layer| field(layer).clone())
        }
        let storage = layers
            .iter()
            .find_map(|layer| match (&layer.database, &layer.data_dir) {
                (Some(url), _) => Some(Storage::Url(url.clone())),
                (None, Some(dir)) => Some(Storage::Directory(dir.clone())),
                (None, None) => None,
            })
            .unwrap_or_else(|| Storage::Directory(PathBuf::from(DEFAULT_DATA_DIR)));
        let always_include = first(layers, |l| &l.always_include_schema_type).unwrap_or(false);
        Settings {
            listen: first(layers, |l| &l.listen).unwrap_or_else(default_listen),
            storage,
            default_compatibility: first(layers, |l| &l.default_compatibility)
                .unwrap_or(Level::BACKWARD),
            max_body_bytes: first(layers, |l| &l.max_body_bytes).unwrap_or(DEFAULT_MAX_BODY_BYTES),
            log_format: first(layers, |l| &l.log_format).unwrap_or_default(),
            schema_type_field: if always_include {
                SchemaTypeField::Always
            } else {
                SchemaTypeField::OmitAvro
            },
            auth_file: first(layers, |l| &l.auth_file),
            allow_anonymous: first(layers, |l| &l.allow_anonymous).unwrap_or(false),
            tls_cert: first(layers, |l| &l.tls_cert),
            tls_key: first(layers, |l| &l.tls_key),
            request_timeout: first(layers, |l| &l.request_timeout)
                .unwrap_or(stele_registry::DEFAULT_REQUEST_TIMEOUT),
            cors_origins: first(layers, |l| &l.cors_origin).unwrap_or_default(),
        }
    }
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN
        .parse()
        .expect("the default listen address is a valid socket address")
}

impl Layer {
    /// The settings in the TOML file at `path`. Errors name the file, and the key and line
    /// where the toml crate reports them.
    pub fn from_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        Layer::from_toml(&text)
            .with_context(|| format!("in the configuration file {}", path.display()))
    }

    /// The settings in TOML `text`.
    fn from_toml(text: &str) -> Result<Layer, toml::de::Error> {
        toml::from_str(text)
    }
}

/// Splits what clap read into the values given as flags and those taken from environment
/// variables, which rank one step lower.
fn split_by_source(given: Layer, matches: &ArgMatches) -> (Layer, Layer) {
    let mut flags = Layer::default();
    let mut environment = Layer::default();
    macro_rules! split {
        ($($field:ident),* $(,)?) => {$(
            if matches.value_source(stringify!($field)) == Some(ValueSource::EnvVariable) {
                environment.$field = given.$field;
            } else {
                flags.$field = given.$field;
            }
        )*};
    }
    split!(
        listen,
        data_dir,
        database,
        default_compatibility,
        max_body_bytes,
        log_format,
        always_include_schema_type,
        auth_file,
        allow_anonymous,
        tls_cert,
        tls_key,
        request_timeout,
        cors_origin,
    );
    (flags, environment)
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

/// `request_timeout` in the file: a duration string (`"30s"`) or a number of seconds.
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Seconds(u64),
        Text(String),
    }
    match Given::deserialize(deserializer)? {
        Given::Seconds(seconds) => Ok(Some(Duration::from_secs(seconds))),
        Given::Text(text) => parse_duration(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// `default_compatibility` in the file: a level name, any case.
fn level<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Level>, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn listen(address: &str) -> Layer {
        Layer {
            listen: Some(address.parse().unwrap()),
            ..Layer::default()
        }
    }

    #[test]
    fn defaults_apply_when_no_source_says_anything() {
        let settings = Settings::resolve(&[Layer::default(), Layer::default(), Layer::default()]);
        assert_eq!(
            settings,
            Settings {
                listen: "127.0.0.1:8081".parse().unwrap(),
                storage: Storage::Directory(PathBuf::from("./stele-data")),
                default_compatibility: Level::BACKWARD,
                max_body_bytes: 16 * 1024 * 1024,
                log_format: LogFormat::Text,
                schema_type_field: SchemaTypeField::OmitAvro,
                auth_file: None,
                allow_anonymous: false,
                tls_cert: None,
                tls_key: None,
                request_timeout: Duration::from_secs(30),
                cors_origins: Vec::new(),
            }
        );
    }

    #[test]
    fn flag_beats_environment_beats_file() {
        let flag = listen("127.0.0.1:1");
        let environment = listen("127.0.0.1:2");
        let file = listen("127.0.0.1:3");
        let port = |layers: &[Layer]| Settings::resolve(layers).listen.port();
        assert_eq!(port(&[flag.clone(), environment.clone(), file.clone()]), 1);
        assert_eq!(port(&[Layer::default(), environment, file.clone()]), 2);
        assert_eq!(port(&[Layer::default(), Layer::default(), file]), 3);
    }

    #[test]
    fn each_setting_is_resolved_on_its_own() {
        let flag = Layer {
            max_body_bytes: Some(10),
            ..Layer::default()
        };
        let file = Layer::from_toml(
            "listen = \"0.0.0.0:9000\"\nmax_body_bytes = 20\nlog_format = \"json\"\n\
             default_compatibility = \"full_transitive\"\nalways_include_schema_type = true\n",
        )
        .unwrap();
        let settings = Settings::resolve(&[flag, Layer::default(), file]);
        assert_eq!(settings.max_body_bytes, 10);
        assert_eq!(settings.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(settings.default_compatibility, Level::FULL_TRANSITIVE);
        assert_eq!(settings.schema_type_field, SchemaTypeField::Always);
    }

    #[test]
    fn security_settings_come_from_the_file() {
        let file = Layer::from_toml(
            "auth_file = \"/etc/stele/auth.toml\"\nallow_anonymous = true\n\
             tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\nrequest_timeout = \"250ms\"\n\
             cors_origin = [\"https://ui.example.com\"]\n",
        )
        .unwrap();
        let settings = Settings::resolve(&[Layer::default(), Layer::default(), file]);
        assert_eq!(
            settings.auth_file,
            Some(PathBuf::from("/etc/stele/auth.toml"))
        );
        assert!(settings.allow_anonymous);
        assert_eq!(settings.tls_cert, Some(PathBuf::from("c.pem")));
        assert_eq!(settings.tls_key, Some(PathBuf::from("k.pem")));
        assert_eq!(settings.request_timeout, Duration::from_millis(250));
        assert_eq!(settings.cors_origins, ["https://ui.example.com"]);
        let seconds = Layer::from_toml("request_timeout = 5").unwrap();
        assert_eq!(seconds.request_timeout, Some(Duration::from_secs(5)));
        let error = Layer::from_toml("request_timeout = \"soon\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid duration"), "{error}");
    }

    #[test]
    fn subcommands_take_no_server_flags() {
        let matches = Cli::command()
            .try_get_matches_from(["stele-registry", "new-token", "ci"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(cli.command, Some(Tool::NewToken { name: "ci".into() }));
        assert!(
            Cli::command()
                .try_get_matches_from([
                    "stele-registry",
                    "--listen",
                    "127.0.0.1:1",
                    "new-token",
                    "x"
                ])
                .is_err()
        );
        let matches = Cli::command()
            .try_get_matches_from(["stele-registry", "--cors-origin", "https://a,https://b"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(
            cli.given.cors_origin,
            Some(vec!["https://a".to_string(), "https://b".to_string()])
        );
    }

    #[test]
    fn a_higher_source_can_turn_a_boolean_back_off() {
        let environment = Layer {
            always_include_schema_type: Some(false),
            ..Layer::default()
        };
        let file = Layer::from_toml("always_include_schema_type = true").unwrap();
        let settings = Settings::resolve(&[Layer::default(), environment, file]);
        assert_eq!(settings.schema_type_field, SchemaTypeField::OmitAvro);
    }

    #[test]
    fn the_data_location_comes_from_the_highest_source_naming_one() {
        let dir = |d: &str| Layer {
            data_dir: Some(PathBuf::from(d)),
            ..Layer::default()
        };
        let url = |u: &str| Layer {
            database: Some(u.to_string()),
            ..Layer::default()
        };
        let both = Layer {
            data_dir: Some(PathBuf::from("/dir")),
            database: Some("sqlite:///url.db".into()),
            ..Layer::default()
        };
        let storage = |layers: &[Layer]| Settings::resolve(layers).storage;
        // A data directory flag beats a URL in the file.
        assert_eq!(
            storage(&[dir("/flag"), Layer::default(), url("postgres://file/db")]),
            Storage::Directory(PathBuf::from("/flag"))
        );
        // A URL in the environment beats a directory in the file.
        assert_eq!(
            storage(&[Layer::default(), url("postgres://env/db"), dir("/file")]),
            Storage::Url("postgres://env/db".into())
        );
        // Within one source the URL wins.
        assert_eq!(
            storage(&[both, Layer::default(), Layer::default()]),
            Storage::Url("sqlite:///url.db".into())
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused_with_their_line() {
        let error = Layer::from_toml("listen = \"127.0.0.1:1\"\nmax_body_byte = 5\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("max_body_byte"), "{error}");
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn bad_values_in_the_file_are_refused_with_their_key() {
        for (text, expected) in [
            (
                "default_compatibility = \"SIDEWAYS\"",
                "invalid compatibility level",
            ),
            ("listen = \"nowhere\"", "listen"),
            ("max_body_bytes = -1", "max_body_bytes"),
            ("log_format = \"xml\"", "log_format"),
            (
                "always_include_schema_type = \"yes\"",
                "always_include_schema_type",
            ),
        ] {
            let error = Layer::from_toml(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(error.contains("line 1"), "{text}: {error}");
        }
    }

    #[test]
    fn the_example_file_in_the_readme_is_valid() {
        let readme = include_str!("../README.md");
        let (_, rest) = readme.split_once("```toml\n").unwrap();
        let (example, _) = rest.split_once("```").unwrap();
        let layer = Layer::from_toml(example).unwrap();
        assert_eq!(layer.log_format, Some(LogFormat::Json));
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_and_environment_are_told_apart() {
        // Only the flag's source is checked here; reading real environment variables in a
        // unit test would race with other tests (the binary tests cover them).
        let matches = Cli::command()
            .try_get_matches_from(["stele-registry", "--max-body-bytes", "7"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let (flags, environment) = split_by_source(cli.given, &matches);
        assert_eq!(flags.max_body_bytes, Some(7));
        assert_eq!(environment.max_body_bytes, None);
    }
}
