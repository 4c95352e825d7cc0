//! Clients that misbehave on purpose: stalled and abandoned connections past the open-files limit,
//! request heads and bodies that never finish, absurd lengths, requests hyper cannot parse. The
//! server keeps answering, and every refusal is the JSON error body of the spec.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::TestServer;

/// A response read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} {}", self.head, self.body))
    }

    /// Asserts the JSON error format with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{} {}", self.head, self.body);
        assert!(
            self.head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{}",
            self.head
        );
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        crate::support::spec()
            .validate_schema("ErrorResponse", &body)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

fn host_port(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// Sends `request` as it is and reads the response until the server closes or `wait` passes.
pub fn raw(base: &str, request: &[u8], wait: Duration) -> RawResponse {
    let mut socket = TcpStream::connect(host_port(base)).expect("connect");
    socket.set_read_timeout(Some(wait)).expect("timeout");
    socket.write_all(request).expect("write");
    read_response(socket)
}

fn read_response(mut socket: TcpStream) -> RawResponse {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match socket.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                if complete(&bytes) {
                    break;
                }
            }
            Err(e) if bytes.is_empty() => panic!("no response: {e}"),
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    RawResponse {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// Whether a response with a content-length has fully arrived.
fn complete(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .is_some_and(|len| body.len() >= len)
}

async fn short_timeouts() -> TestServer {
    TestServer::start_with(|config| {
        config.read_timeout = Duration::from_millis(300);
        config.idle_timeout = Duration::from_secs(30);
    })
    .await
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("join")
}

#[tokio::test]
async fn a_request_head_that_stops_halfway_gets_a_json_408() {
    let server = short_timeouts().await;
    let base = server.base.clone();
    let resp = blocking(move || {
        raw(
            &base,
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow",
            Duration::from_secs(20),
        )
    })
    .await;
    resp.assert_error(408, "request_timeout");
}

#[tokio::test]
async fn a_body_that_stops_halfway_gets_a_json_408_and_the_connection_closes() {
    let server = short_timeouts().await;
    let (base, key) = (server.base.clone(), server.key.clone());
    let resp = blocking(move || {
        let head = format!(
            "POST /v1/intents HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
        );
        raw(&base, head.as_bytes(), Duration::from_secs(20))
    })
    .await;
    resp.assert_error(408, "request_timeout");
    assert!(
        resp.head.to_ascii_lowercase().contains("connection: close"),
        "{}",
        resp.head
    );
}

#[tokio::test]
async fn an_absurd_content_length_is_refused_before_reading() {
    let server = TestServer::start().await;
    let key = server.key.clone();
    for (method, path) in [
        ("POST", "/v1/intents"),
        ("POST", "/v1/mesh/heartbeat"),
        (
            "PUT",
            "/v1/media/upload/00000000-0000-4000-8000-000000000000",
        ),
        ("POST", "/mcp"),
    ] {
        let (base, key) = (server.base.clone(), key.clone());
        let resp = blocking(move || {
            let head = format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: 100000000000\r\n\r\n"
            );
            // Nothing of the body is sent: only a refusal that reads nothing can answer.
            raw(&base, head.as_bytes(), Duration::from_secs(20))
        })
        .await;
        resp.assert_error(413, "payload_too_large");
    }
}

#[tokio::test]
async fn requests_hyper_cannot_parse_get_json_errors() {
    let server = TestServer::start().await;
    let base = server.base.clone();
    blocking(move || {
        let resp = raw(
            &base,
            b"GET /health HTTP/1.1\r\nBad Header\r\n\r\n",
            Duration::from_secs(20),
        );
        resp.assert_error(400, "malformed_request");
        let long_uri = format!(
            "GET /v1/intents/{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(70_000)
        );
        let resp = raw(&base, long_uri.as_bytes(), Duration::from_secs(20));
        resp.assert_error(414, "uri_too_long");
        let many = (0..200)
            .map(|i| format!("x-h{i}: v\r\n"))
            .collect::<String>();
        let resp = raw(
            &base,
            format!("GET /health HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes(),
            Duration::from_secs(20),
        );
        resp.assert_error(431, "headers_too_large");
    })
    .await;
}

#[tokio::test]
async fn invalid_utf8_in_a_path_parameter_gets_a_json_400() {
    let server = TestServer::start().await;
    let (base, key) = (server.base.clone(), server.key.clone());
    let resp = blocking(move || {
        raw(
            &base,
            format!("GET /v1/intents/%FF%FE HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\n\r\n")
                .as_bytes(),
            Duration::from_secs(20),
        )
    })
    .await;
    assert_eq!(resp.status, 400, "{resp:?}");
    resp.assert_error(400, "invalid_path");
}

/// A server process started with a low open-files limit (soft 64, hard 256), logging to a file.
struct LimitedServer {
    child: std::process::Child,
    base: String,
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl LimitedServer {
    fn spawn(dir: &Path, log: &Path) -> LimitedServer {
        let log_file = std::fs::File::create(log).expect("log file");
        let mut child = std::process::Command::new("prlimit")
            .arg("--nofile=64:256")
            .arg(env!("CARGO_BIN_EXE_axme-server"))
            .arg("--data-dir")
            .arg(dir)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--read-timeout",
                "60s",
                "--idle-timeout",
                "60s",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("prlimit (util-linux) starts axme-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                }
                _ => panic!("axme-server exited before listening: {:?}", child.wait()),
            }
        };
        std::thread::spawn(move || for _ in lines {});
        LimitedServer { child, base }
    }

    /// The soft open-files limit of the running process.
    fn soft_open_files(&self) -> u64 {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.child.id()))
            .expect("/proc limits");
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .expect("open files line");
        line.split_whitespace()
            .nth(3)
            .and_then(|v| v.parse().ok())
            .expect("soft limit")
    }
}

#[test]
fn stalled_connections_past_the_descriptor_limit_leave_health_answering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let server = LimitedServer::spawn(&dir.path().join("data"), &log);
    assert_eq!(
        server.soft_open_files(),
        256,
        "the soft limit is raised to the hard one"
    );
    // Twice the hard limit of connections that never finish (or never start) a request.
    let mut stalled = Vec::new();
    for i in 0..512 {
        let mut socket = TcpStream::connect(host_port(&server.base)).expect("connect");
        if i % 2 == 0 {
            socket
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                .expect("write");
        }
        stalled.push(socket);
    }
    for _ in 0..3 {
        let resp = raw(
            &server.base,
            b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(10),
        );
        assert_eq!(resp.status, 200, "{resp:?}");
        assert_eq!(resp.json()["ok"], true);
    }
    drop(stalled);
    drop(server);
    let text = std::fs::read_to_string(&log).expect("log");
    let accept_failures = text.matches("accept failed").count();
    assert!(
        accept_failures <= 5,
        "{accept_failures} accept failures logged"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes in a log file: {text}"
    );
}
