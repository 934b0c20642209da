//! `stele pull` from a real `stele-registry` process: schema files per subject version and a
//! stele.toml listing them, referenced subjects pulled along.

mod live;
mod support;

use std::fs;
use std::path::Path;

use live::Registry;
use serde_json::json;
use support::stele;

const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"shop.common","fields":[{"name":"cents","type":"long"}]}"#;
const ORDER_V1: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"shop.orders","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.common.Money"},{"name":"note","type":"string","default":""}]}"#;
const COMMON_PROTO: &str =
    "syntax = \"proto3\";\npackage shop.common;\n\nmessage Address {\n  string city = 1;\n}\n";
const PAYMENT_PROTO: &str = "syntax = \"proto3\";\npackage shop.payments;\n\nimport \"shop/common/address.proto\";\n\nmessage PaymentTaken {\n  string id = 1;\n  shop.common.Address billing = 2;\n}\n";
const SIGNUP_JSON: &str = r#"{"type":"object","properties":{"at":{"type":"string"}}}"#;

fn fill(registry: &Registry) {
    registry.register("shop.common.Money", "AVRO", MONEY, json!([]));
    let money =
        json!([{"name": "shop.common.Money", "subject": "shop.common.Money", "version": 1}]);
    registry.register("orders-value", "AVRO", ORDER_V1, money.clone());
    registry.register("orders-value", "AVRO", ORDER_V2, money);
    registry.register(
        "shop/common/address.proto",
        "PROTOBUF",
        COMMON_PROTO,
        json!([]),
    );
    registry.register(
        "payments-value",
        "PROTOBUF",
        PAYMENT_PROTO,
        json!([{"name": "shop/common/address.proto", "subject": "shop/common/address.proto", "version": 1}]),
    );
    registry.register("signup-value", "JSON", SIGNUP_JSON, json!([]));
    registry.put("/config/orders-value", json!({"compatibility": "FULL"}));
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("below dir");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn pull_writes_every_version_and_a_manifest() {
    let registry = Registry::start();
    fill(&registry);
    let out = tempfile::TempDir::new().expect("temp dir");
    let dir = out.path().join("shop");
    let run = stele(
        out.path(),
        &["pull", "--registry", &registry.url, "--out", "shop"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "pulled 5 subjects (6 versions) from {} into shop\n",
            registry.url
        )
    );
    assert_eq!(
        files(&dir),
        [
            "orders-value/v1.avsc",
            "orders-value/v2.avsc",
            "payments-value/v1.proto",
            "shop.common.Money/v1.avsc",
            "shop_common_address.proto/v1.proto",
            "signup-value/v1.json",
            "stele.toml",
        ]
    );
    assert_eq!(
        fs::read_to_string(dir.join("stele.toml")).expect("manifest"),
        format!(
            r#"# Written by `stele pull --registry {url}`.
[project]
name = "shop"

[defaults]
compatibility = "BACKWARD"

[registry]
url = "{url}"

[[subjects]]
subject = "orders-value"
file = "orders-value/v2.avsc"
history = ["orders-value/v1.avsc"]
compatibility = "FULL"
references = [{{ name = "shop.common.Money", subject = "shop.common.Money" }}]

[[subjects]]
subject = "payments-value"
file = "payments-value/v1.proto"
references = [{{ name = "shop/common/address.proto", subject = "shop/common/address.proto" }}]

[[subjects]]
subject = "shop.common.Money"
file = "shop.common.Money/v1.avsc"

[[subjects]]
subject = "shop/common/address.proto"
file = "shop_common_address.proto/v1.proto"

[[subjects]]
subject = "signup-value"
file = "signup-value/v1.json"
"#,
            url = registry.url
        )
    );
    // Avro and JSON Schema are pretty-printed; the text is the registry's schema.
    let money: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.join("shop.common.Money/v1.avsc")).expect("file"),
    )
    .expect("JSON");
    assert_eq!(
        money,
        serde_json::from_str::<serde_json::Value>(MONEY).expect("JSON")
    );
    assert!(
        fs::read_to_string(dir.join("payments-value/v1.proto"))
            .expect("file")
            .contains("message PaymentTaken")
    );

    // The pulled tree is a project: every subject checks against its pulled history.
    let check = stele(&dir, &["check"]);
    assert_eq!(check.code, 0, "{check:?}");

    // Pulling again does not overwrite the manifest silently.
    let again = stele(
        out.path(),
        &["pull", "--registry", &registry.url, "--out", "shop"],
    );
    assert_eq!(again.code, 2);
    assert_eq!(
        again.stderr,
        format!(
            "error: {} already exists; pass --force to overwrite it\n",
            Path::new("shop").join("stele.toml").display()
        )
    );
}

#[test]
fn a_subject_glob_pulls_the_subjects_it_references_too() {
    let registry = Registry::start();
    fill(&registry);
    let out = tempfile::TempDir::new().expect("temp dir");
    let run = stele(
        out.path(),
        &[
            "pull",
            "--registry",
            &registry.url,
            "--out",
            "o",
            "--subject",
            "orders-*",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        files(&out.path().join("o")),
        [
            "orders-value/v1.avsc",
            "orders-value/v2.avsc",
            "shop.common.Money/v1.avsc",
            "stele.toml",
        ]
    );

    let none = stele(
        out.path(),
        &[
            "pull",
            "--registry",
            &registry.url,
            "--out",
            "n",
            "--subject",
            "billing-*",
        ],
    );
    assert_eq!(none.code, 2);
    assert_eq!(
        none.stderr,
        format!(
            "error: {} has no subject matching billing-*\n",
            registry.url
        )
    );
}

/// Accepts one connection on a loopback port, records the request head and answers 401 with
/// a Confluent error body. Answers the URL and a handle yielding the recorded head.
fn refusing_server() -> (String, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read") == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let body = r#"{"error_code":401,"message":"Unauthorized"}"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("answer");
        head
    });
    (url, handle)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn credentials_are_sent_but_never_printed() {
    let out = tempfile::TempDir::new().expect("temp dir");

    // user:password in the URL becomes basic auth; errors show the URL as ***@.
    let (url, server) = refusing_server();
    let with_secret = url.replacen("http://", "http://alice:s3cr%40t@", 1);
    let run = stele(
        out.path(),
        &["pull", "--registry", &with_secret, "--out", "x"],
    );
    let head = server.join().expect("server");
    assert_eq!(
        header(&head, "authorization"),
        Some("Basic YWxpY2U6czNjckB0")
    );
    assert_eq!(
        header(&head, "accept"),
        Some("application/vnd.schemaregistry.v1+json")
    );
    assert_eq!(run.code, 2);
    let shown = url.replacen("http://", "http://***@", 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: GET {shown}/subjects: Unauthorized (HTTP 401, error code 401); the registry \
             wants credentials: give --user with the password in STELE_REGISTRY_PASSWORD, or a \
             token in STELE_REGISTRY_TOKEN\n"
        )
    );

    // A bearer token from the environment, named by --token-env; --verbose logs redacted.
    let (url, server) = refusing_server();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stele"))
        .args([
            "pull",
            "--registry",
            &url,
            "--out",
            "x",
            "--token-env",
            "MY_SR_TOKEN",
            "-v",
        ])
        .env("MY_SR_TOKEN", "tok-123")
        .current_dir(out.path())
        .output()
        .expect("runs");
    let head = server.join().expect("server");
    assert_eq!(header(&head, "authorization"), Some("Bearer tok-123"));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        stderr.starts_with(&format!("> GET {url}/subjects\n< 401 GET {url}/subjects\n")),
        "{stderr}"
    );
    assert!(!stderr.contains("tok-123"), "{stderr}");
}
