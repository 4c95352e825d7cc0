//! What the engine costs on top of a bare HTTP client, against the reference server.
//!
//! 1. Sequential `get_intent` round trips: `axme_core::Client::get_intent` (request preparation,
//!    trace id + traceparent, retry loop, tracing span, JSON decode) against a bare `reqwest`
//!    client sending `GET /v1/intents/{id}` with only `x-api-key` and decoding the same JSON, and
//!    against the bare client sending the headers the core adds (so the cost of those headers, on
//!    both ends, is told apart from the cost of the engine). The three run in rotating blocks so
//!    load changes on the machine hit all alike. Target: core within 10 % of bare reqwest (p50 and
//!    mean).
//! 2. Resolve → wake-up: a waiter is parked on the intent (core: `wait_for`; baseline: a raw SSE
//!    reader on `/events/stream?since=3`), then the clock starts just before `POST .../resolve`
//!    (sent by a separate bare client) and stops when the waiter has the terminal event (core:
//!    `wait_for` returned; raw: the complete `intent.completed` frame arrived). Alternating samples.
//!    Target: core p50 <= 2 ms.
//!
//! The reference server runs in-process on its own tokio runtime (2 workers, release build, SQLite
//! on a temp dir with group commit); the clients on another (2 workers).
//!
//! `cargo bench -p axme-core --bench client_overhead`; tunables: `AXME_BENCH_SAMPLES` (4000 round
//! trips per client), `AXME_BENCH_WARMUP` (400), `AXME_BENCH_BLOCK` (200), `AXME_BENCH_WAKEUPS`
//! (400 per waiter), `AXME_BENCH_PARK_MS` (5).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use axme_core::{CallOptions, Client, Config};
use futures_util::StreamExt;
use serde_json::{json, Value};

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "?".into())
    };
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "machine: nproc={nproc}, cpu=\"{}\" ({} MHz), kernel {}",
        field("model name"),
        field("cpu MHz"),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    )
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn mean(samples: &[Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.iter().sum::<Duration>() / samples.len() as u32
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Rows of percentiles for sorted sample sets side by side, each with its ratio to the first.
fn table(titles: &[&str], sets: &[&[Duration]]) -> String {
    let mut out = String::new();
    let _ = write!(out, "  {:<8}", "");
    for (i, t) in titles.iter().enumerate() {
        let _ = write!(out, "{t:>18}");
        if i > 0 {
            let _ = write!(out, "{:>8}", "ratio");
        }
    }
    out.push('\n');
    type Stat = fn(&[Duration]) -> Duration;
    let rows: [(&str, Stat); 7] = [
        ("p50", |s| percentile(s, 50.0)),
        ("p90", |s| percentile(s, 90.0)),
        ("p99", |s| percentile(s, 99.0)),
        ("p99.9", |s| percentile(s, 99.9)),
        ("max", |s| s.last().copied().unwrap_or_default()),
        ("min", |s| s.first().copied().unwrap_or_default()),
        ("mean", mean),
    ];
    for (name, f) in rows {
        let _ = write!(out, "  {name:<8}");
        let first = f(sets[0]);
        for (i, set) in sets.iter().enumerate() {
            let v = f(set);
            let _ = write!(out, "{:>18}", ms(v));
            if i > 0 {
                let ratio = first.as_secs_f64() / v.as_secs_f64().max(1e-12);
                let _ = write!(out, "{ratio:>8.3}");
            }
        }
        out.push('\n');
    }
    out
}

/// The reference server on its own runtime and thread; dropped = stopped.
struct Server {
    base: String,
    key: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::Builder::new()
            .prefix("axme-core-bench-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("bench-server")
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let mut cfg = axme_server::ServerConfig::new(&data);
                cfg.listen = "127.0.0.1:0".into();
                let server = axme_server::start(cfg).await.expect("server starts");
                let key = server.dev_api_key().expect("dev key");
                ready_tx.send((server.base_url(), key)).expect("ready");
                let _ = stop_rx.await;
                server.shutdown().await;
            });
        });
        let (base, key) = ready_rx.recv().expect("server ready");
        Server {
            base,
            key,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const CLIENT_ID: &str = concat!("axme-sdk-rust/", env!("CARGO_PKG_VERSION"));

fn intent(n: u64) -> Value {
    json!({
        "intent_type": "bench.work.v1",
        "to_agent": "agent://bench/worker",
        "payload": {"n": n, "text": "benchmark payload"},
    })
}

/// `GET /v1/intents/{id}` with a bare client: only `x-api-key` (the baseline), or also the headers
/// the core adds (`X-Axme-Client`, `User-Agent`, a fresh `X-Trace-Id` and its `traceparent`).
async fn bare_get(http: &reqwest::Client, server: &Server, id: &str, core_headers: bool) -> Value {
    let mut req = http
        .get(format!("{}/v1/intents/{id}", server.base))
        .header("x-api-key", &server.key)
        .header("accept", "application/json");
    if core_headers {
        let trace = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        req = req
            .header("x-axme-client", CLIENT_ID)
            .header("user-agent", CLIENT_ID)
            .header("x-trace-id", trace.to_string())
            .header(
                "traceparent",
                format!(
                    "00-{}-{:016x}-01",
                    trace.simple(),
                    rand::random::<u64>() | 1
                ),
            );
    }
    let resp = req.send().await.expect("bare get");
    assert_eq!(resp.status(), 200);
    let body = resp.bytes().await.expect("bare body");
    serde_json::from_slice(&body).expect("bare json")
}

async fn resolve(http: &reqwest::Client, server: &Server, id: &str) {
    let resp = http
        .post(format!("{}/v1/intents/{id}/resolve", server.base))
        .header("x-api-key", &server.key)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"status": "COMPLETED", "result": {"ok": true}}))
        .send()
        .await
        .expect("resolve");
    assert_eq!(resp.status(), 200, "resolve");
    let _ = resp.bytes().await;
}

/// Reads a raw event stream until a complete `intent.completed` frame; returns that moment.
async fn raw_completed(resp: reqwest::Response) -> Instant {
    let mut body = resp.bytes_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = body.next().await {
        buf.extend_from_slice(&chunk.expect("stream chunk"));
        let text = String::from_utf8_lossy(&buf);
        if let Some(at) = text.find("event: intent.completed\n") {
            if text[at..].contains("\n\n") {
                return Instant::now();
            }
        }
    }
    panic!("stream ended without intent.completed");
}

/// Sorted samples and total time per side: core, bare, bare with the core's headers.
struct RoundTrips {
    samples: [Vec<Duration>; 3],
    elapsed: [Duration; 3],
}

async fn round_trips(
    client: &Client,
    http: &reqwest::Client,
    server: &Server,
    samples: usize,
    warmup: usize,
    block: usize,
) -> RoundTrips {
    let none = CallOptions::default();
    let id = client.send_intent(intent(0), &none).await.expect("create");
    for _ in 0..warmup {
        client.get_intent(&id, &none).await.expect("core get");
        bare_get(http, server, &id, false).await;
        bare_get(http, server, &id, true).await;
    }
    let mut r = RoundTrips {
        samples: [(); 3].map(|_| Vec::with_capacity(samples)),
        elapsed: [Duration::ZERO; 3],
    };
    let mut round = 0;
    while r.samples[0].len() < samples {
        let n = block.min(samples - r.samples[0].len());
        // Rotate which side goes first in each round.
        for k in 0..3 {
            let side = (round + k) % 3;
            let block_start = Instant::now();
            for _ in 0..n {
                let t = Instant::now();
                let v = match side {
                    0 => client.get_intent(&id, &none).await.expect("core get"),
                    1 => bare_get(http, server, &id, false).await,
                    _ => bare_get(http, server, &id, true).await,
                };
                r.samples[side].push(t.elapsed());
                std::hint::black_box(v);
            }
            r.elapsed[side] += block_start.elapsed();
        }
        round += 1;
    }
    for s in &mut r.samples {
        s.sort();
    }
    r
}

struct Wakeups {
    core: Vec<Duration>,
    raw: Vec<Duration>,
    acks: Vec<Duration>,
}

async fn wakeups(
    client: &Client,
    http: &reqwest::Client,
    observer: &reqwest::Client,
    server: &Server,
    samples: usize,
    park: Duration,
) -> Wakeups {
    let none = CallOptions::default();
    let mut w = Wakeups {
        core: Vec::with_capacity(samples),
        raw: Vec::with_capacity(samples),
        acks: Vec::with_capacity(samples * 2),
    };
    let warmup = 20;
    for n in 0..(samples + warmup) * 2 {
        let id = client
            .send_intent(intent(n as u64), &none)
            .await
            .expect("create");
        let core_side = n % 2 == 0;
        let waiter = if core_side {
            let c = client.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let ev = c
                    .wait_for(&id, Some(Duration::from_secs(30)))
                    .await
                    .expect("wait_for");
                let at = Instant::now();
                assert_eq!(ev["event_type"], "intent.completed");
                at
            })
        } else {
            let resp = observer
                .get(format!(
                    "{}/v1/intents/{id}/events/stream?since=3&wait_seconds=60",
                    server.base
                ))
                .header("x-api-key", &server.key)
                .send()
                .await
                .expect("open stream");
            assert_eq!(resp.status(), 200);
            tokio::spawn(raw_completed(resp))
        };
        tokio::time::sleep(park).await;
        let started = Instant::now();
        resolve(http, server, &id).await;
        let ack = started.elapsed();
        let arrived = tokio::time::timeout(Duration::from_secs(30), waiter)
            .await
            .expect("woken within 30 s")
            .expect("waiter task");
        if n >= warmup * 2 {
            let d = arrived.saturating_duration_since(started);
            if core_side {
                w.core.push(d);
            } else {
                w.raw.push(d);
            }
            w.acks.push(ack);
        }
    }
    w.core.sort();
    w.raw.sort();
    w.acks.sort();
    w
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("client_overhead: benchmark skipped (run it with `cargo bench -p axme-core --bench client_overhead`)");
        return;
    }
    let samples: usize = env_number("AXME_BENCH_SAMPLES", 4000);
    let warmup: usize = env_number("AXME_BENCH_WARMUP", 400);
    let block: usize = env_number("AXME_BENCH_BLOCK", 200).max(1);
    let wake_samples: usize = env_number("AXME_BENCH_WAKEUPS", 400);
    let park = Duration::from_millis(env_number("AXME_BENCH_PARK_MS", 5));

    println!("== axme-core: client overhead against the reference server ==");
    println!("{}", machine());
    println!("load average at start: {}", loadavg());
    let server = Server::start();
    println!(
        "server: axme-server in-process (own runtime, 2 workers, SQLite in a temp dir) at {}",
        server.base
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("client runtime");
    let client = Client::new(Config {
        base_url: Some(server.base.clone()),
        api_key: Some(server.key.clone()),
        ..Config::default()
    })
    .expect("core client");
    let bare = || {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .build()
            .expect("bare client")
    };
    let (http, writer, observer) = (bare(), bare(), bare());

    let started = Instant::now();
    let rts = rt.block_on(round_trips(&client, &http, &server, samples, warmup, block));
    let [core, bare, bare_hdrs] = &rts.samples;
    println!();
    println!(
        "-- get_intent round trips: {samples} sequential per client after {warmup} warm-up each, \
         rotating blocks of {block}; ratio = axme-core / column --"
    );
    print!(
        "{}",
        table(
            &["axme-core", "bare reqwest", "bare + core hdrs"],
            &[core, bare, bare_hdrs]
        )
    );
    let rate = |i: usize| rts.samples[i].len() as f64 / rts.elapsed[i].as_secs_f64().max(1e-9);
    println!(
        "  {:<8}{:>16.0}/s{:>16.0}/s{:>8}{:>16.0}/s",
        "rate",
        rate(0),
        rate(1),
        "",
        rate(2)
    );
    let p50_ratio =
        percentile(core, 50.0).as_secs_f64() / percentile(bare, 50.0).as_secs_f64().max(1e-12);
    let mean_ratio = mean(core).as_secs_f64() / mean(bare).as_secs_f64().max(1e-12);
    let met = p50_ratio <= 1.10 && mean_ratio <= 1.10;
    println!(
        "  target: core within 10 % of bare reqwest -> p50 x{p50_ratio:.3}, mean x{mean_ratio:.3}: {}",
        if met { "MET" } else { "MISSED" }
    );
    println!("  load average after round trips: {}", loadavg());

    let wk = rt.block_on(wakeups(
        &client,
        &writer,
        &observer,
        &server,
        wake_samples,
        park,
    ));
    println!();
    println!(
        "-- resolve -> wake-up: {wake_samples} samples per waiter (alternating) after 20 warm-up each; \
         waiter parked {} ms; clock from just before POST resolve to the terminal event in hand --",
        park.as_millis()
    );
    print!(
        "{}",
        table(&["core wait_for", "raw SSE read"], &[&wk.core, &wk.raw])
    );
    println!(
        "  resolve acknowledged: p50 {}, p99 {}",
        ms(percentile(&wk.acks, 50.0)),
        ms(percentile(&wk.acks, 99.0))
    );
    let p50 = percentile(&wk.core, 50.0);
    println!(
        "  target: wait_for wake-up p50 <= 2 ms -> {}: {}",
        ms(p50),
        if p50 <= Duration::from_millis(2) {
            "MET"
        } else {
            "MISSED"
        }
    );
    println!(
        "load average at end: {} (run took {:.0} s)",
        loadavg(),
        started.elapsed().as_secs_f64()
    );
    drop(rt);
    drop(server);
}
