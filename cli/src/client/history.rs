//! A subject's history as a registry holds it: its compatibility level and every live version
//! with its references resolved into the texts the engine parses with.
//!
//! This is what `stele check --against URL` compares a file with, and what `stele import`
//! and `stele pull` use to parse what they copy. References are fetched from the same
//! registry, recursively, each `(subject, version)` once; the engine's [`resolve`] then orders
//! them (dependencies first) and names cycles and missing ones. Nothing is fetched from a URL
//! found in a schema. Left out: soft-deleted versions (they take no part in compatibility).

use std::collections::{HashMap, VecDeque};

use anyhow::{Context, Result, anyhow};
use stele_engine::references::MAX_REFERENCES;
use stele_engine::{Dependency, Fetched, Format, Level, Reference, Resolver, resolve};

use super::{Registry, SubjectVersion};

/// A subject's level and live versions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The subject, as asked for.
    pub subject: String,
    /// The level configured for the subject (or inherited from the global config).
    pub level: Level,
    /// The configured `normalize` flag, false when absent.
    pub normalize: bool,
    /// Every live version, oldest first.
    pub versions: Vec<HistoryVersion>,
}

/// One live version of a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryVersion {
    /// Its version number.
    pub version: i32,
    /// Its schema id.
    pub id: i32,
    /// Its format.
    pub format: Format,
    /// Its text as the registry returns it.
    pub schema: String,
    /// Its references as registered.
    pub references: Vec<Reference>,
    /// The referenced texts, dependencies before dependents, ready for `Schema::parse`.
    pub dependencies: Vec<Dependency>,
}

/// Referenced schemas fetched so far from one registry, each once.
pub struct ReferenceCache<'r> {
    registry: &'r Registry,
    fetched: HashMap<(String, i32), Option<Fetched>>,
}

struct Fetches<'a>(&'a HashMap<(String, i32), Option<Fetched>>);

impl Resolver for Fetches<'_> {
    fn fetch(&self, subject: &str, version: i32) -> Option<Fetched> {
        self.0
            .get(&(subject.to_string(), version))
            .cloned()
            .flatten()
    }
}

impl<'r> ReferenceCache<'r> {
    /// An empty cache over `registry`.
    pub fn new(registry: &'r Registry) -> ReferenceCache<'r> {
        ReferenceCache {
            registry,
            fetched: HashMap::new(),
        }
    }

    /// The texts `references` need, dependencies first. A reference that does not exist, or a
    /// cycle, is an error naming it.
    pub fn dependencies(&mut self, references: &[Reference]) -> Result<Vec<Dependency>> {
        let mut queue: VecDeque<Reference> = references.iter().cloned().collect();
        while let Some(reference) = queue.pop_front() {
            let key = (reference.subject.clone(), reference.version);
            if self.fetched.contains_key(&key) {
                continue;
            }
            if self.fetched.len() >= MAX_REFERENCES {
                return Err(anyhow!(
                    "references reach more than {MAX_REFERENCES} schemas; giving up"
                ));
            }
            // Soft-deleted versions still serve as references, as in the registry.
            let found = self
                .registry
                .version(&reference.subject, &reference.version.to_string(), true)
                .with_context(|| {
                    format!(
                        "fetching reference `{}` (subject `{}` version {})",
                        reference.name, reference.subject, reference.version
                    )
                })?;
            let fetched = found.map(|v| {
                let references = v.engine_references();
                queue.extend(references.iter().cloned());
                Fetched {
                    text: v.schema,
                    references,
                }
            });
            self.fetched.insert(key, fetched);
        }
        resolve(references, &Fetches(&self.fetched)).map_err(|e| anyhow!("{}", e.message))
    }
}

impl Registry {
    /// The subject's level and live versions; `None` when the subject does not exist (or
    /// has only soft-deleted versions).
    ///
    /// The level is `GET /config/{subject}?defaultToGlobal=true`, falling back to
    /// `GET /config` for registries that answer 404 there, and to BACKWARD (every
    /// registry's default) when neither names one.
    pub fn subject_history(&self, subject: &str) -> Result<Option<History>> {
        let Some(numbers) = self.versions(subject, false)? else {
            return Ok(None);
        };
        let config = match self.config(Some(subject), true)? {
            Some(config) => Some(config),
            None => self.config(None, false)?,
        };
        let config = config.unwrap_or_default();
        let level = match config.get("compatibilityLevel").and_then(|v| v.as_str()) {
            Some(text) => text
                .parse::<Level>()
                .map_err(|e| anyhow!("{}: the registry's level: {e}", self.shown()))?,
            // Confluent's `schema.compatibility.level` default, shared by Karapace and Stele.
            None => Level::BACKWARD,
        };
        let normalize = config
            .get("normalize")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let mut cache = ReferenceCache::new(self);
        let mut versions = Vec::with_capacity(numbers.len());
        for number in numbers {
            let Some(found) = self.version(subject, &number.to_string(), false)? else {
                // Deleted between the two requests: it no longer takes part.
                continue;
            };
            versions.push(history_version(&mut cache, found)?);
        }
        Ok(Some(History {
            subject: subject.to_string(),
            level,
            normalize,
            versions,
        }))
    }
}

fn history_version(
    cache: &mut ReferenceCache<'_>,
    found: SubjectVersion,
) -> Result<HistoryVersion> {
    let format = found.format()?;
    let references = found.engine_references();
    let dependencies = cache
        .dependencies(&references)
        .with_context(|| format!("subject `{}` version {}", found.subject, found.version))?;
    Ok(HistoryVersion {
        version: found.version,
        id: found.id,
        format,
        schema: found.schema,
        references,
        dependencies,
    })
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::client::{ApiReference, Connection, CredentialSource, RegisterRequest};

    /// A real registry process from the same target directory (built by the workspace test
    /// run; `cargo build -p stele-registry` makes it for a CLI-only run).
    /// The child, its URL, and its data directory (kept until the process is gone).
    struct Process(
        std::process::Child,
        String,
        #[allow(
            dead_code,
            reason = "held, not read: the directory must outlive the process"
        )]
        tempfile::TempDir,
    );

    impl Drop for Process {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn start() -> Process {
        let exe = std::env::current_exe().expect("test binary path");
        let dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>/deps");
        let binary = dir.join(format!("stele-registry{}", std::env::consts::EXE_SUFFIX));
        assert!(
            binary.exists(),
            "{} is missing: run `cargo build -p stele-registry`",
            binary.display()
        );
        let data = tempfile::TempDir::new().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .args(["--listen", &addr, "--data-dir"])
            .arg(data.path())
            .env("STELE_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the registry starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Process(child, format!("http://{addr}"), data)
    }

    #[test]
    fn history_has_the_level_and_every_live_version_with_its_references() {
        let process = start();
        let registry = Registry::connect(&Connection {
            url: process.1.clone(),
            credentials: CredentialSource {
                user: None,
                token_env: Some("STELE_TEST_NO_SUCH_VARIABLE_IS_NOT_READ".into()),
                env_prefix: "STELE_REGISTRY",
            },
            timeout: Duration::from_secs(30),
            ca_cert: None,
            verbose: false,
        });
        // --token-env names an unset variable: connecting refuses, naming it.
        let err = registry.expect_err("unset token variable");
        assert!(
            err.to_string()
                .contains("STELE_TEST_NO_SUCH_VARIABLE_IS_NOT_READ")
        );
        let registry = Registry::connect(&Connection {
            url: process.1.clone(),
            credentials: CredentialSource {
                user: None,
                token_env: None,
                env_prefix: "STELE_TEST_UNUSED_PREFIX",
            },
            timeout: Duration::from_secs(30),
            ca_cert: None,
            verbose: false,
        })
        .expect("connects");

        assert_eq!(
            registry.subject_history("nothing-here").expect("answers"),
            None
        );

        let money = r#"{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"}]}"#;
        let order = |extra: &str| {
            format!(
                r#"{{"type":"record","name":"Order","namespace":"shop","fields":[{{"name":"total","type":"shop.Money"}}{extra}]}}"#
            )
        };
        let register = |subject: &str, schema: String, references: Vec<ApiReference>| {
            registry
                .register(
                    subject,
                    &RegisterRequest {
                        schema,
                        schema_type: "AVRO".into(),
                        references,
                        ..RegisterRequest::default()
                    },
                    false,
                )
                .expect("registers")
        };
        register("money", money.to_string(), vec![]);
        let reference = ApiReference {
            name: "shop.Money".into(),
            subject: "money".into(),
            version: 1,
        };
        register("orders-value", order(""), vec![reference.clone()]);
        register(
            "orders-value",
            order(r#",{"name":"note","type":"string","default":""}"#),
            vec![reference],
        );
        registry
            .put_config(
                Some("orders-value"),
                &serde_json::json!({"compatibility": "FULL"}),
            )
            .expect("config");

        let history = registry
            .subject_history("orders-value")
            .expect("answers")
            .expect("exists");
        assert_eq!(history.level, Level::FULL);
        assert!(!history.normalize);
        let versions: Vec<(i32, i32, Format)> = history
            .versions
            .iter()
            .map(|v| (v.version, v.id, v.format))
            .collect();
        assert_eq!(versions, [(1, 2, Format::Avro), (2, 3, Format::Avro)]);
        for version in &history.versions {
            assert_eq!(version.dependencies.len(), 1);
            assert_eq!(version.dependencies[0].name, "shop.Money");
            stele_engine::Schema::parse(
                version.format,
                &version.schema,
                &version.dependencies,
                stele_engine::ParseOptions::default(),
            )
            .expect("the history parses with its dependencies");
        }
        // Without its own config a subject takes the global level.
        let money_history = registry
            .subject_history("money")
            .expect("answers")
            .expect("exists");
        assert_eq!(money_history.level, Level::BACKWARD);
    }
}
