//! 10,000 concurrent idle SSE streams inside one window: the server's resident memory per stream.
//!
//! The server is the `axme-server` binary in its own process, so its VmRSS (from /proc/<pid>/status) is
//! the server's alone. The bench creates one intent per stream, waits for the server to settle and
//! reads VmRSS; then opens one stream per intent (`GET /v1/intents/{id}/events/stream?since=3&wait_seconds=60`,
//! each on its own connection, at most 256 opening at a time), checks on `GET /metrics` that the server
//! holds them all open, reads VmRSS again and divides the growth by the count. It then closes them and
//! reads VmRSS once more. Everything stays on 127.0.0.1.
//!
//! Needs a file-descriptor limit above the stream count in both processes (the server inherits it):
//! `./dev bench` runs it under `ulimit -n`.
//!
//! `cargo bench -p axme-server --bench sse_idle_streams`; tunables: `AXME_BENCH_STREAMS` (10000),
//! `AXME_SERVER_BIN`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Server;
use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const WINDOW_SECONDS: u64 = 60;

fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Max open files")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Median of a few VmRSS readings a little apart, in KiB.
async fn settled_rss(server: &Server) -> u64 {
    let mut readings = Vec::new();
    for _ in 0..5 {
        readings.push(server.rss_kib());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    readings.sort();
    readings[readings.len() / 2]
}

/// TCP memory of the whole machine (both ends of every socket), in KiB, from /proc/net/sockstat.
fn tcp_kernel_kib() -> u64 {
    std::fs::read_to_string("/proc/net/sockstat")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("TCP:")?;
            let words: Vec<&str> = rest.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "mem")?;
            words.get(at + 1)?.parse::<u64>().ok()
        })
        .map(|pages| pages * 4)
        .unwrap_or(0)
}

async fn gauge(http: &reqwest::Client, server: &Server) -> u64 {
    common::metric(
        &common::scrape(http, &server.base).await,
        "axme_sse_open_streams",
    ) as u64
}

fn main() {
    if !common::invoked_by_cargo_bench("sse_idle_streams") {
        return;
    }
    let count: u64 = common::env_number("AXME_BENCH_STREAMS", 10_000);
    let limit = open_files_limit();
    if limit < count + 1024 {
        eprintln!(
            "sse_idle_streams: the open-files limit is {limit}, too low for {count} streams; \
             run under `ulimit -n {}` (./dev bench does)",
            count + 2048
        );
        std::process::exit(2);
    }
    println!("== {count} concurrent idle SSE streams: server memory per stream ==");
    println!("{}", common::machine(None));
    println!(
        "method: one intent per stream, then GET /v1/intents/{{id}}/events/stream?since=3&wait_seconds={WINDOW_SECONDS} \
         on its own connection (<= 256 opening at a time), all inside one window; server VmRSS (median of 5 \
         readings) before and after; open-files limit {limit}; server = {} (separate process, group commit)",
        common::server_binary().display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(count));
}

async fn run(count: u64) {
    let server = Arc::new(Server::start(axme_server::store::sqlite::DEFAULT_MAX_BATCH));
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    // One intent per stream, 64 at a time.
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(count as usize)));
    let mut creators = Vec::new();
    for _ in 0..64 {
        let (http, server, next, ids) = (http.clone(), server.clone(), next.clone(), ids.clone());
        creators.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let id = common::create_intent(&http, &server, n).await;
                ids.lock().expect("ids").push(id);
            }
        }));
    }
    for creator in creators {
        creator.await.expect("creator");
    }
    let ids: Vec<String> = std::mem::take(&mut *ids.lock().expect("ids"));
    println!(
        "created {} intents in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = settled_rss(&server).await;
    let threads_before = server.threads();
    let tcp_before = tcp_kernel_kib();

    // Open every stream and keep it open, reading whatever comes (heartbeats), until told to stop.
    let stop = CancellationToken::new();
    let opening = Arc::new(Semaphore::new(256));
    let opened = Arc::new(AtomicU64::new(0));
    let ended_early = Arc::new(AtomicU64::new(0));
    let streams = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .expect("stream client");
    let window_opened = Instant::now();
    let mut holders = Vec::with_capacity(ids.len());
    for id in &ids {
        let permit = opening.clone().acquire_owned().await.expect("semaphore");
        let (streams, server, stop, opened, ended_early) = (
            streams.clone(),
            server.clone(),
            stop.clone(),
            opened.clone(),
            ended_early.clone(),
        );
        let url = format!(
            "{}/v1/intents/{id}/events/stream?since=3&wait_seconds={WINDOW_SECONDS}",
            server.base
        );
        holders.push(tokio::spawn(async move {
            let response = streams
                .get(url)
                .header("x-api-key", &server.key)
                .send()
                .await
                .expect("open stream");
            assert_eq!(response.status(), 200, "stream");
            drop(permit);
            opened.fetch_add(1, Ordering::Relaxed);
            let mut body = response.bytes_stream();
            loop {
                tokio::select! {
                    chunk = body.next() => match chunk {
                        Some(Ok(_)) => continue,
                        _ => {
                            ended_early.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    },
                    _ = stop.cancelled() => break,
                }
            }
        }));
    }
    while opened.load(Ordering::Relaxed) < count {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open_time = window_opened.elapsed();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut server_open = gauge(&http, &server).await;
    while server_open < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        server_open = gauge(&http, &server).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_open = settled_rss(&server).await;
    let threads_open = server.threads();
    let tcp_open = tcp_kernel_kib();
    let server_open_at_reading = gauge(&http, &server).await;
    let measured_at = window_opened.elapsed();
    let early = ended_early.load(Ordering::Relaxed);

    stop.cancel();
    for holder in holders {
        let _ = holder.await;
    }
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut left = gauge(&http, &server).await;
    while left > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = gauge(&http, &server).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_closed = settled_rss(&server).await;

    let per_stream = (rss_open.saturating_sub(rss_before)) as f64 * 1024.0 / count as f64;
    println!();
    println!(
        "  streams opened (client)                {count} in {:.2} s",
        open_time.as_secs_f64()
    );
    println!("  streams open (server gauge) at reading {server_open_at_reading} ({:.1} s into the {WINDOW_SECONDS} s window; {early} ended early)", measured_at.as_secs_f64());
    println!(
        "  server VmRSS before                    {rss_before} KiB ({threads_before} threads)"
    );
    println!("  server VmRSS with the streams open     {rss_open} KiB ({threads_open} threads)");
    println!("  server VmRSS after closing them        {rss_closed} KiB ({left} still open)");
    println!(
        "  resident memory per stream             {:.0} bytes ({:.1} KiB)",
        per_stream,
        per_stream / 1024.0
    );
    println!(
        "  kernel TCP buffers, both ends          {} KiB -> {} KiB ({:.1} KiB per connection pair; not in RSS)",
        tcp_before,
        tcp_open,
        tcp_open.saturating_sub(tcp_before) as f64 / count as f64
    );
    println!("load average at end: {}", common::loadavg());
    let all_open = server_open_at_reading >= count
        && early == 0
        && measured_at < Duration::from_secs(WINDOW_SECONDS);
    println!(
        "target: {count} concurrent idle streams inside one window -> {}; {:.1} KiB resident per stream",
        if all_open { "MET (all open at the reading)" } else { "MISSED (not all open at the reading)" },
        per_stream / 1024.0
    );
    match Arc::try_unwrap(server) {
        Ok(server) => server.stop(),
        Err(_) => eprintln!("server still shared; it is killed on exit"),
    }
}
