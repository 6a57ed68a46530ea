//! SIGTERM as an orchestrator sends it to the real binary: `/readyz` turns to 503 while the server still
//! answers, then new connections are refused, a request already in flight still gets its whole answer,
//! and the process exits 0. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testkit::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn anjian(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = db.command(env!("CARGO_BIN_EXE_anjian"), args, &[("ANJIAN_LOG", "info")]);
    cmd.envs(env.iter().copied());
    cmd
}

/// Kills the server if the test ends early.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Status and body of a response read to the end of its connection.
fn parse(raw: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not HTTP: {text:?}"));
    let (head, mut body) = text.split_once("\r\n\r\n").map(|(h, b)| (h.to_owned(), b.to_owned())).unwrap_or_default();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        while let Some((size, rest)) = body.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&rest[..n]);
            body = rest[n..].trim_start_matches("\r\n").to_owned();
        }
        body = out;
    }
    (status, body)
}

/// A GET on a new connection; `Err` when the connection is refused.
async fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    Ok(parse(&raw))
}

/// Polls until `done` says so, or panics saying `what` after `limit`.
async fn wait_for<T>(limit: Duration, what: &str, mut poll: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = poll().await {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sigterm_readyz_says_503_while_a_request_in_flight_finishes_and_the_process_exits_zero() {
    let db = TestDb::new().await;
    let demo = anjian(&db, &["demo", "--no-serve"], &[]).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let port = free_port();
    let log = db.dir.path().join("serve.log");
    let listen = format!("127.0.0.1:{port}");
    let child = anjian(
        &db,
        &["serve"],
        &[("ANJIAN_LISTEN", &listen), ("ANJIAN_SHUTDOWN_DRAIN_SECONDS", "2"), ("ANJIAN_SHUTDOWN_GRACE_SECONDS", "30")],
    )
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(&log).unwrap())
    .spawn()
    .unwrap();
    let mut server = Server(child);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    let ready = wait_for(Duration::from_secs(30), "the server to be ready", async || {
        assert!(matches!(server.0.try_wait(), Ok(None)), "the server exited: {}", log_text());
        get(port, "/readyz").await.ok()
    })
    .await;
    assert_eq!(ready, (200, "ready".to_owned()));

    // A sign-in is in flight: its headers and half its body are sent when the signal comes.
    let body = format!(r#"{{"username":"qf.organiser","password":"{}"}}"#, app::demo::DEMO_PASSWORD);
    let (first, rest) = body.split_at(body.len() / 2);
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(first.as_bytes()).await.unwrap();
    in_flight.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let sent = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(sent.success(), "kill -TERM failed");

    // Draining: still answering, but not ready.
    let draining = wait_for(Duration::from_secs(5), "/readyz to say 503", async || match get(port, "/readyz").await {
        Ok((503, body)) => Some(body),
        Ok(_) => None,
        Err(e) => panic!("a connection was refused while draining: {e}\n{}", log_text()),
    })
    .await;
    assert_eq!(draining, "shutting down");
    assert_eq!(get(port, "/healthz").await.unwrap(), (200, "ok".to_owned()), "alive while draining");

    // Then new connections are refused while the request in flight keeps the process up.
    wait_for(Duration::from_secs(10), "new connections to be refused", async || get(port, "/readyz").await.err()).await;
    assert!(matches!(server.0.try_wait(), Ok(None)), "exited with a request in flight: {}", log_text());

    // The rest of the body arrives: the whole answer comes back.
    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), in_flight.read_to_end(&mut raw)).await.unwrap().unwrap();
    let (status, answer) = parse(&raw);
    assert_eq!(status, 201, "{answer}\n{}", log_text());
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["username"], "qf.organiser");

    let code = wait_for(Duration::from_secs(10), "the process to exit", async || server.0.try_wait().unwrap()).await;
    assert_eq!(code.code(), Some(0), "{}", log_text());
}
