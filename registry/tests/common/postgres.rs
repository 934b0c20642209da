//! PostgreSQL for tests: the server named by `TEST_DATABASE_URL` (see `scripts/postgres`),
//! a fresh database per test, and `stele-registry` processes serving from it.
//!
//! Without `TEST_DATABASE_URL` the PostgreSQL tests say so on stderr and pass without checking
//! anything, unless `STELE_REQUIRE_POSTGRES` is set (CI sets it): then absence is a failure.

use std::net::SocketAddr;
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection};

/// The server to test against, or `None` (after saying so) when there is none.
pub fn server(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("STELE_REQUIRE_POSTGRES").is_none(),
                "STELE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not (run `eval \"$(scripts/postgres start)\"`)"
            );
            eprintln!("{test}: TEST_DATABASE_URL is not set; PostgreSQL not tested");
            None
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL has a scheme");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let query = path.find('?').map_or("", |q| &path[q..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// A database created for one test.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    name: String,
    server: String,
}

impl TestDatabase {
    /// Creates an empty database with a name no other test uses.
    pub async fn create(server: &str) -> TestDatabase {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "stele_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(server).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap();
        admin.close().await.unwrap();
        TestDatabase {
            url: with_database(server, &name),
            name,
            server: server.to_string(),
        }
    }

    /// Drops the database, disconnecting whoever still uses it.
    pub async fn drop_now(self) {
        let mut admin = PgConnection::connect(&self.server).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            )))
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
}

/// A `stele-registry` process on `database`; killed when dropped.
pub struct Node {
    pub addr: SocketAddr,
    child: Child,
}

impl Node {
    /// Starts the binary on a free port and waits until it accepts connections.
    pub async fn start(database: &str) -> Node {
        let addr = super::process::free_port();
        let mut command = super::process::registry_command();
        command.args(["--listen", &addr.to_string(), "--database", database]);
        let child = super::process::start(command, addr).await;
        Node { addr, child }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) {
        super::process::stop(&mut self.child);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
