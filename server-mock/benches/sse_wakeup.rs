//! Resolve → open SSE observer wake-up latency, against the `axme-server` binary as a separate process.
//!
//! Each sample, one after another: create an intent; open its event stream
//! (`GET /v1/intents/{id}/events/stream?since=3&wait_seconds=60`) on an observer connection and wait for
//! the response head plus a short pause so the stream is parked waiting; then take the time, send
//! `POST /v1/intents/{id}/resolve` (COMPLETED) on another connection, and stop the clock when the
//! observer has received the whole `intent.completed` frame. The resolve's own round trip (its durable
//! acknowledgement) is reported beside it. Runs with group commit and with one request per transaction.
//!
//! `cargo bench -p axme-server --bench sse_wakeup`; tunables: `AXME_BENCH_SAMPLES` (2000),
//! `AXME_BENCH_WARMUP_SAMPLES` (100), `AXME_BENCH_PARK_MS` (5), `AXME_SERVER_BIN`.

mod common;

use std::time::{Duration, Instant};

use common::{ms, percentile, Server};
use futures_util::StreamExt;
use serde_json::json;

const TARGET_P50: Duration = Duration::from_millis(2);
const TARGET_P99: Duration = Duration::from_millis(10);

struct Outcome {
    label: String,
    wakeups: Vec<Duration>,
    acks: Vec<Duration>,
    /// Frame arrival minus the end of the resolve response, in ms (negative: the frame came first).
    frame_after_ack: Vec<f64>,
}

/// Reads an event stream until a complete `intent.completed` frame has arrived; returns that moment.
async fn completed_frame(response: reqwest::Response) -> Option<Instant> {
    let mut stream = response.bytes_stream();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        buffer.extend_from_slice(&chunk.ok()?);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(at) = text.find("event: intent.completed\n") {
            if text[at..].contains("\n\n") {
                return Some(Instant::now());
            }
        }
    }
    None
}

async fn run(
    max_batch: usize,
    label: &str,
    samples: usize,
    warmup: usize,
    park: Duration,
) -> Outcome {
    let server = Server::start(max_batch);
    let writer = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let observer = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let mut outcome = Outcome {
        label: label.to_string(),
        wakeups: Vec::with_capacity(samples),
        acks: Vec::with_capacity(samples),
        frame_after_ack: Vec::with_capacity(samples),
    };
    for n in 0..warmup + samples {
        let id = common::create_intent(&writer, &server, n as u64).await;
        let stream = observer
            .get(format!(
                "{}/v1/intents/{id}/events/stream?since=3&wait_seconds=60",
                server.base
            ))
            .header("x-api-key", &server.key)
            .send()
            .await
            .expect("open stream");
        assert_eq!(stream.status(), 200, "stream");
        let watcher = tokio::spawn(completed_frame(stream));
        tokio::time::sleep(park).await;
        let started = Instant::now();
        let resolved = writer
            .post(format!("{}/v1/intents/{id}/resolve", server.base))
            .header("x-api-key", &server.key)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"status": "COMPLETED", "result": {"ok": true, "n": n}}))
            .send()
            .await
            .expect("resolve");
        assert_eq!(resolved.status(), 200, "resolve");
        let _ = resolved.bytes().await.expect("resolve body");
        let ack = started.elapsed();
        let arrived = tokio::time::timeout(Duration::from_secs(30), watcher)
            .await
            .expect("the observer was not woken within 30 s")
            .expect("observer task")
            .expect("the stream ended without intent.completed");
        if n >= warmup {
            outcome
                .wakeups
                .push(arrived.saturating_duration_since(started));
            outcome.acks.push(ack);
            let acked = started + ack;
            outcome.frame_after_ack.push(if arrived >= acked {
                (arrived - acked).as_secs_f64() * 1e3
            } else {
                -(acked - arrived).as_secs_f64() * 1e3
            });
        }
    }
    server.stop();
    outcome.wakeups.sort();
    outcome.acks.sort();
    outcome.frame_after_ack.sort_by(f64::total_cmp);
    outcome
}

fn row(name: &str, outcomes: &[Outcome], value: impl Fn(&Outcome) -> String) {
    print!("  {name:<40}");
    for outcome in outcomes {
        print!("{:>32}", value(outcome));
    }
    println!();
}

fn main() {
    if !common::invoked_by_cargo_bench("sse_wakeup") {
        return;
    }
    let samples: usize = common::env_number("AXME_BENCH_SAMPLES", 2000);
    let warmup: usize = common::env_number("AXME_BENCH_WARMUP_SAMPLES", 100);
    let park = Duration::from_millis(common::env_number("AXME_BENCH_PARK_MS", 5));
    let probe_dir = tempfile::tempdir().expect("probe dir");
    println!("== resolve -> SSE observer wake-up ==");
    println!("{}", common::machine(Some(probe_dir.path())));
    println!(
        "method: {samples} sequential samples after {warmup} warm-up ones; observer parked {} ms on \
         GET /v1/intents/{{id}}/events/stream?since=3&wait_seconds=60; clock from just before POST .../resolve \
         to the complete intent.completed frame at the observer; server = {} (separate process)",
        park.as_millis(),
        common::server_binary().display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let default_batch = axme_server::store::sqlite::DEFAULT_MAX_BATCH;
    let outcomes = runtime.block_on(async {
        let grouped = run(
            default_batch,
            &format!("group commit (max {default_batch})"),
            samples,
            warmup,
            park,
        )
        .await;
        let single = run(1, "one per transaction (max 1)", samples, warmup, park).await;
        vec![grouped, single]
    });
    println!();
    row("", &outcomes, |o| o.label.clone());
    for (name, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9)] {
        row(&format!("wake-up {name}"), &outcomes, |o| {
            ms(percentile(&o.wakeups, p))
        });
    }
    row("wake-up max", &outcomes, |o| {
        ms(o.wakeups.last().copied().unwrap_or_default())
    });
    row("resolve acknowledged p50 / p99", &outcomes, |o| {
        format!(
            "{} / {}",
            ms(percentile(&o.acks, 50.0)),
            ms(percentile(&o.acks, 99.0))
        )
    });
    row("frame after resolve response p50 / p99", &outcomes, |o| {
        let at = |p: f64| {
            let rank = ((p / 100.0) * o.frame_after_ack.len() as f64).ceil() as usize;
            o.frame_after_ack[rank.clamp(1, o.frame_after_ack.len()) - 1]
        };
        format!("{:+.3} / {:+.3} ms", at(50.0), at(99.0))
    });
    println!("load average at end: {}", common::loadavg());
    let grouped = &outcomes[0];
    let (p50, p99) = (
        percentile(&grouped.wakeups, 50.0),
        percentile(&grouped.wakeups, 99.0),
    );
    let met = p50 <= TARGET_P50 && p99 <= TARGET_P99;
    println!(
        "target (group commit): p50 <= {} and p99 <= {} -> p50 {}, p99 {}: {}",
        ms(TARGET_P50),
        ms(TARGET_P99),
        ms(p50),
        ms(p99),
        if met { "MET" } else { "MISSED" }
    );
}
