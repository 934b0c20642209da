//! A corpus of bad requests against the real binary on loopback: each gets a clear 4xx with
//! the Confluent error code and a message that says what is wrong, memory stays bounded
//! (measured from `/proc/<pid>/status`), and the server keeps serving.
//!
//! Left out: TLS and authentication failures (`security.rs`), and what the engine does with
//! every odd schema (the rule cases and the fuzz targets cover that).

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::process::stop;
use common::raw::{head, memory_kib, send_bytes, spawn, try_send};
use common::{USER_V1, register_body, send};
use serde_json::json;

/// Peak resident memory the registry may reach over the whole corpus (VmHWM). A 100 MB body
/// is refused at the 16 MiB limit and a 100,000-field schema is a few megabytes of text, so
/// staying under this says nothing grows with the size of what was *sent*.
const PEAK_RSS_LIMIT_MIB: u64 = 400;

const MEDIA: &str = "application/vnd.schemaregistry.v1+json";

/// What a refused request must answer.
#[derive(Debug, Clone)]
struct Refusal {
    status: u16,
    code: i64,
    /// A piece of the message that says what was wrong.
    says: String,
}

fn refused(status: u16, code: i64, says: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        says: says.into(),
    }
}

/// Sends `body` (any bytes) and checks the refusal.
async fn expect(
    addr: SocketAddr,
    case: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
    want: &Refusal,
) {
    let mut request = head(addr, method, path, content_type, body.len());
    request.extend_from_slice(body);
    let answer = send_bytes(addr, request)
        .await
        .unwrap_or_else(|| panic!("{case}: no answer"));
    check(case, &answer, want);
}

fn check(case: &str, answer: &common::Response, want: &Refusal) {
    assert_eq!(answer.status, want.status, "{case}: {}", answer.body);
    let body = answer.json();
    let keys: Vec<&String> = body
        .as_object()
        .unwrap_or_else(|| panic!("{case}: {body}"))
        .keys()
        .collect();
    assert_eq!(keys.len(), 2, "{case}: {body}");
    assert_eq!(body["error_code"], want.code, "{case}: {body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&want.says),
        "{case}: message {message:?} does not say {:?}",
        want.says
    );
}

/// `depth` nested JSON arrays.
fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// An Avro record with `count` int fields.
fn wide_record(name: &str, count: usize) -> String {
    let fields: Vec<serde_json::Value> = (0..count)
        .map(|i| json!({"name": format!("f{i}"), "type": "int"}))
        .collect();
    json!({"type": "record", "name": name, "fields": fields}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, mut child) = spawn(dir.path(), &[]).await;
    let pid = child.0.id();
    let registered = send(
        addr,
        "POST",
        "/subjects/good/versions",
        Some(&register_body(USER_V1)),
        &[],
    )
    .await;
    assert_eq!(registered.json(), json!({"id": 1}));
    let (rss_start, _) = memory_kib(pid);

    let register = "/subjects/bad/versions";

    // Bodies that are not a registration request.
    let bodies: Vec<(&str, Vec<u8>, Refusal)> = vec![
        ("malformed JSON", b"{\"schema\": ".to_vec(), refused(400, 400, "EOF while parsing")),
        ("trailing garbage", br#"{"schema": "\"int\""} x"#.to_vec(), refused(400, 400, "trailing characters")),
        ("a JSON array", b"[]".to_vec(), refused(400, 400, "must be a JSON object")),
        ("an array of the fields", br#"["\"int\""]"#.to_vec(), refused(400, 400, "must be a JSON object")),
        ("a JSON string", br#""schema""#.to_vec(), refused(400, 400, "must be a JSON object")),
        ("a JSON number", b"42".to_vec(), refused(400, 400, "must be a JSON object")),
        ("JSON null", b"null".to_vec(), refused(400, 400, "must be a JSON object")),
        ("not JSON at all", b"schema=int".to_vec(), refused(400, 400, "must be a JSON object")),
        ("schema is a number", br#"{"schema": 42}"#.to_vec(), refused(400, 400, "invalid type: integer")),
        ("schema is an object", br#"{"schema": {"type": "int"}}"#.to_vec(), refused(400, 400, "invalid type: map")),
        ("references is not a list", br#"{"schema": "\"int\"", "references": {}}"#.to_vec(), refused(400, 400, "invalid type: map")),
        ("a reference without a version", br#"{"schema": "\"int\"", "references": [{"name": "a", "subject": "b"}]}"#.to_vec(), refused(400, 400, "missing field `version`")),
        ("a huge number", br#"{"schema": "\"int\"", "version": 1e400}"#.to_vec(), refused(400, 400, "number out of range")),
        ("an id beyond 64 bits", br#"{"schema": "\"int\"", "id": 123456789012345678901234567890}"#.to_vec(), refused(400, 400, "invalid type")),
        ("a version beyond 32 bits", br#"{"schema": "\"int\"", "references": [{"name": "a", "subject": "b", "version": 4294967296}]}"#.to_vec(), refused(400, 400, "invalid value")),
        ("a NUL byte outside strings", b"{\"schema\":\0 \"\\\"int\\\"\"}".to_vec(), refused(400, 400, "expected value")),
        ("a raw control character in a string", b"{\"schema\": \"\x01\"}".to_vec(), refused(400, 400, "control character")),
        ("invalid UTF-8 in a string", b"{\"schema\": \"\xff\xfe\"}".to_vec(), refused(400, 400, "invalid unicode")),
        ("a lone surrogate escape", br#"{"schema": "\ud800"}"#.to_vec(), refused(400, 400, "hex escape")),
        ("10,000 nested arrays in the body", format!(r#"{{"schema": "\"int\"", "metadata": {}}}"#, nested_arrays(10_000)).into_bytes(), refused(400, 400, "recursion limit exceeded")),
        ("an empty body", Vec::new(), refused(422, 422, "may not be empty")),
        ("a body of spaces", b"   \r\n ".to_vec(), refused(422, 422, "may not be empty")),
    ];
    for (case, body, want) in &bodies {
        expect(addr, case, "POST", register, MEDIA, body, want).await;
    }

    // Requests that parse but name a bad schema.
    let schemas: Vec<(&str, serde_json::Value, Refusal)> = vec![
        ("no schema", json!({}), refused(422, 42201, "Empty schema")),
        (
            "unknown schemaType",
            json!({"schema": "\"int\"", "schemaType": "XML"}),
            refused(422, 42201, "XML"),
        ),
        (
            "Avro that is not JSON",
            json!({"schema": "{nope"}),
            refused(422, 42201, "invalid JSON"),
        ),
        (
            "Avro with a NUL in a name",
            json!({"schema": "{\"type\":\"record\",\"name\":\"A\\u0000B\",\"fields\":[]}"}),
            refused(422, 42201, "invalid name"),
        ),
        (
            "Avro with a huge number",
            json!({"schema": "{\"type\":\"fixed\",\"name\":\"F\",\"size\":1e400}"}),
            refused(422, 42201, "number out of range"),
        ),
        (
            "Avro nested 10,000 deep",
            json!({"schema": nested_avro_arrays(10_000)}),
            refused(422, 42201, "128 levels"),
        ),
        (
            "Avro with a duplicate field",
            json!({"schema": "{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"int\"}]}"}),
            refused(422, 42201, "defined twice"),
        ),
        (
            "JSON Schema nested 10,000 deep",
            json!({"schemaType": "JSON", "schema": nested_json_schema(10_000)}),
            refused(422, 42201, "128 levels"),
        ),
        (
            "Protobuf nested 10,000 deep",
            json!({"schemaType": "PROTOBUF", "schema": nested_proto(10_000)}),
            refused(422, 42201, "recursion limit for nested messages"),
        ),
        (
            "Protobuf that is not Protobuf",
            json!({"schemaType": "PROTOBUF", "schema": "message {"}),
            refused(422, 42201, "expected an identifier"),
        ),
        (
            "an unknown reference",
            json!({"schema": "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"a\",\"type\":\"Missing\"}]}", "references": [{"name": "Missing", "subject": "missing", "version": 1}]}),
            refused(422, 42201, "missing"),
        ),
        (
            "a reference to version 0",
            json!({"schema": "\"int\"", "references": [{"name": "a", "subject": "good", "version": 0}]}),
            refused(422, 42201, "version 0, which does not exist"),
        ),
        (
            "a reference to itself",
            json!({"schema": "{\"type\":\"record\",\"name\":\"Self\",\"fields\":[]}", "references": [{"name": "Self", "subject": "bad", "version": 1}]}),
            refused(422, 42201, "bad"),
        ),
        (
            "a reference with a 1 MB subject",
            json!({"schema": "\"int\"", "references": [{"name": "a", "subject": "s".repeat(1 << 20), "version": 1}]}),
            refused(422, 42201, "which does not exist"),
        ),
    ];
    for (case, body, want) in &schemas {
        expect(
            addr,
            case,
            "POST",
            register,
            MEDIA,
            body.to_string().as_bytes(),
            want,
        )
        .await;
    }

    // Content types.
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
    ] {
        expect(
            addr,
            content_type,
            "POST",
            register,
            content_type,
            register_body(USER_V1).as_bytes(),
            &refused(415, 415, "Unsupported Media Type"),
        )
        .await;
    }

    // Subject names.
    for (case, subject) in [
        ("NUL in a subject", "a%00b"),
        ("BEL in a subject", "a%07b"),
        ("ESC in a subject", "%1B%5B31m"),
        ("DEL in a subject", "a%7Fb"),
        ("newline in a subject", "a%0Ab"),
        ("reserved subject", "__GLOBAL"),
    ] {
        let path = format!("/subjects/{subject}/versions");
        expect(
            addr,
            case,
            "POST",
            &path,
            MEDIA,
            register_body(USER_V1).as_bytes(),
            &refused(422, 42208, "is not a valid"),
        )
        .await;
    }
    expect(
        addr,
        "invalid UTF-8 in a subject",
        "POST",
        "/subjects/%FF%FE/versions",
        MEDIA,
        register_body(USER_V1).as_bytes(),
        &refused(400, 400, "UTF-8"),
    )
    .await;
    // Path traversal is just a name: it is stored and listed as such, nothing else happens.
    let traversal = send(
        addr,
        "POST",
        "/subjects/..%2F..%2Fetc%2Fpasswd/versions",
        Some(&register_body(USER_V1)),
        &[],
    )
    .await;
    assert_eq!(traversal.json(), json!({"id": 1}));
    let listed = send(addr, "GET", "/subjects", None, &[]).await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .contains(&json!("../../etc/passwd")),
        "{listed}"
    );
    send(addr, "GET", "/subjects/../../config", None, &[])
        .await
        .assert_error(404, 404);

    // Versions and ids.
    for version in ["0", "-2", "1099511627776", "abc", "1.5", "%20"] {
        let path = format!("/subjects/good/versions/{version}");
        let answer = send(addr, "GET", &path, None, &[]).await;
        check(
            &format!("version {version}"),
            &answer,
            &refused(422, 42202, "is not a valid version id"),
        );
        let answer = send(addr, "DELETE", &path, None, &[]).await;
        check(
            &format!("delete version {version}"),
            &answer,
            &refused(422, 42202, "is not a valid version id"),
        );
    }
    for id in ["0", "-1", "2147483647"] {
        let answer = send(addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        check(
            &format!("id {id}"),
            &answer,
            &refused(404, 40403, "not found"),
        );
    }
    for id in [
        "2147483648",
        "-2147483649",
        "99999999999999999999",
        "abc",
        "1e3",
    ] {
        let answer = send(addr, "GET", &format!("/schemas/ids/{id}"), None, &[]).await;
        check(
            &format!("id {id}"),
            &answer,
            &refused(404, 404, "HTTP 404 Not Found"),
        );
    }

    // A 1 MB subject name does not fit in a request line; the HTTP layer refuses it before
    // any route runs (so the answer is not Confluent-shaped), and the connection is dropped.
    let long = format!("/subjects/{}/versions", "s".repeat(1 << 20));
    let mut request = head(addr, "POST", &long, MEDIA, 2);
    request.extend_from_slice(b"{}");
    if let Some(answer) = send_bytes(addr, request).await {
        assert!(
            (400..500).contains(&answer.status),
            "1 MB subject: {answer:?}"
        );
    }

    // A 100 MB body, announced and streamed; refused at the configured limit either way.
    let (_, peak_before) = memory_kib(pid);
    let hundred_mb = 100 * 1024 * 1024;
    let mut request = head(addr, "POST", register, MEDIA, hundred_mb);
    request.extend(std::iter::repeat_n(b' ', hundred_mb));
    let answer = send_bytes(addr, request)
        .await
        .expect("100 MB body: no answer");
    check(
        "100 MB body",
        &answer,
        &refused(413, 413, "larger than the configured limit"),
    );
    let chunked = chunked_body(addr, register, hundred_mb);
    let answer = send_bytes(addr, chunked)
        .await
        .expect("100 MB chunked body: no answer");
    check(
        "100 MB chunked body",
        &answer,
        &refused(413, 413, "larger than the configured limit"),
    );
    let (_, peak_after_body) = memory_kib(pid);

    // 100,000 fields: as unknown keys of the request (ignored), and as an Avro record.
    let mut keys = serde_json::Map::new();
    for i in 0..100_000 {
        keys.insert(format!("k{i}"), json!(i));
    }
    expect(
        addr,
        "100,000 unknown request fields",
        "POST",
        register,
        MEDIA,
        serde_json::Value::Object(keys).to_string().as_bytes(),
        &refused(422, 42201, "Empty schema"),
    )
    .await;
    let wide = register_body(&wide_record("Wide", 100_000));
    let answer = try_send(addr, "POST", "/subjects/wide/versions", Some(&wide))
        .await
        .expect("100,000 fields: no answer");
    let (_, peak_after_wide) = memory_kib(pid);

    // Clients that stop sending, halfway through their headers or their body, hold only
    // their own connection: everyone else is served meanwhile.
    let stalled = stall(addr, 20).await;
    assert_eq!(send(addr, "GET", "/health", None, &[]).await.status, 200);
    assert_eq!(
        send(addr, "GET", "/schemas/ids/1", None, &[]).await.status,
        200
    );
    drop(stalled);

    // Many bad requests at once.
    let mut tasks = Vec::new();
    for i in 0..200 {
        tasks.push(tokio::spawn(async move {
            let (body, want) = match i % 4 {
                0 => (
                    "{nope".to_string(),
                    refused(400, 400, "key must be a string"),
                ),
                1 => (
                    json!({"schema": "{nope"}).to_string(),
                    refused(422, 42201, "invalid JSON"),
                ),
                2 => (
                    json!({"schema": "\"int\"", "schemaType": "XML"}).to_string(),
                    refused(422, 42201, "Invalid schema type XML"),
                ),
                _ => (String::new(), refused(422, 422, "may not be empty")),
            };
            let answer = try_send(addr, "POST", "/subjects/storm/versions", Some(&body))
                .await
                .expect("concurrent bad request: no answer");
            check(&format!("concurrent {i}"), &answer, &want);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    // Still serving.
    assert_eq!(send(addr, "GET", "/health", None, &[]).await.status, 200);
    let by_id = send(addr, "GET", "/schemas/ids/1", None, &[]).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    let again = send(
        addr,
        "POST",
        "/subjects/after/versions",
        Some(&register_body(USER_V1)),
        &[],
    )
    .await;
    assert_eq!(again.json(), json!({"id": 1}));
    let (rss_end, peak) = memory_kib(pid);
    eprintln!(
        "bad_requests_get_clear_errors_and_the_server_keeps_serving: RSS {} MiB at start, {} MiB \
         at the end; peak {} MiB before the 100 MB bodies, {} MiB after them, {} MiB after the \
         100,000-field schema (answered {}), {} MiB at the end",
        rss_start / 1024,
        rss_end / 1024,
        peak_before / 1024,
        peak_after_body / 1024,
        peak_after_wide / 1024,
        answer.status,
        peak / 1024
    );
    assert!(
        peak / 1024 < PEAK_RSS_LIMIT_MIB,
        "peak RSS {} MiB",
        peak / 1024
    );
    stop(&mut child.0);
}

/// Opens `count` connections that stop sending: half of them in the middle of their
/// headers, half after announcing a body and sending ten bytes of it.
async fn stall(addr: SocketAddr, count: usize) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut streams = Vec::new();
    for i in 0..count {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = if i % 2 == 0 {
            format!("POST /subjects/slow/versions HTTP/1.1\r\nHost: {addr}\r\nContent-Ty")
                .into_bytes()
        } else {
            let mut request = head(addr, "POST", "/subjects/slow/versions", MEDIA, 1000);
            request.extend_from_slice(br#"{"schema":"#);
            request
        };
        stream.write_all(&request).await.unwrap();
        streams.push(stream);
    }
    streams
}

/// A body that stops arriving is answered once the request timeout passes (Confluent's
/// operation timeout, 500 with 50002), and the connection is released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_cut_off_by_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, mut child) = spawn(dir.path(), &["--request-timeout", "2s"]).await;
    let mut request = head(addr, "POST", "/subjects/slow/versions", MEDIA, 1000);
    request.extend_from_slice(br#"{"schema":"#);
    let answer = tokio::time::timeout(Duration::from_secs(60), send_bytes(addr, request))
        .await
        .expect("a stalled body is never answered")
        .expect("a stalled body: the connection closed without an answer");
    check("a stalled body", &answer, &refused(500, 50002, ""));
    assert_eq!(send(addr, "GET", "/health", None, &[]).await.status, 200);
    stop(&mut child.0);
}

/// A client that stops in the middle of its headers never reaches the request timeout (no
/// request has started); the connection is closed once it has been idle for twice that
/// timeout, so stalled clients cannot pile up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stalled_in_its_headers_is_disconnected() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let (addr, mut child) = spawn(dir.path(), &["--request-timeout", "1s"]).await;
    let mut stalled = stall(addr, 2).await;
    for (i, stream) in stalled.iter_mut().enumerate() {
        let mut buf = [0u8; 256];
        // Generous: the idle limit is 2 s; the point is that it ends at all.
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("stalled connection {i} is still open after 30 s"));
        // Closed (0 bytes or a reset), or answered and then closed: never left hanging.
        if let Ok(n) = read {
            assert!(
                n == 0 || buf.starts_with(b"HTTP/1.1 "),
                "connection {i}: {n} bytes"
            );
        }
    }
    assert_eq!(send(addr, "GET", "/health", None, &[]).await.status, 200);
    stop(&mut child.0);
}

/// A POST of `length` spaces with chunked transfer encoding (no length announced).
fn chunked_body(addr: SocketAddr, path: &str, length: usize) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {MEDIA}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let chunk = 1024 * 1024;
    for _ in 0..length / chunk {
        request.extend_from_slice(format!("{chunk:x}\r\n").as_bytes());
        request.extend(std::iter::repeat_n(b' ', chunk));
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    request
}

/// Avro arrays of arrays, `depth` deep.
fn nested_avro_arrays(depth: usize) -> String {
    format!(
        "{}\"int\"{}",
        r#"{"type":"array","items":"#.repeat(depth),
        "}".repeat(depth)
    )
}

/// JSON Schema `items` of `items`, `depth` deep.
fn nested_json_schema(depth: usize) -> String {
    format!(
        "{}{{}}{}",
        r#"{"type":"array","items":"#.repeat(depth),
        "}".repeat(depth)
    )
}

/// Protobuf messages in messages, `depth` deep.
fn nested_proto(depth: usize) -> String {
    let mut text = String::from("syntax = \"proto3\";\n");
    for i in 0..depth {
        text.push_str(&format!("message M{i} {{\n"));
    }
    text.push_str(&"}\n".repeat(depth));
    text
}
