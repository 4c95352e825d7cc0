//! Shared by the benchmarks: the server as a separate process (the release binary cargo builds for
//! bench targets), the machine description, process CPU and memory from /proc, percentiles by sorting,
//! and the Prometheus text of `GET /metrics`.
//!
//! Benchmarks are `harness = false` and `test = false`; `cargo test --all-targets` still runs bench
//! targets in test mode, so each one does nothing unless cargo bench passed `--bench`.

#![allow(dead_code)] // reason: each bench target uses a different part of this module

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// True when run by `cargo bench` (which passes `--bench`); otherwise the target explains and exits.
pub fn invoked_by_cargo_bench(name: &str) -> bool {
    if std::env::args().any(|a| a == "--bench") {
        return true;
    }
    println!("{name}: benchmark skipped (run it with `./dev bench` or `cargo bench -p axme-server --bench {name}`)");
    false
}

/// A number from the environment, else the default.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The `axme-server` binary: `AXME_SERVER_BIN`, else the one cargo built beside this bench (release
/// profile for `cargo bench`).
pub fn server_binary() -> PathBuf {
    std::env::var_os("AXME_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_axme-server")))
}

/// One `axme-server` process on a fresh data dir, listening on 127.0.0.1 with a free port.
pub struct Server {
    child: Child,
    pub base: String,
    pub key: String,
    pub max_batch: usize,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server binary with `--commit-batch-max max_batch` and waits until `/health` answers.
    pub fn start(max_batch: usize) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("axme-bench-")
            .tempdir()
            .expect("temp data dir");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
        let binary = server_binary();
        let child = Command::new(&binary)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--log",
                "warn",
                "--commit-batch-max",
                &max_batch.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e} (build it with `cargo build --release -p axme-server`)",
                    binary.display()
                )
            });
        let mut server = Server {
            child,
            base: String::new(),
            key: String::new(),
            max_batch,
            dir,
        };
        let data = server.dir.path().join("data");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let (Ok(addr), Ok(key)) = (
                std::fs::read_to_string(data.join("server-addr")),
                std::fs::read_to_string(data.join("dev-api-key")),
            ) {
                if addr.ends_with('\n') && key.ends_with('\n') {
                    server.base = addr.trim().to_string();
                    server.key = key.trim().to_string();
                    break;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("axme-server exited with {status}: {}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "axme-server did not start within 60 s: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Resident memory of the server process (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmRSS")
    }

    /// Threads of the server process.
    pub fn threads(&self) -> u64 {
        status_field(self.pid(), "Threads")
    }

    /// CPU time (user + system) the server process has used.
    pub fn cpu(&self) -> Duration {
        process_cpu(&format!("/proc/{}/stat", self.pid()))
    }

    /// Bytes the server process has caused to be written to storage (`write_bytes` of /proc/<pid>/io).
    pub fn storage_written(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/io", self.pid()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("write_bytes:")?.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Stops the server with SIGTERM (graceful: the open batch is flushed) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU of a process from its `/proc/.../stat` (clock ticks of 1/100 s, Linux's USER_HZ).
pub fn process_cpu(stat_path: &str) -> Duration {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// CPU time this (client) process has used.
pub fn own_cpu() -> Duration {
    process_cpu("/proc/self/stat")
}

/// The machine: CPUs, CPU model, memory, kernel, load, and the fsync latency of the data dir's disk.
pub fn machine(fsync_dir: Option<&Path>) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let mhz = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("cpu MHz")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "machine: nproc={nproc}, cpu=\"{model}\" ({mhz} MHz), memory={} MiB, kernel {}",
        mem_kib / 1024,
        kernel.trim()
    );
    let _ = write!(out, "load average at start: {}", loadavg());
    if let Some(dir) = fsync_dir {
        let samples = fsync_latency(dir, 200);
        let _ = write!(
            out,
            "\ndisk: 4 KiB write + fdatasync in the data dir, 200 times: p50 {} p99 {}",
            ms(percentile(&samples, 50.0)),
            ms(percentile(&samples, 99.0))
        );
    }
    out
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sorted latencies of `count` 4 KiB writes each followed by fdatasync, in `dir`.
pub fn fsync_latency(dir: &Path, count: usize) -> Vec<Duration> {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).expect("fsync probe");
    let block = vec![7u8; 4096];
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        file.write_all(&block).expect("write");
        file.sync_data().expect("fdatasync");
        samples.push(started.elapsed());
    }
    let _ = std::fs::remove_file(&path);
    samples.sort();
    samples
}

/// The p-th percentile (nearest rank) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// `p50 .. p99 .. max` of sorted samples.
pub fn summary(sorted: &[Duration]) -> String {
    format!(
        "p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        ms(percentile(sorted, 50.0)),
        ms(percentile(sorted, 90.0)),
        ms(percentile(sorted, 99.0)),
        ms(percentile(sorted, 99.9)),
        ms(sorted.last().copied().unwrap_or_default())
    )
}

/// A sample (a metric line's value) from Prometheus text, e.g. `axme_store_commit_batch_size_sum`.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            (key == name).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0)
}

/// `GET /metrics` of a server.
pub async fn scrape(http: &reqwest::Client, base: &str) -> String {
    http.get(format!("{base}/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text")
}

/// The create-intent body every benchmark sends.
pub fn intent_body(n: u64) -> serde_json::Value {
    serde_json::json!({
        "intent_type": "bench.work.v1",
        "to_agent": "agent://bench/worker",
        "payload": {"n": n, "text": "benchmark payload"},
    })
}

/// Creates an intent and returns its id.
pub async fn create_intent(http: &reqwest::Client, server: &Server, n: u64) -> String {
    let response = http
        .post(format!("{}/v1/intents", server.base))
        .header("x-api-key", &server.key)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&intent_body(n))
        .send()
        .await
        .expect("create intent");
    assert_eq!(response.status(), 200, "create intent");
    let body: serde_json::Value = response.json().await.expect("create body");
    body["intent_id"].as_str().expect("intent_id").to_string()
}
