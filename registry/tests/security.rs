//! Security of the registry: authentication (Basic with argon2 hashes, bearer tokens), ACLs
//! (roles and subject patterns, admin-only settings, filtered lists and hidden ids), 401/403
//! bodies, failed logins in `/metrics` and in the logs without secrets, TLS with the real
//! binary, the request timeout, CORS, and the refusal to serve anonymously beyond loopback.
//!
//! In-process servers use cheap argon2 parameters so tests stay fast; the binary tests make
//! their entries with `stele-registry hash-password` and `new-token`, as an operator would.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::process::{BINARY, free_port, registry_command, start, terminate};
use common::{Response, Server, USER_V1, USER_V2, cheap_hash, register_body, send};
use stele_registry::auth::{Auth, file};
use stele_registry::{Config, edge};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CI_TOKEN: &str = "stele_test-token-for-the-ci-principal";

/// Users `admin` (admin on everything), `writer` (write on `orders-*`), `reader` (read on
/// `orders-*`), `nobody` (no grant) and the token `ci` (read on everything).
fn auth_text() -> String {
    let digest: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(CI_TOKEN.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut text = String::new();
    for (user, password) in [
        ("admin", "admin-pw"),
        ("writer", "writer-pw"),
        ("reader", "reader-pw"),
        ("nobody", "nobody-pw"),
    ] {
        text.push_str(&format!(
            "[[users]]\nname = \"{user}\"\npassword_hash = \"{}\"\n\n",
            cheap_hash(password)
        ));
    }
    text.push_str(&format!(
        "[[tokens]]\nname = \"ci\"\nsha256 = \"{digest}\"\n\n\
         [[acl]]\nprincipal = \"admin\"\npermission = \"admin\"\n\n\
         [[acl]]\nprincipal = \"writer\"\npermission = \"write\"\nsubjects = \"orders-*\"\n\n\
         [[acl]]\nprincipal = \"reader\"\npermission = \"read\"\nsubjects = \"orders-*\"\n\n\
         [[acl]]\nprincipal = \"ci\"\npermission = \"read\"\nsubjects = \"*\"\n"
    ));
    text
}

fn secured_config() -> Config {
    let auth = Auth::from_accounts(file::parse(&auth_text()).unwrap()).unwrap();
    Config {
        auth: Some(Arc::new(auth)),
        ..Config::default()
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A request with an `Authorization` header.
async fn as_user(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<&str>,
    authorization: &str,
) -> Response {
    send(
        server.addr,
        method,
        path,
        body,
        &[("Authorization", authorization)],
    )
    .await
}

fn admin() -> String {
    basic("admin", "admin-pw")
}

#[tokio::test]
async fn requests_without_valid_credentials_get_401_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("registry.db"), secured_config()).await;

    let missing = server.get("/subjects").await;
    missing.assert_error(401, 401);
    assert_eq!(missing.json()["message"], "Unauthorized");
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Basic realm=\"stele-registry\"")
    );
    // Refused before routing and media-type negotiation: no hint about what exists.
    server.get("/no/such/path").await.assert_error(401, 401);
    for authorization in [
        basic("admin", "wrong"),
        basic("ghost", "admin-pw"),
        "Bearer stele_not-a-token".to_string(),
        "Basic not-base64!".to_string(),
    ] {
        as_user(&server, "GET", "/subjects", None, &authorization)
            .await
            .assert_error(401, 401);
    }
    // Probes and scrapers need no credentials.
    assert_eq!(server.get("/health").await.status, 200);
    let metrics = server.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .body
            .lines()
            .any(|l| l == "stele_auth_failures_total 4"),
        "{}",
        metrics.body
    );
    // The right credentials work, twice (the second from the cache).
    for _ in 0..2 {
        let ok = as_user(&server, "GET", "/subjects", None, &admin()).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    server.stop().await;
}

#[tokio::test]
async fn roles_and_subject_patterns_decide_what_each_principal_may_do() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("registry.db"), secured_config()).await;
    let writer = basic("writer", "writer-pw");
    let reader = basic("reader", "reader-pw");
    let nobody = basic("nobody", "nobody-pw");
    let v1 = register_body(USER_V1);
    let post = |auth: String, subject: &'static str| {
        let body = v1.clone();
        let server = &server;
        async move {
            as_user(
                server,
                "POST",
                &format!("/subjects/{subject}/versions"),
                Some(&body),
                &auth,
            )
            .await
        }
    };

    assert_eq!(post(writer.clone(), "orders-value").await.status, 200);
    let refused = post(writer.clone(), "payments-value").await;
    refused.assert_error(403, 40301);
    assert_eq!(
        refused.json()["message"],
        "User is denied operation Write on Subject: payments-value"
    );
    post(reader.clone(), "orders-value")
        .await
        .assert_error(403, 40301);
    post(CI_TOKEN_BEARER.to_string(), "orders-value")
        .await
        .assert_error(403, 40301);
    post(nobody.clone(), "orders-value")
        .await
        .assert_error(403, 40301);

    // Reading: the reader's pattern, the token's `*`.
    for auth in [&reader, &writer, &CI_TOKEN_BEARER.to_string()] {
        let read = as_user(
            &server,
            "GET",
            "/subjects/orders-value/versions",
            None,
            auth,
        )
        .await;
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(read.body, "[1]");
    }
    as_user(
        &server,
        "GET",
        "/subjects/payments-value/versions",
        None,
        &reader,
    )
    .await
    .assert_error(403, 40301);
    // A context-qualified path is checked against the qualified subject.
    as_user(
        &server,
        "GET",
        "/contexts/.team/subjects/orders-value/versions",
        None,
        &reader,
    )
    .await
    .assert_error(403, 40301);
    // Testing compatibility is a read.
    let test = as_user(
        &server,
        "POST",
        "/compatibility/subjects/orders-value/versions/latest",
        Some(&register_body(USER_V2)),
        &reader,
    )
    .await;
    assert_eq!(test.status, 200, "{}", test.body);

    // Settings: admin only, for the subject and globally.
    for path in [
        "/config/orders-value",
        "/config",
        "/mode/orders-value",
        "/mode",
    ] {
        let body = if path.starts_with("/config") {
            r#"{"compatibility":"FULL"}"#
        } else {
            r#"{"mode":"READWRITE"}"#
        };
        as_user(&server, "PUT", path, Some(body), &writer)
            .await
            .assert_error(403, 40301);
        let done = as_user(&server, "PUT", path, Some(body), &admin()).await;
        assert_eq!(done.status, 200, "{path}: {}", done.body);
    }
    let global = as_user(
        &server,
        "PUT",
        "/config/:.:",
        Some(r#"{"compatibility":"NONE"}"#),
        &writer,
    )
    .await;
    global.assert_error(403, 40301);
    assert_eq!(
        global.json()["message"],
        "User is denied operation Admin on the whole registry"
    );
    // Anyone authenticated may read the global settings.
    assert_eq!(
        as_user(&server, "GET", "/config", None, &nobody)
            .await
            .status,
        200
    );

    // Deletes: soft is a write, permanent an admin's.
    let soft = as_user(&server, "DELETE", "/subjects/orders-value", None, &writer).await;
    assert_eq!(soft.status, 200, "{}", soft.body);
    as_user(
        &server,
        "DELETE",
        "/subjects/orders-value?permanent=true",
        None,
        &writer,
    )
    .await
    .assert_error(403, 40301);
    let hard = as_user(
        &server,
        "DELETE",
        "/subjects/orders-value?permanent=true",
        None,
        &admin(),
    )
    .await;
    assert_eq!(hard.status, 200, "{}", hard.body);
    server.stop().await;
}

const CI_TOKEN_BEARER: &str = "Bearer stele_test-token-for-the-ci-principal";

#[tokio::test]
async fn lists_and_schema_ids_show_only_readable_subjects() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("registry.db"), secured_config()).await;
    let reader = basic("reader", "reader-pw");
    let mut ids = Vec::new();
    for (subject, schema) in [
        ("orders-value", USER_V1),
        ("payments-value", USER_V2),
        ("orders-copy", USER_V2),
    ] {
        let response = as_user(
            &server,
            "POST",
            &format!("/subjects/{subject}/versions"),
            Some(&register_body(schema)),
            &admin(),
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
        ids.push(response.json()["id"].as_i64().unwrap());
    }
    let (orders_id, payments_id) = (ids[0], ids[1]);
    assert_eq!(ids[2], payments_id, "the same schema shares its id");

    let subjects = as_user(&server, "GET", "/subjects", None, &reader).await;
    assert_eq!(
        subjects.json(),
        serde_json::json!(["orders-copy", "orders-value"])
    );
    let all = as_user(&server, "GET", "/subjects", None, CI_TOKEN_BEARER).await;
    assert_eq!(all.json().as_array().unwrap().len(), 3);
    let schemas = as_user(&server, "GET", "/schemas", None, &reader).await;
    let listed: Vec<String> = schemas
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["orders-copy", "orders-value"]);

    // An id held by a readable subject is served; one held by none answers like a missing id.
    let own = as_user(
        &server,
        "GET",
        &format!("/schemas/ids/{orders_id}"),
        None,
        &reader,
    )
    .await;
    assert_eq!(own.status, 200, "{}", own.body);
    let hidden_id = {
        let response = as_user(
            &server,
            "POST",
            "/subjects/secret-value/versions",
            Some(&register_body(
                r#"{"type":"record","name":"Secret","fields":[{"name":"x","type":"int"}]}"#,
            )),
            &admin(),
        )
        .await;
        response.json()["id"].as_i64().unwrap()
    };
    let hidden = as_user(
        &server,
        "GET",
        &format!("/schemas/ids/{hidden_id}"),
        None,
        &reader,
    )
    .await;
    hidden.assert_error(404, 40403);
    let missing = as_user(&server, "GET", "/schemas/ids/999", None, &reader).await;
    missing.assert_error(404, 40403);
    assert_eq!(
        hidden.json()["message"],
        format!("Schema {hidden_id} not found")
    );
    as_user(
        &server,
        "GET",
        &format!("/schemas/ids/{hidden_id}/schema"),
        None,
        &reader,
    )
    .await
    .assert_error(404, 40403);
    // A shared id: readable through orders-copy, listed without payments-value.
    let subjects_of = as_user(
        &server,
        "GET",
        &format!("/schemas/ids/{payments_id}/subjects"),
        None,
        &reader,
    )
    .await;
    assert_eq!(subjects_of.json(), serde_json::json!(["orders-copy"]));
    let versions_of = as_user(
        &server,
        "GET",
        &format!("/schemas/ids/{payments_id}/versions"),
        None,
        &reader,
    )
    .await;
    assert_eq!(
        versions_of.json(),
        serde_json::json!([{"subject": "orders-copy", "version": 1}])
    );
    server.stop().await;
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_50002() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        request_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let server = Server::start_with(&dir.path().join("registry.db"), config).await;
    // Headers promise a body that never fully arrives.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"schema\":",
        )
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers instead of waiting for the body")
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 500"), "{text}");
    assert!(
        text.contains(r#"{"error_code":50002,"message":"Request timed out"}"#),
        "{text}"
    );
    // Normal requests are unaffected.
    assert_eq!(server.get("/subjects").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn cors_headers_appear_only_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let origin = [("Origin", "https://ui.example.com")];
    let preflight = [
        ("Origin", "https://ui.example.com"),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type",
        ),
    ];

    let plain = Server::start_with(&dir.path().join("a.db"), Config::default()).await;
    let answer = send(plain.addr, "GET", "/subjects", None, &origin).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let answer = send(plain.addr, "OPTIONS", "/subjects", None, &preflight).await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
    plain.stop().await;

    let mut config = secured_config();
    config.cors = Some(edge::cors(&["https://ui.example.com".to_string()]).unwrap());
    let server = Server::start_with(&dir.path().join("b.db"), config).await;
    // Preflights carry no credentials and are answered before authentication.
    let answer = send(server.addr, "OPTIONS", "/subjects", None, &preflight).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://ui.example.com")
    );
    let methods = answer.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = answer.header("access-control-allow-headers").unwrap();
    assert!(allowed.contains("authorization"), "{allowed}");
    let authorization = admin();
    let answer = send(
        server.addr,
        "GET",
        "/subjects",
        None,
        &[
            ("Origin", "https://ui.example.com"),
            ("Authorization", &authorization),
        ],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://ui.example.com")
    );
    let other = send(
        server.addr,
        "GET",
        "/subjects",
        None,
        &[
            ("Origin", "https://evil.example"),
            ("Authorization", &authorization),
        ],
    )
    .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    server.stop().await;
}

/// Runs `stele-registry <args>` with `stdin`, returning stdout and stderr.
fn run_tool(args: &[&str], stdin: &str) -> (String, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

/// A TLS client trusting `ca_pem`, sending one HTTP/1.1 request.
async fn tls_request(
    addr: SocketAddr,
    ca_pem: &str,
    method: &str,
    path: &str,
    body: &str,
    authorization: &str,
) -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: {authorization}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    // A peer closing without close_notify is fine once the answer is in.
    let _ = tls.read_to_end(&mut raw).await;
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn the_binary_serves_tls_with_auth_and_keeps_secrets_out_of_its_logs() {
    let dir = tempfile::tempdir().unwrap();
    // An operator's setup: a certificate, a user and a token made by the binary itself.
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let password = "correct-horse-battery-staple";
    let (user_entry, _) = run_tool(
        &["hash-password", "--user", "alice"],
        &format!("{password}\n"),
    );
    assert!(
        user_entry.contains("password_hash = \"$argon2id$"),
        "{user_entry}"
    );
    assert!(!user_entry.contains(password));
    let (bare_hash, _) = run_tool(&["hash-password"], password);
    assert!(bare_hash.trim().starts_with("$argon2id$"), "{bare_hash}");
    let (token_entry, token_note) = run_tool(&["new-token", "ci"], "");
    let token = token_note.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("stele_"), "{token_note}");
    assert!(!token_entry.contains(&token));
    let auth_file = dir.path().join("auth.toml");
    std::fs::write(
        &auth_file,
        format!(
            "{user_entry}\n{token_entry}\n\
             [[acl]]\nprincipal = \"alice\"\npermission = \"write\"\nsubjects = \"orders-*\"\n\n\
             [[acl]]\nprincipal = \"ci\"\npermission = \"read\"\n"
        ),
    )
    .unwrap();

    let addr = free_port();
    let logs = dir.path().join("logs.txt");
    let mut command = with_auth_file(dir.path(), addr, &auth_file, &logs);
    command
        .args(["--tls-cert", dir.path().join("cert.pem").to_str().unwrap()])
        .args(["--tls-key", dir.path().join("key.pem").to_str().unwrap()])
        .stderr(std::fs::File::create(dir.path().join("stderr.txt")).unwrap());
    let child = start(command, addr).await;

    let alice = basic("alice", password);
    let registered = tls_request(
        addr,
        &cert_pem,
        "POST",
        "/subjects/orders-value/versions",
        &register_body(USER_V1),
        &alice,
    )
    .await;
    assert!(registered.starts_with("HTTP/1.1 200"), "{registered}");
    assert!(registered.ends_with(r#"{"id":1}"#), "{registered}");
    let listed = tls_request(
        addr,
        &cert_pem,
        "GET",
        "/subjects",
        "",
        &format!("Bearer {token}"),
    )
    .await;
    assert!(listed.starts_with("HTTP/1.1 200"), "{listed}");
    assert!(listed.ends_with(r#"["orders-value"]"#), "{listed}");
    let wrong = "hunter2-but-wrong";
    let refused = tls_request(
        addr,
        &cert_pem,
        "GET",
        "/subjects",
        "",
        &basic("alice", wrong),
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let refused = tls_request(
        addr,
        &cert_pem,
        "GET",
        "/subjects",
        "",
        "Bearer stele_guessed",
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let metrics = tls_request(addr, &cert_pem, "GET", "/metrics", "", "").await;
    assert!(
        metrics.contains("\nstele_auth_failures_total 2\n"),
        "{metrics}"
    );

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /subjects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), plain.read_to_end(&mut raw)).await;
    assert!(!String::from_utf8_lossy(&raw).contains("HTTP/1.1 200"));

    terminate(child);
    let logs = std::fs::read_to_string(&logs).unwrap()
        + &std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap();
    assert!(logs.contains("authentication failed"), "{logs}");
    assert!(logs.contains("alice"), "{logs}");
    assert!(
        logs.contains("127.0.0.1"),
        "the remote address is logged: {logs}"
    );
    assert!(
        logs.contains("scheme=\"https\"") || logs.contains("https"),
        "{logs}"
    );
    for secret in [password, wrong, token.as_str(), "stele_guessed", "$argon2"] {
        assert!(
            !logs.contains(secret),
            "`{secret}` leaked into the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn the_binary_refuses_to_serve_anonymously_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().port();
    let output = registry_command()
        .args(["--listen", &format!("0.0.0.0:{port}")])
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--auth-file"), "{stderr}");
    assert!(stderr.contains("--allow-anonymous"), "{stderr}");

    let mut command = registry_command();
    command
        .args(["--listen", &format!("0.0.0.0:{port}")])
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .arg("--allow-anonymous");
    let child = start(command, SocketAddr::from(([127, 0, 0, 1], port))).await;
    let answer = send(
        SocketAddr::from(([127, 0, 0, 1], port)),
        "GET",
        "/subjects",
        None,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200);
    terminate(child);
}

#[tokio::test]
async fn a_broken_auth_file_or_half_a_tls_setup_stops_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let auth_file = dir.path().join("auth.toml");
    std::fs::write(
        &auth_file,
        "[[users]]\nname = \"a\"\npassword_hash = \"nope\"\n",
    )
    .unwrap();
    for (args, expected) in [
        (
            vec!["--auth-file", auth_file.to_str().unwrap()],
            "user `a`: password_hash is not a PHC string",
        ),
        (vec!["--tls-cert", "cert.pem"], "--tls-cert needs --tls-key"),
        (
            vec!["--tls-cert", "missing.pem", "--tls-key", "missing.pem"],
            "reading the TLS certificate missing.pem",
        ),
    ] {
        let output = registry_command()
            .args(["--data-dir", dir.path().to_str().unwrap()])
            .args(&args)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!Path::new(&dir.path().join("registry.db")).exists());
    }
    // The same file named by the environment variable, and by the TOML configuration.
    let config = dir.path().join("registry.toml");
    std::fs::write(
        &config,
        format!("auth_file = {:?}\n", auth_file.to_str().unwrap()),
    )
    .unwrap();
    for command in [
        registry_command().env("STELE_AUTH_FILE", &auth_file),
        registry_command().arg("--config").arg(&config),
    ] {
        let output = command
            .args(["--data-dir", dir.path().to_str().unwrap()])
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("password_hash is not a PHC string"),
            "{stderr}"
        );
    }
}

/// The confluent-kafka Python client with `basic.auth.user.info`, and with a static bearer
/// token, against the binary (`tests/python/basic_auth.py`). Like `python_client_round_trip` in `binary.rs`, it says so
/// and checks nothing where the client is not installed, unless `STELE_REQUIRE_PYTHON_CLIENT`
/// is set.
#[tokio::test]
async fn python_client_with_basic_auth() {
    let probe = Command::new("python3")
        .args(["-c", "import confluent_kafka.schema_registry.avro"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        assert!(
            std::env::var_os("STELE_REQUIRE_PYTHON_CLIENT").is_none(),
            "STELE_REQUIRE_PYTHON_CLIENT is set but confluent-kafka is not importable"
        );
        eprintln!(
            "python_client_with_basic_auth: confluent-kafka for Python is not installed; not run"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let password = "py-secret-pw";
    let (user_entry, _) = run_tool(&["hash-password", "--user", "py"], password);
    let (token_entry, token_note) = run_tool(&["new-token", "py-reader"], "");
    let token = token_note.lines().last().unwrap().trim().to_string();
    let auth_file = dir.path().join("auth.toml");
    std::fs::write(
        &auth_file,
        format!(
            "{user_entry}\n{token_entry}\n[[acl]]\nprincipal = \"py\"\npermission = \"write\"\n\
             subjects = \"auth-orders-*\"\n\n[[acl]]\nprincipal = \"py-reader\"\n\
             permission = \"read\"\n"
        ),
    )
    .unwrap();
    let addr = free_port();
    let mut command = registry_command();
    command
        .args(["--listen", &addr.to_string()])
        .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
        .args(["--auth-file", auth_file.to_str().unwrap()]);
    let child = start(command, addr).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/basic_auth.py");
    // The registry is another process, so blocking this thread is harmless.
    let output = Command::new("python3")
        .arg(&script)
        .args([
            format!("http://{addr}"),
            "py".to_string(),
            password.to_string(),
            token,
        ])
        .output()
        .unwrap();
    terminate(child);
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The binary on `addr` over a data directory in `dir`, with `auth_file`, logging at `info`
/// into `logs`.
fn with_auth_file(
    dir: &std::path::Path,
    addr: SocketAddr,
    auth_file: &std::path::Path,
    logs: &std::path::Path,
) -> std::process::Command {
    let mut command = registry_command();
    command
        .env("STELE_LOG", "info")
        .args(["--listen", &addr.to_string()])
        .args(["--data-dir", dir.join("data").to_str().unwrap()])
        .args(["--auth-file", auth_file.to_str().unwrap()])
        .stdout(std::fs::File::create(logs).unwrap());
    command
}

/// Waits (at most 15 s) until `done` holds, checking every 50 ms.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !done().await {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_binary_reloads_the_auth_file_on_sighup_and_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let auth_file = dir.path().join("auth.toml");
    // A token `stele_NAME` with read on everything.
    let token = |name: &str| {
        let digest: String = {
            use sha2::{Digest, Sha256};
            Sha256::digest(format!("stele_{name}").as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        format!(
            "[[tokens]]\nname = \"{name}\"\nsha256 = \"{digest}\"\n\n\
             [[acl]]\nprincipal = \"{name}\"\npermission = \"read\"\n\n"
        )
    };
    std::fs::write(&auth_file, token("first")).unwrap();
    let addr = free_port();
    let logs = dir.path().join("logs.txt");
    let command = with_auth_file(dir.path(), addr, &auth_file, &logs);
    let child = start(command, addr).await;
    let status = |name: &'static str| async move {
        let bearer = format!("Bearer stele_{name}");
        send(
            addr,
            "GET",
            "/subjects",
            None,
            &[("Authorization", &bearer)],
        )
        .await
        .status
    };
    let logged = |needle: &'static str| {
        let logs = logs.clone();
        move || {
            let text = std::fs::read_to_string(&logs).unwrap_or_default();
            let found = text
                .lines()
                .any(|line| needle.split('&').all(|part| line.contains(part)));
            async move { found }
        }
    };
    assert_eq!(status("first").await, 200);
    assert_eq!(status("second").await, 401);

    // SIGHUP: the new file applies, the removed token is refused.
    std::fs::write(&auth_file, token("second")).unwrap();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    eventually("a reload on SIGHUP", logged("auth file reloaded&SIGHUP")).await;
    assert_eq!(status("second").await, 200);
    assert_eq!(status("first").await, 401);

    // No signal: a changed file is noticed by its modification time.
    std::fs::write(&auth_file, token("third")).unwrap();
    eventually("the third token accepted", || async {
        status("third").await == 200
    })
    .await;
    assert_eq!(status("second").await, 401);

    // A broken file is reported and changes nothing.
    std::fs::write(&auth_file, "[[tokens]]\nname = \"broken\"\n").unwrap();
    eventually("the broken file reported", logged("auth file not reloaded")).await;
    assert_eq!(status("third").await, 200);
    let text = std::fs::read_to_string(&logs).unwrap();
    assert!(!text.contains("stele_third"), "a token was logged:\n{text}");
    terminate(child);
}
