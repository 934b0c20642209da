//! What the abuse, crash and shutdown tests need beyond [`super::send`]: requests that may
//! fail at the socket (the server is being killed or is stopping), reading a process's
//! memory use from `/proc`, and a small seeded random generator so a failing run can be
//! repeated.
//!
//! Left out: anything a test could assert with [`super::send`], which fails loudly on any
//! socket error.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Response;

/// One request with `Connection: close`; `None` when the socket fails anywhere (refused,
/// reset, closed before a complete answer), so only a whole answer counts as an answer.
pub async fn try_send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<Response> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    complete(&raw)
}

/// Writes `request` (head and body, any bytes) while reading the answer, so a server that
/// answers before reading a huge body is heard; `None` when no whole answer comes back.
pub async fn send_bytes(addr: SocketAddr, request: Vec<u8>) -> Option<Response> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for chunk in request.chunks(64 * 1024) {
            if writer.write_all(chunk).await.is_err() {
                return;
            }
        }
        // Keep the write half open: some servers answer only after reading everything.
        std::future::pending::<()>().await;
    });
    let mut raw = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
        if complete(&raw).is_some() {
            break;
        }
    }
    writing.abort();
    complete(&raw)
}

/// A request head for `method path` with a body of `length` bytes and `content_type`.
pub fn head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    length: usize,
) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

/// Parses `raw` as one whole HTTP/1.1 answer: a status line, headers, and exactly the body
/// its `Content-Length` announces (a cut-off answer is `None`).
pub fn complete(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))?
        .1
        .parse()
        .ok()?;
    if body.len() != length {
        return None;
    }
    Some(Response {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).ok()?,
    })
}

/// Memory of process `pid` from `/proc/<pid>/status`: (resident now, peak resident), in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// xorshift64*: enough randomness to vary timings and choices, and repeatable from its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `STELE_TEST_SEED` when set, else from the clock; the seed is
    /// printed so a failing run can be repeated.
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("STELE_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: STELE_TEST_SEED={seed}");
        Rng(seed | 1)
    }

    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `low..high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low).max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A pause of up to `max_ms` milliseconds.
    pub fn pause(&mut self, max_ms: u64) -> Duration {
        Duration::from_millis(self.between(0, max_ms + 1))
    }
}

/// Starts the binary on a fresh loopback port over `data_dir`, with `extra` flags.
pub async fn spawn(data_dir: &std::path::Path, extra: &[&str]) -> (SocketAddr, Running) {
    let addr = super::process::free_port();
    let mut command = super::process::registry_command();
    command
        .args(["--listen", &addr.to_string(), "--data-dir"])
        .arg(data_dir)
        .args(extra);
    (addr, Running(super::process::start(command, addr).await))
}

/// A registry process that is killed if the test fails before stopping it, so a failed test
/// leaves nothing running (nor holding the test's output pipe open).
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
