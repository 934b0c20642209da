//! The built `stele-registry` binary as a child process: a clean command, waiting until it
//! listens, and a graceful stop. Shared by every test that runs the real process.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_stele-registry");

/// A free loopback address.
pub fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// The binary with none of the `STELE_*` variables of the environment running the tests, so
/// only what a test sets counts; quiet logs, stderr passed through.
pub fn registry_command() -> Command {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("STELE_") {
            command.env_remove(name);
        }
    }
    command
        .env("STELE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}

/// Starts `command` and waits until `addr` accepts connections; fails the test if the process
/// exits first or does not listen within 30 seconds.
pub async fn start(mut command: Command, addr: SocketAddr) -> Child {
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the registry exited early: {status}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the registry did not start on {addr}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

/// Sends SIGTERM and waits (up to 30 seconds) for a clean exit.
pub fn terminate(mut child: Child) {
    stop(&mut child);
}

/// [`terminate`] for a child that stays owned elsewhere.
pub fn stop(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            return;
        }
        assert!(Instant::now() < deadline, "the registry did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}
