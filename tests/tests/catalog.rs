//! The event catalog of the example shop, checked by the tools its readers use.
//!
//! The catalog of `schemas/` is generated to files (as `stele catalog` writes it) and served
//! live by a registry (its `/catalog`) on a loopback port. Both are then checked with the
//! official AsyncAPI parser (`@asyncapi/parser`: no errors; warnings are printed) and with
//! headless Chromium through `playwright-core` (`tests/catalog/check-site.mjs`): the index
//! lists every event, search narrows it, an event page shows its fields and a version diff,
//! and no page logs a console error, from `file://` and over HTTP.
//!
//! The node tools are installed by `npm ci --prefix tests/catalog` and Debian's `chromium`.
//! Without them the tool checks say so on stderr and are skipped, unless
//! `STELE_REQUIRE_CATALOG_TOOLS=1` (CI sets it), which makes a missing tool a failure. The
//! catalog's own structure is checked in Rust either way.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use stele_catalog::{
    Application, Catalog, DirSink, Event, Server, Version, generate, link_references,
};
use stele_engine::{Dependency, Format, Level, ParseOptions, Schema};
use stele_registry::store::sqlite::SqliteStore;
use stele_registry::{AppState, Config, app};
use tower::ServiceExt;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    fs::read_to_string(repo_root().join("schemas").join(relative)).unwrap()
}

/// One subject of the shop, as `stele.toml` describes it.
struct Contract {
    subject: &'static str,
    files: &'static [&'static str],
    topic: Option<&'static str>,
    level: Level,
    references: &'static [&'static str],
    description: Option<&'static str>,
    owner: &'static str,
    domain: &'static str,
    producers: &'static [&'static str],
    consumers: &'static [&'static str],
}

const AVRO_REFS: &[&str] = &["shop.common.Envelope"];
const PROTO_REFS: &[&str] = &["shop/common/envelope.proto", "shop/common/money.proto"];
const JSON_REFS: &[&str] = &["envelope.json"];

/// The shop's contracts (the same facts as the repository's `stele.toml`).
fn contracts() -> Vec<Contract> {
    let shared = |subject, files, description| Contract {
        subject,
        files,
        topic: None,
        level: Level::BACKWARD_TRANSITIVE,
        references: &[],
        description: Some(description),
        owner: "team-platform",
        domain: "common",
        producers: &[],
        consumers: &[],
    };
    let mut out = vec![
        shared(
            "shop.common.Envelope",
            &["common/envelope.avsc"],
            "Event metadata shared by every Avro event.",
        ),
        shared(
            "shop/common/envelope.proto",
            &["common/envelope.proto"],
            "Event metadata shared by every Protobuf event.",
        ),
        shared(
            "shop/common/money.proto",
            &["common/money.proto"],
            "An amount of money in a currency's minor unit.",
        ),
        shared(
            "envelope.json",
            &["common/envelope.json"],
            "Event metadata shared by every JSON Schema event.",
        ),
    ];
    let event = |topic: &'static str,
                 files: &'static [&'static str],
                 level,
                 references,
                 owner,
                 domain,
                 producers,
                 consumers| Contract {
        subject: Box::leak(format!("{topic}-value").into_boxed_str()),
        files,
        topic: Some(topic),
        level,
        references,
        description: None,
        owner,
        domain,
        producers,
        consumers,
    };
    out.extend([
        event(
            "shop.orders.order-placed",
            &[
                "orders/order_placed/v1.avsc",
                "orders/order_placed/v2.avsc",
                "orders/order_placed/v3.avsc",
            ],
            Level::FULL_TRANSITIVE,
            AVRO_REFS,
            "team-checkout",
            "orders",
            &["checkout-service"],
            &[
                "payment-service",
                "inventory-service",
                "notification-service",
                "analytics-pipeline",
            ],
        ),
        event(
            "shop.orders.order-confirmed",
            &["orders/order_confirmed/v1.avsc"],
            Level::FULL_TRANSITIVE,
            AVRO_REFS,
            "team-checkout",
            "orders",
            &["checkout-service"],
            &[
                "fulfilment-service",
                "notification-service",
                "analytics-pipeline",
            ],
        ),
        event(
            "shop.orders.order-shipped",
            &["orders/order_shipped/v1.avsc"],
            Level::FULL_TRANSITIVE,
            AVRO_REFS,
            "team-fulfilment",
            "orders",
            &["fulfilment-service"],
            &["notification-service", "analytics-pipeline"],
        ),
        event(
            "shop.payments.payment-captured",
            &[
                "payments/payment_captured/v1.proto",
                "payments/payment_captured/v2.proto",
            ],
            Level::FULL_TRANSITIVE,
            PROTO_REFS,
            "team-payments",
            "payments",
            &["payment-service"],
            &["checkout-service", "analytics-pipeline"],
        ),
        event(
            "shop.payments.payment-failed",
            &["payments/payment_failed/v1.proto"],
            Level::FULL_TRANSITIVE,
            PROTO_REFS,
            "team-payments",
            "payments",
            &["payment-service"],
            &[
                "checkout-service",
                "notification-service",
                "analytics-pipeline",
            ],
        ),
        event(
            "shop.payments.payment-refunded",
            &["payments/payment_refunded/v1.proto"],
            Level::FULL_TRANSITIVE,
            PROTO_REFS,
            "team-payments",
            "payments",
            &["payment-service"],
            &["notification-service", "analytics-pipeline"],
        ),
        event(
            "shop.inventory.inventory-reserved",
            &["inventory/inventory_reserved/v1.json"],
            Level::BACKWARD_TRANSITIVE,
            JSON_REFS,
            "team-fulfilment",
            "inventory",
            &["inventory-service"],
            &["checkout-service", "analytics-pipeline"],
        ),
        event(
            "shop.inventory.inventory-reservation-failed",
            &["inventory/inventory_reservation_failed/v1.json"],
            Level::BACKWARD_TRANSITIVE,
            JSON_REFS,
            "team-fulfilment",
            "inventory",
            &["inventory-service"],
            &[
                "checkout-service",
                "notification-service",
                "analytics-pipeline",
            ],
        ),
        event(
            "shop.users.user-signed-up",
            &[
                "users/user_signed_up/v1.json",
                "users/user_signed_up/v2.json",
            ],
            Level::BACKWARD_TRANSITIVE,
            JSON_REFS,
            "team-identity",
            "users",
            &["identity-service"],
            &["notification-service", "analytics-pipeline"],
        ),
    ]);
    out
}

fn file_of(subject: &str) -> &'static str {
    contracts()
        .into_iter()
        .find(|c| c.subject == subject)
        .map(|c| c.files[0])
        .unwrap()
}

/// The shop's catalog, built from `schemas/` as `stele catalog` builds it from `stele.toml`.
fn shop_catalog() -> Catalog {
    let mut events = Vec::new();
    for contract in contracts() {
        let format = Format::from_extension(contract.files[0]).unwrap();
        let deps: Vec<Dependency> = contract
            .references
            .iter()
            .map(|name| Dependency::new(*name, read(file_of(name))))
            .collect();
        let inputs = contract
            .files
            .iter()
            .enumerate()
            .map(|(n, file)| {
                let text = read(file);
                let schema = Schema::parse(format, &text, &deps, ParseOptions::default()).unwrap();
                (i32::try_from(n + 1).unwrap(), None, text, schema)
            })
            .collect();
        let versions = Version::build(inputs);
        events.push(Event {
            subject: contract.subject.to_string(),
            record: versions.last().unwrap().outline.name.clone(),
            topic: contract.topic.map(str::to_string),
            key: false,
            format,
            level: contract.level,
            description: contract.description.map(str::to_string),
            owner: Some(contract.owner.to_string()),
            domain: Some(contract.domain.to_string()),
            producers: contract.producers.iter().map(|s| s.to_string()).collect(),
            consumers: contract.consumers.iter().map(|s| s.to_string()).collect(),
            references: contract.references.iter().map(|s| s.to_string()).collect(),
            referenced_by: Vec::new(),
            versions,
        });
    }
    link_references(&mut events);
    let app = |name: &str, description: &str, owner: &str| Application {
        name: name.to_string(),
        description: Some(description.to_string()),
        owner: Some(owner.to_string()),
    };
    Catalog {
        name: "shop".to_string(),
        version: "1.0.0".to_string(),
        description: Some(
            "Integration events of a small event-driven shop: orders, payments, inventory and users."
                .to_string(),
        ),
        servers: vec![Server {
            name: "production".to_string(),
            host: "kafka.shop.internal:9092".to_string(),
            protocol: "kafka".to_string(),
            description: Some("The shop's production Kafka cluster.".to_string()),
        }],
        applications: vec![
            app("checkout-service", "Takes orders from the web shop and the mobile app.", "team-checkout"),
            app("payment-service", "Captures, refunds and reports card and wallet payments through the providers.", "team-payments"),
            app("inventory-service", "Reserves stock for orders and releases it when orders are cancelled.", "team-fulfilment"),
            app("fulfilment-service", "Picks, packs and ships confirmed orders.", "team-fulfilment"),
            app("identity-service", "Signs users up and manages their accounts.", "team-identity"),
            app("notification-service", "Sends order, payment and account e-mails and push notifications.", "team-engagement"),
            app("analytics-pipeline", "Loads every event into the warehouse.", "team-data"),
        ],
        events,
        producers_known: true,
        source: "stele.toml".to_string(),
    }
}

/// The node tools, or `None` (with a note on stderr) when they are not installed and not
/// required.
fn tools() -> Option<PathBuf> {
    let dir = repo_root().join("tests").join("catalog");
    let missing: Vec<&str> = [
        (!dir.join("node_modules/@asyncapi/parser").exists())
            .then_some("node_modules (npm ci --prefix tests/catalog)"),
        (!dir.join("node_modules/playwright-core").exists())
            .then_some("playwright-core (npm ci --prefix tests/catalog)"),
        (!Path::new(&chromium()).exists()).then_some("chromium (apt-get install chromium)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    if std::env::var("STELE_REQUIRE_CATALOG_TOOLS").as_deref() == Ok("1") {
        panic!(
            "STELE_REQUIRE_CATALOG_TOOLS=1 but missing: {}",
            missing.join(", ")
        );
    }
    // Written to the process's stderr directly: `eprintln!` in a passing test is captured and
    // never shown, and a skipped check must be visible.
    let _ = writeln!(
        std::io::stderr(),
        "catalog: skipping the AsyncAPI parser and Chromium checks; missing: {}",
        missing.join(", ")
    );
    None
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

/// Runs a node script from `tests/catalog`, printing its output; panics when it fails.
fn node(dir: &Path, script: &str, args: &[&str]) -> String {
    let output = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .env("CHROMIUM", chromium())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    eprintln!("{script} {args:?}:\n{stdout}{stderr}");
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// What the Chromium check expects of a catalog.
fn expectations(events: usize, search: &str, matches: usize, event_page: &str) -> String {
    json!({
        "events": events,
        "search": search,
        "matches": matches,
        "eventPage": event_page,
        "field": "couponCode",
        "change": "optional field `couponCode` added",
    })
    .to_string()
}

#[test]
fn catalog_of_the_example_shop_passes_the_asyncapi_parser_and_a_browser() {
    let catalog = shop_catalog();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("catalog-shop");
    let _ = fs::remove_dir_all(&out);
    let stats = generate(&catalog, &mut DirSink::new(&out)).unwrap();
    eprintln!(
        "catalog: {} files, {} bytes, largest page {} ({} bytes)",
        stats.files, stats.bytes, stats.largest_page.0, stats.largest_page.1
    );

    // The structure, checked in Rust whatever tools are installed.
    let yaml = fs::read_to_string(out.join("asyncapi.yaml")).unwrap();
    assert!(yaml.starts_with("\"asyncapi\": \"3.0.0\"\n"), "{yaml}");
    for topic in catalog.events.iter().filter_map(|e| e.topic.as_deref()) {
        assert!(
            yaml.contains(&format!("\"address\": \"{topic}\"")),
            "{topic}"
        );
    }
    assert!(yaml.contains("\"action\": \"send\"") && yaml.contains("\"action\": \"receive\""));
    assert!(yaml.contains("application/vnd.apache.avro+json;version=1.9.0"));
    assert!(yaml.contains("application/vnd.google.protobuf;version=3"));
    let index = fs::read_to_string(out.join("index.html")).unwrap();
    for event in &catalog.events {
        assert!(
            index.contains(&format!(">{}</a>", event.title())),
            "{} not listed",
            event.subject
        );
    }
    let order = fs::read_to_string(out.join("events/shop.orders.order-placed-value.html")).unwrap();
    assert!(order.contains("<code>couponCode</code>"));
    assert!(
        order
            .contains("optional field `couponCode` added with type null | string and default null")
    );
    assert!(order.contains("Compatible</p>") || order.contains("Compatible under"));
    assert!(order.contains("../apps/checkout-service.html"));
    let envelope = fs::read_to_string(out.join("events/shop.common.Envelope.html")).unwrap();
    assert!(
        envelope.contains("../events/shop.orders.order-placed-value.html"),
        "referenced by"
    );
    for page in [
        "events/shop.payments.payment-captured-value.html",
        "events/shop.users.user-signed-up-value.html",
    ] {
        let text = fs::read_to_string(out.join(page)).unwrap();
        assert!(
            text.contains("<table class=\"fields\""),
            "{page} shows its fields"
        );
    }
    for path in walk(&out) {
        let text = fs::read_to_string(&path).unwrap_or_default();
        for external in ["http://", "https://", "//cdn", "fonts.googleapis"] {
            let offending = text
                .lines()
                .filter(|l| l.contains(external))
                .filter(|l| l.contains("src=") || l.contains("href=") || l.contains("@import"))
                .count();
            assert_eq!(offending, 0, "{} loads {external}", path.display());
        }
    }

    let Some(dir) = tools() else {
        return;
    };
    let asyncapi = out.join("asyncapi.yaml");
    node(&dir, "check-asyncapi.mjs", &[asyncapi.to_str().unwrap()]);
    let index_url = format!("file://{}", out.join("index.html").display());
    node(
        &dir,
        "check-site.mjs",
        &[
            &index_url,
            &expectations(
                catalog.events.len(),
                "payment",
                4,
                "events/shop.orders.order-placed-value.html",
            ),
        ],
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

async fn call(
    router: &stele_registry::service::Api,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_serves_the_same_catalog_live() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let router = app(AppState::new(Arc::new(store), Config::default()));
    // Register the shop: shared types first, then every version of every event.
    let contracts = contracts();
    let encode = |s: &str| s.replace('/', "%2F");
    for contract in contracts.iter() {
        let format = Format::from_extension(contract.files[0]).unwrap();
        let references: Vec<Value> = contract
            .references
            .iter()
            .map(|r| json!({"name": r, "subject": r, "version": 1}))
            .collect();
        let subject = encode(contract.subject);
        let (status, _) = call(
            &router,
            Method::PUT,
            &format!("/config/{subject}"),
            Some(json!({"compatibility": contract.level.as_str()})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        for file in contract.files {
            let body = json!({
                "schema": read(file),
                "schemaType": format.as_str(),
                "references": references,
                "metadata": {"properties": {"owner": contract.owner, "domain": contract.domain}},
            });
            let (status, answer) = call(
                &router,
                Method::POST,
                &format!("/subjects/{subject}/versions"),
                Some(body),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{file}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
    }

    let (status, _) = call(&router, Method::GET, "/catalog", None).await;
    assert!(status.is_redirection(), "{status}");
    let (status, index) = call(&router, Method::GET, "/catalog/index.html", None).await;
    assert_eq!(status, StatusCode::OK);
    let index = String::from_utf8(index).unwrap();
    assert!(index.contains("shop.orders.OrderPlaced"), "{index}");
    let (status, page) = call(
        &router,
        Method::GET,
        "/catalog/events/shop.orders.order-placed-value.html",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Unknown here: the schema registry does not know"));
    assert!(page.contains("optional field `couponCode` added"));
    assert!(
        page.contains("team-checkout"),
        "owner from the schema's metadata"
    );
    // The pages are not the Confluent API: a client that accepts only HTML gets them, and the
    // page keeps its own content type.
    let strict = Request::builder()
        .uri("/catalog/index.html")
        .header("accept", "text/html")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(strict).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let (status, _) = call(&router, Method::GET, "/catalog/events/nothing.html", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&router, Method::GET, "/catalog/../Cargo.toml", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let Some(tools) = tools() else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://127.0.0.1:{port}/catalog");
    let events = contracts.len();
    let (yaml_url, index_url) = (
        format!("{base}/asyncapi.yaml"),
        format!("{base}/index.html"),
    );
    let expected = expectations(
        events,
        "payment",
        4,
        "events/shop.orders.order-placed-value.html",
    );
    let checks = tokio::task::spawn_blocking(move || {
        node(&tools, "check-asyncapi.mjs", &[&yaml_url]);
        node(&tools, "check-site.mjs", &[&index_url, &expected]);
    })
    .await;
    server.abort();
    checks.unwrap();
}
