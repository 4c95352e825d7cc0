//! Create-intent throughput and latency with 64 concurrent clients, against the `axme-server` binary
//! as a separate process, durable writes (SQLite WAL, synchronous=FULL). Runs the same load twice on
//! fresh data dirs: with group commit (the default batch limit) and with one request per transaction
//! (`--commit-batch-max 1`), and prints them side by side.
//!
//! Each client is a reqwest client with its own keep-alive connection, sending `POST /v1/intents` with a
//! fresh time-ordered `Idempotency-Key` (what the SDKs do by default) back to back. Latency is from before the send
//! to the end of the response body. Requests that start in the warm-up or end after the measured
//! window are not counted.
//!
//! `cargo bench -p axme-server --bench create_throughput`; tunables: `AXME_BENCH_CLIENTS` (64),
//! `AXME_BENCH_WARMUP_SECONDS` (3), `AXME_BENCH_SECONDS` (10), `AXME_BENCH_IDEMPOTENCY` (1: time-ordered UUIDv7 keys as the SDKs mint them; 2: random UUIDv4
//! keys; 0: no key),
//! `AXME_SERVER_BIN`.

mod common;

use std::time::{Duration, Instant};

use common::{ms, percentile, Server};

const TARGET_PER_SECOND: f64 = 10_000.0;
const TARGET_P99: Duration = Duration::from_millis(20);

struct Outcome {
    label: String,
    intents_per_second: f64,
    latencies: Vec<Duration>,
    errors: u64,
    commits_per_second: f64,
    mean_batch: f64,
    server_cpu_per_intent: Duration,
    client_cpu_per_intent: Duration,
    server_cpu_share: f64,
    client_cpu_share: f64,
    storage_bytes_per_intent: f64,
}

/// Which `Idempotency-Key` each request carries.
#[derive(Clone, Copy)]
enum Keys {
    None,
    /// UUIDv7, what this project's SDKs mint (`axme_core::request::new_idempotency_key`).
    TimeOrdered,
    /// UUIDv4, what many other clients send.
    Random,
}

fn time_ordered_key() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
        .into_uuid()
        .to_string()
}

struct WorkerResult {
    latencies: Vec<Duration>,
    errors: u64,
}

async fn worker(
    client: reqwest::Client,
    url: String,
    key: String,
    idempotency: Keys,
    measure_start: Instant,
    measure_end: Instant,
    id: u64,
) -> WorkerResult {
    let body = serde_json::to_vec(&common::intent_body(id)).expect("body");
    let mut result = WorkerResult {
        latencies: Vec::with_capacity(1 << 16),
        errors: 0,
    };
    loop {
        let started = Instant::now();
        if started >= measure_end {
            break;
        }
        let mut request = client
            .post(&url)
            .header("x-api-key", &key)
            .header("content-type", "application/json")
            .body(body.clone());
        match idempotency {
            Keys::None => {}
            Keys::TimeOrdered => request = request.header("idempotency-key", time_ordered_key()),
            Keys::Random => {
                request = request.header("idempotency-key", uuid::Uuid::new_v4().to_string())
            }
        }
        let ok = match request.send().await {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.is_ok() && status == 200
            }
            Err(_) => false,
        };
        let elapsed = started.elapsed();
        let counted = started >= measure_start && started + elapsed <= measure_end;
        if !ok {
            if counted {
                result.errors += 1;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        } else if counted {
            result.latencies.push(elapsed);
        }
    }
    result
}

async fn run(
    max_batch: usize,
    label: &str,
    clients: usize,
    warmup: Duration,
    measured: Duration,
    idempotency: Keys,
) -> Outcome {
    let server = Server::start(max_batch);
    let http = reqwest::Client::new();
    let url = format!("{}/v1/intents", server.base);
    let begin = Instant::now();
    let measure_start = begin + warmup;
    let measure_end = measure_start + measured;
    let mut tasks = Vec::with_capacity(clients);
    for id in 0..clients {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        tasks.push(tokio::spawn(worker(
            client,
            url.clone(),
            server.key.clone(),
            idempotency,
            measure_start,
            measure_end,
            id as u64,
        )));
    }
    tokio::time::sleep_until(measure_start.into()).await;
    let metrics_before = common::scrape(&http, &server.base).await;
    let (server_cpu_before, client_cpu_before, written_before) =
        (server.cpu(), common::own_cpu(), server.storage_written());
    tokio::time::sleep_until(measure_end.into()).await;
    let metrics_after = common::scrape(&http, &server.base).await;
    let (server_cpu, client_cpu) = (
        server.cpu() - server_cpu_before,
        common::own_cpu() - client_cpu_before,
    );
    let written = server.storage_written().saturating_sub(written_before);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let result = task.await.expect("worker");
        latencies.extend(result.latencies);
        errors += result.errors;
    }
    latencies.sort();
    let count = latencies.len().max(1) as f64;
    let batches = common::metric(&metrics_after, "axme_store_commit_batch_size_count")
        - common::metric(&metrics_before, "axme_store_commit_batch_size_count");
    let batched = common::metric(&metrics_after, "axme_store_commit_batch_size_sum")
        - common::metric(&metrics_before, "axme_store_commit_batch_size_sum");
    server.stop();
    Outcome {
        label: label.to_string(),
        intents_per_second: latencies.len() as f64 / measured.as_secs_f64(),
        errors,
        commits_per_second: batches / measured.as_secs_f64(),
        mean_batch: if batches > 0.0 {
            batched / batches
        } else {
            0.0
        },
        server_cpu_per_intent: server_cpu.div_f64(count),
        client_cpu_per_intent: client_cpu.div_f64(count),
        server_cpu_share: server_cpu.as_secs_f64() / measured.as_secs_f64(),
        client_cpu_share: client_cpu.as_secs_f64() / measured.as_secs_f64(),
        storage_bytes_per_intent: written as f64 / count,
        latencies,
    }
}

fn row(name: &str, outcomes: &[Outcome], value: impl Fn(&Outcome) -> String) {
    print!("  {name:<38}");
    for outcome in outcomes {
        print!("{:>34}", value(outcome));
    }
    println!();
}

fn main() {
    if !common::invoked_by_cargo_bench("create_throughput") {
        return;
    }
    let clients: usize = common::env_number("AXME_BENCH_CLIENTS", 64);
    let warmup = Duration::from_secs(common::env_number("AXME_BENCH_WARMUP_SECONDS", 3));
    let measured = Duration::from_secs(common::env_number("AXME_BENCH_SECONDS", 10));
    let idempotency = match common::env_number("AXME_BENCH_IDEMPOTENCY", 1) {
        0 => Keys::None,
        2 => Keys::Random,
        _ => Keys::TimeOrdered,
    };
    let probe_dir = tempfile::tempdir().expect("probe dir");
    println!("== create-intent throughput ==");
    println!("{}", common::machine(Some(probe_dir.path())));
    println!(
        "load: {clients} concurrent clients (one keep-alive connection each), POST /v1/intents back to back{}, \
         {} s warm-up then {} s measured; server = {} (separate process, durable: WAL + synchronous=FULL)",
        match idempotency {
            Keys::TimeOrdered => " with a fresh time-ordered (UUIDv7) Idempotency-Key each, as the SDKs mint them",
            Keys::Random => " with a fresh random (UUIDv4) Idempotency-Key each",
            Keys::None => " without Idempotency-Key",
        },
        warmup.as_secs(),
        measured.as_secs(),
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
            clients,
            warmup,
            measured,
            idempotency,
        )
        .await;
        let single = run(
            1,
            "one per transaction (max 1)",
            clients,
            warmup,
            measured,
            idempotency,
        )
        .await;
        vec![grouped, single]
    });
    println!();
    row("", &outcomes, |o| o.label.clone());
    row("intents/s", &outcomes, |o| {
        format!("{:.0}", o.intents_per_second)
    });
    row("latency p50", &outcomes, |o| {
        ms(percentile(&o.latencies, 50.0))
    });
    row("latency p90", &outcomes, |o| {
        ms(percentile(&o.latencies, 90.0))
    });
    row("latency p99", &outcomes, |o| {
        ms(percentile(&o.latencies, 99.0))
    });
    row("latency p99.9", &outcomes, |o| {
        ms(percentile(&o.latencies, 99.9))
    });
    row("latency max", &outcomes, |o| {
        ms(o.latencies.last().copied().unwrap_or_default())
    });
    row("requests measured / errors", &outcomes, |o| {
        format!("{} / {}", o.latencies.len(), o.errors)
    });
    row("commits/s", &outcomes, |o| {
        format!("{:.0}", o.commits_per_second)
    });
    row("mean writes per commit", &outcomes, |o| {
        format!("{:.1}", o.mean_batch)
    });
    row("storage written per intent", &outcomes, |o| {
        format!("{:.1} KiB", o.storage_bytes_per_intent / 1024.0)
    });
    row("server CPU per intent", &outcomes, |o| {
        format!("{:.0} µs", o.server_cpu_per_intent.as_secs_f64() * 1e6)
    });
    row("load generator CPU per intent", &outcomes, |o| {
        format!("{:.0} µs", o.client_cpu_per_intent.as_secs_f64() * 1e6)
    });
    row("server / load generator CPU (cores)", &outcomes, |o| {
        format!("{:.2} / {:.2}", o.server_cpu_share, o.client_cpu_share)
    });
    println!("load average at end: {}", common::loadavg());
    let grouped = &outcomes[0];
    let p99 = percentile(&grouped.latencies, 99.0);
    let met =
        grouped.intents_per_second >= TARGET_PER_SECOND && p99 <= TARGET_P99 && grouped.errors == 0;
    println!(
        "target (group commit): >= {TARGET_PER_SECOND:.0} intents/s with p99 <= {} -> {:.0} intents/s, p99 {}: {}",
        ms(TARGET_P99),
        grouped.intents_per_second,
        ms(p99),
        if met { "MET" } else { "MISSED" }
    );
    if outcomes[1].intents_per_second > 0.0 {
        println!(
            "group commit / one per transaction: {:.1}x the throughput",
            grouped.intents_per_second / outcomes[1].intents_per_second
        );
    }
}
