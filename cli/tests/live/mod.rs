//! Real `stele-registry` processes on loopback ports for the CLI's registry tests (import,
//! pull, push), and raw HTTP to fill and inspect them.
//!
//! The registry is another package's binary, so cargo does not hand its path to these tests.
//! It lives next to the `stele` binary (`target/<profile>/stele-registry`), where a workspace
//! test run (`cargo test --workspace`, as CI runs) has just built it. When it is missing, the
//! first test that needs it runs `cargo build -p stele-registry`. It is not rebuilt when
//! present: `cargo build -p stele-registry` selects other features than a workspace build and
//! would recompile dependencies on every run, so after changing the registry, run the
//! workspace tests or build it first. `STELE_TEST_REGISTRY_BIN` overrides the path.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `stele-registry` binary, built once per test process.
pub fn registry_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("STELE_TEST_REGISTRY_BIN") {
                return PathBuf::from(path);
            }
            let stele = PathBuf::from(env!("CARGO_BIN_EXE_stele"));
            let profile_dir = stele.parent().expect("the binary has a directory");
            let binary =
                profile_dir.join(format!("stele-registry{}", std::env::consts::EXE_SUFFIX));
            if binary.exists() {
                return binary;
            }
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("cli/ has a parent")
                .join("Cargo.toml");
            let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            build
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "stele-registry",
                    "--bin",
                    "stele-registry",
                ])
                .arg("--manifest-path")
                .arg(&workspace);
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                build.arg("--release");
            }
            if let Some(target) = profile_dir.parent() {
                build.env("CARGO_TARGET_DIR", target);
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building stele-registry failed");
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// A running registry with its own SQLite directory; killed when dropped.
pub struct Registry {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _data: tempfile::TempDir,
}

impl Registry {
    /// Starts a fresh registry and waits until it accepts connections.
    pub fn start() -> Registry {
        let data = tempfile::TempDir::new().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = Command::new(registry_binary());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("STELE_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .args(["--listen", &addr, "--data-dir"])
            .arg(data.path())
            .env("STELE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the registry starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&addr).is_err() {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("the registry exited early: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the registry did not start on {addr}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            child,
            url: format!("http://{addr}"),
            _data: data,
        }
    }

    /// Sends a request; answers the status and the JSON body (`Null` when empty or not JSON).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let media = "application/vnd.schemaregistry.v1+json";
        let answer = match (method, body) {
            ("GET", _) => agent.get(&url).header("Accept", media).call(),
            ("DELETE", _) => agent.delete(&url).header("Accept", media).call(),
            ("POST", body) => agent
                .post(&url)
                .header("Content-Type", media)
                .send(body.unwrap_or(Value::Null).to_string()),
            ("PUT", body) => agent
                .put(&url)
                .header("Content-Type", media)
                .send(body.unwrap_or(Value::Null).to_string()),
            (other, _) => panic!("unsupported method {other}"),
        };
        let mut answer = answer.expect("the registry answers");
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET, expecting 200.
    #[track_caller]
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// PUT, expecting 200.
    #[track_caller]
    pub fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call("PUT", path, Some(body));
        assert_eq!(status, 200, "PUT {path}: {answer}");
        answer
    }

    /// DELETE, expecting 200.
    #[track_caller]
    pub fn delete(&self, path: &str) -> Value {
        let (status, answer) = self.call("DELETE", path, None);
        assert_eq!(status, 200, "DELETE {path}: {answer}");
        answer
    }

    /// Registers a schema under `subject` and answers its id.
    #[track_caller]
    pub fn register(&self, subject: &str, schema_type: &str, schema: &str, refs: Value) -> i64 {
        let body = serde_json::json!({
            "schema": schema,
            "schemaType": schema_type,
            "references": refs,
        });
        let path = format!("/subjects/{}/versions", encode(subject));
        let (status, answer) = self.call("POST", &path, Some(body));
        assert_eq!(status, 200, "POST {path}: {answer}");
        answer["id"].as_i64().expect("an id")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a path segment.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
