//! Durability: the data-dir lock, restarts that keep everything acknowledged, graceful shutdown, a crash
//! test with the real binary killed by SIGKILL while clients write, and the idempotency purge.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axme_server::{start, RunningServer, ServerConfig};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::faults::{parse_sse, raw_send, RawStream, WireEvent};
use crate::support::{intent_body, Api, TestServer};

async fn start_on(
    dir: &Path,
    configure: impl FnOnce(&mut ServerConfig),
) -> anyhow::Result<RunningServer> {
    let mut config = ServerConfig::new(dir);
    config.listen = "127.0.0.1:0".into();
    configure(&mut config);
    start(config).await
}

fn api_for(server: &RunningServer) -> Api {
    Api::new(
        &server.base_url(),
        &server.dev_api_key().expect("dev-api-key"),
    )
}

fn seqs_of(events: &[Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["seq"].as_i64()).collect()
}

/// Every intent visible to `api`, paging with `next_cursor`.
async fn all_intents(api: &Api) -> Vec<Value> {
    let mut intents = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/intents?limit=200&cursor={c}"),
            None => "/v1/intents?limit=200".to_string(),
        };
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        intents.extend(page.body["intents"].as_array().cloned().unwrap_or_default());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return intents,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The lock and restarts
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn data_dir_lock_refuses_a_second_server_and_a_restart_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = start_on(dir.path(), |_| {})
        .await
        .expect("first server starts");
    let dev_key = first
        .new_dev_api_key
        .clone()
        .expect("first start creates the dev key");
    let api = api_for(&first);
    assert_eq!(api.key, dev_key);

    let refused = start_on(dir.path(), |_| {})
        .await
        .expect_err("a second server on the same data dir must fail");
    let message = format!("{refused:#}");
    assert!(
        message.contains("in use") && message.contains("lock"),
        "{message}"
    );
    assert!(
        message.contains(&dir.path().display().to_string()),
        "names the data dir: {message}"
    );
    // The refused start disturbed nothing: the first server still serves and still owns server-addr.
    assert_eq!(api.get("/health").await.status, 200);
    let addr_file = std::fs::read_to_string(dir.path().join("server-addr")).expect("server-addr");
    assert_eq!(addr_file.trim(), first.base_url());

    // a: finished (4 events); b: read partly over SSE, then finished; c: created with an idempotency key.
    let a = api.create().await;
    assert_eq!(api.resolve(&a, "COMPLETED").await.status, 200);
    let b = api.create().await;
    let partial = api
        .sse_until(
            &format!("/v1/intents/{b}/events/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.id == Some(2),
        )
        .await;
    let seen_before = partial.seqs();
    assert_eq!(seen_before[..2], [1, 2], "{:?}", partial.raw);
    let last_seen = *seen_before.last().expect("a seq");
    assert_eq!(api.resolve(&b, "FAILED").await.status, 200);
    let c_body = intent_body("agent://tests/restart");
    let c = api
        .call(
            Method::POST,
            "/v1/intents",
            Some(c_body.clone()),
            &[("Idempotency-Key", "restart-c")],
        )
        .await;
    assert_eq!(c.status, 200);
    let c_id = c.body["intent_id"].as_str().expect("intent_id").to_string();
    let before: Vec<(String, Vec<Value>)> = vec![
        (a.clone(), api.events(&a, 0).await),
        (b.clone(), api.events(&b, 0).await),
        (c_id.clone(), api.events(&c_id, 0).await),
    ];
    let intents_before = all_intents(&api).await;

    first.shutdown().await;
    assert!(
        !dir.path().join("server-addr").exists(),
        "a stopped server removes server-addr"
    );

    let second = start_on(dir.path(), |_| {})
        .await
        .expect("the lock is released by shutdown");
    assert!(
        second.new_dev_api_key.is_none(),
        "the dev credential is kept"
    );
    let api = api_for(&second);
    assert_eq!(api.key, dev_key);
    assert_eq!(
        all_intents(&api).await,
        intents_before,
        "every intent, as it was"
    );
    for (intent_id, events) in &before {
        assert_eq!(
            &api.events(intent_id, 0).await,
            events,
            "events of {intent_id} intact"
        );
    }
    assert_eq!(seqs_of(&before[0].1), vec![1, 2, 3, 4]);
    assert_eq!(seqs_of(&before[1].1), vec![1, 2, 3, 4]);
    assert_eq!(seqs_of(&before[2].1), vec![1, 2, 3]);

    // SSE resume by `since` and by Last-Event-ID after the restart: the rest, no gap, no duplicate.
    let rest = api
        .sse(
            &format!("/v1/intents/{b}/events/stream?since={last_seen}&wait_seconds=30"),
            &[],
        )
        .await;
    let mut all: Vec<i64> = seen_before.clone();
    all.extend(rest.seqs());
    assert_eq!(all, vec![1, 2, 3, 4], "{:?}", rest.raw);
    assert!(
        rest.timeout().is_none(),
        "the terminal event closes the stream"
    );
    let by_header = api
        .sse(
            &format!("/v1/intents/{b}/events/stream?wait_seconds=30"),
            &[("Last-Event-ID", "2")],
        )
        .await;
    assert_eq!(by_header.seqs(), vec![3, 4]);

    // The idempotency record survived too.
    let replay = api
        .call(
            Method::POST,
            "/v1/intents",
            Some(c_body),
            &[("Idempotency-Key", "restart-c")],
        )
        .await;
    assert_eq!(replay.status, 200);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body["intent_id"], c_id.as_str());

    // New writes continue normally.
    let d = api.create().await;
    assert_eq!(seqs_of(&api.events(&d, 0).await), vec![1, 2, 3]);
    assert_eq!(all_intents(&api).await.len(), 4);
    second.shutdown().await;
    start_on(dir.path(), |_| {})
        .await
        .expect("and again")
        .shutdown()
        .await;
}

// ---------------------------------------------------------------------------------------------------
// Graceful shutdown
// ---------------------------------------------------------------------------------------------------

/// Reads an SSE stream to its end; tells `opened` once `ready` events have arrived.
async fn read_stream(
    api: Api,
    path: String,
    ready: usize,
    opened: tokio::sync::oneshot::Sender<()>,
) -> RawStream {
    let resp = api
        .http
        .get(format!("{}{path}", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .expect("stream opened");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = resp.bytes_stream();
    let mut chunks = Vec::new();
    let mut aborted = false;
    let mut opened = Some(opened);
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => chunks.push(bytes),
            Err(_) => {
                aborted = true;
                break;
            }
        }
        if opened.is_some() && parse_sse(&chunks.concat()).events.len() >= ready {
            let _ = opened.take().map(|tx| tx.send(()));
        }
    }
    RawStream {
        status,
        headers,
        chunks,
        aborted,
    }
}

#[tokio::test]
async fn graceful_shutdown_ends_open_streams_with_stream_timeout_and_keeps_acknowledged_writes() {
    let mut ts =
        TestServer::start_with(|config| config.shutdown_grace = Duration::from_secs(30)).await;
    let api = ts.api();
    let watched = api.create().await;
    let listen_agent = "agent://tests/shutdown/listener";
    api.create_to(listen_agent).await;

    let (intent_open_tx, intent_open) = tokio::sync::oneshot::channel();
    let intent_stream = tokio::spawn(read_stream(
        api.clone(),
        format!("/v1/intents/{watched}/events/stream?since=0&wait_seconds=60"),
        3,
        intent_open_tx,
    ));
    let (listen_open_tx, listen_open) = tokio::sync::oneshot::channel();
    let listen_stream = tokio::spawn(read_stream(
        api.clone(),
        "/v1/agents/tests/shutdown/listener/intents/stream?since=0&wait_seconds=60".into(),
        1,
        listen_open_tx,
    ));
    intent_open
        .await
        .expect("intent stream delivered its backlog");
    listen_open
        .await
        .expect("listen stream delivered its backlog");

    // Writes acknowledged just before the shutdown.
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        acknowledged.push(api.create().await);
    }
    let resolved = acknowledged[0].clone();
    assert_eq!(api.resolve(&resolved, "CANCELED").await.status, 200);

    let server = ts.server.take().expect("running");
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(25), server.shutdown())
        .await
        .expect("shutdown completes without waiting for the stream windows");
    let took = started.elapsed();

    let intent_stream = intent_stream.await.expect("reader task");
    assert!(
        !intent_stream.aborted,
        "ended cleanly: {:?}",
        intent_stream.text()
    );
    let events = intent_stream.parsed().events;
    let seqs: Vec<i64> = events.iter().filter_map(|e| e.id).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    let last: &WireEvent = events.last().expect("frames");
    assert_eq!(last.event, "stream.timeout", "{events:?}");
    assert_eq!(last.data, json!({"ok": true, "next_seq": 3}));

    let listen_stream = listen_stream.await.expect("reader task");
    assert!(!listen_stream.aborted);
    let listen_events = listen_stream.parsed().events;
    let last = listen_events.last().expect("frames");
    assert_eq!(last.event, "stream.timeout", "{listen_events:?}");
    assert_eq!(last.data["next_seq"], listen_events[0].id.expect("cursor"));
    assert!(took < Duration::from_secs(20), "shutdown took {took:?}");

    assert!(!ts.dir.path().join("server-addr").exists());
    assert!(
        api.http
            .get(format!("{}/health", api.base))
            .send()
            .await
            .is_err(),
        "nothing listens any more"
    );

    let restarted = start_on(ts.dir.path(), |_| {})
        .await
        .expect("restart after a graceful shutdown");
    let api = api_for(&restarted);
    for intent_id in &acknowledged {
        let found = api.get(&format!("/v1/intents/{intent_id}")).await;
        assert_eq!(found.status, 200, "acknowledged intent {intent_id} is kept");
    }
    assert_eq!(
        api.get(&format!("/v1/intents/{resolved}")).await.body["intent"]["status"],
        "CANCELED"
    );
    assert_eq!(seqs_of(&api.events(&resolved, 0).await), vec![1, 2, 3, 4]);
    assert_eq!(all_intents(&api).await.len(), 7);
    restarted.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------
// The idempotency purge
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn expired_idempotency_keys_are_purged_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_on(dir.path(), |_| {}).await.expect("start");
    let api = api_for(&server);
    let key = [("Idempotency-Key", "purge-me")];
    let first_body = intent_body("agent://tests/purge");
    let mut other_body = intent_body("agent://tests/purge");
    other_body["payload"] = json!({"job": "different"});

    let first = api
        .call(Method::POST, "/v1/intents", Some(first_body.clone()), &key)
        .await;
    assert_eq!(first.status, 200);
    let first_id = first.body["intent_id"]
        .as_str()
        .expect("intent_id")
        .to_string();
    let reused = api
        .call(Method::POST, "/v1/intents", Some(other_body.clone()), &key)
        .await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.code(), "idempotency_key_reused");
    server.shutdown().await;

    // A default TTL keeps the key over a restart.
    let server = start_on(dir.path(), |_| {}).await.expect("restart");
    let api = api_for(&server);
    let kept = api
        .call(Method::POST, "/v1/intents", Some(first_body.clone()), &key)
        .await;
    assert_eq!(kept.header("idempotent-replayed"), Some("true"));
    assert_eq!(kept.body["intent_id"], first_id.as_str());
    server.shutdown().await;

    // With a zero TTL every record older than the start is expired, and the purge runs at start. It runs
    // in the background, so the key is refused until it has run: retry until it is gone (bounded).
    let server = start_on(dir.path(), |config| config.idempotency_ttl = Duration::ZERO)
        .await
        .expect("restart");
    let api = api_for(&server);
    let fresh = tokio::time::timeout(Duration::from_secs(20), async {
        let mut refused = 0;
        loop {
            let resp = api
                .call(Method::POST, "/v1/intents", Some(other_body.clone()), &key)
                .await;
            if resp.status != 409 {
                return (resp, refused);
            }
            assert_eq!(resp.code(), "idempotency_key_reused");
            refused += 1;
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the purge at start removes the expired key");
    let (fresh, _refused) = fresh;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(
        fresh.header("idempotent-replayed"),
        None,
        "a new intent, not a replay"
    );
    let fresh_id = fresh.body["intent_id"]
        .as_str()
        .expect("intent_id")
        .to_string();
    assert_ne!(fresh_id, first_id);
    assert_eq!(
        api.get(&format!("/v1/intents/{fresh_id}")).await.body["intent"]["payload"],
        json!({"job": "different"})
    );
    // The key now names the new request.
    let again = api
        .call(Method::POST, "/v1/intents", Some(other_body), &key)
        .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["intent_id"], fresh_id.as_str());
    assert_eq!(
        api.call(Method::POST, "/v1/intents", Some(first_body), &key)
            .await
            .status,
        409
    );
    assert_eq!(all_intents(&api).await.len(), 2);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------
// Crash test: the real binary, killed with SIGKILL while clients write
// ---------------------------------------------------------------------------------------------------

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 250;
/// Kill the server once this many creates have been acknowledged (spread over the run), then restart it.
const KILL_AFTER_ACKS: [usize; 5] = [250, 600, 950, 1300, 1650];

/// A server process; killed with SIGKILL when dropped (so a failing test leaves nothing running).
struct ServerProcess {
    child: std::process::Child,
    base: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `axme-server` on the data dir and waits for it to say where it listens.
    fn spawn(dir: &Path) -> ServerProcess {
        let addr_file = dir.join("server-addr");
        // A killed server leaves its server-addr behind; remove it so the new one is read, not the old.
        match std::fs::remove_file(&addr_file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("cannot remove {}: {e}", addr_file.display()),
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"))
            .arg("--data-dir")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--log", "error"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("axme-server starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        // The server prints `listening on http://...` once it is ready, after writing DIR/server-addr.
        let announced = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                }
                Some(Err(e)) => panic!("reading the server's stdout: {e}"),
                None => {
                    let status = child.wait().expect("wait");
                    panic!("axme-server exited before listening ({status})");
                }
            }
        };
        // Keep draining stdout so the server can never block on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let written = std::fs::read_to_string(&addr_file)
            .expect("server-addr is written before the server announces itself");
        assert_eq!(written.trim(), announced);
        ServerProcess {
            child,
            base: written.trim().to_string(),
        }
    }

    /// Kills with SIGKILL (`Child::kill` on unix) and reaps the process.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

/// Where clients send: the address of the current server process and its generation (one per start).
#[derive(Clone, Debug)]
struct Target {
    generation: u64,
    base: String,
}

#[derive(Default)]
struct Outcome {
    /// Key → intent_id of every acknowledged (200) create.
    acked: Mutex<HashMap<String, String>>,
    attempts: AtomicUsize,
    transport_errors: AtomicUsize,
    /// Acknowledgements that were replays: the write had been applied but its answer was lost.
    replays: AtomicUsize,
}

async fn crash_client(
    client: usize,
    key: String,
    targets: watch::Receiver<Target>,
    acks: watch::Sender<usize>,
    outcome: Arc<Outcome>,
) {
    // A fresh connection per request: nothing pooled survives a kill.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut targets = targets;
    for n in 0..PER_CLIENT {
        let idempotency_key = format!("crash-{client}-{n}");
        let body = json!({"intent_type": "tests.crash.v1", "to_agent": "agent://tests/crash", "payload": {"key": idempotency_key}});
        loop {
            let target = targets.borrow_and_update().clone();
            outcome.attempts.fetch_add(1, Ordering::Relaxed);
            let sent = http
                .post(format!("{}/v1/intents", target.base))
                .header("x-api-key", &key)
                .header("Idempotency-Key", &idempotency_key)
                .json(&body)
                .send()
                .await;
            let answered = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let replayed = resp.headers().get("idempotent-replayed").is_some();
                    resp.text().await.map(|text| (status, replayed, text))
                }
                Err(e) => Err(e),
            };
            match answered {
                Ok((200, replayed, text)) => {
                    let body: Value = serde_json::from_str(&text).expect("JSON");
                    let intent_id = body["intent_id"].as_str().expect("intent_id").to_string();
                    let previous = outcome
                        .acked
                        .lock()
                        .expect("lock")
                        .insert(idempotency_key.clone(), intent_id);
                    assert!(previous.is_none(), "{idempotency_key} acknowledged twice");
                    if replayed {
                        outcome.replays.fetch_add(1, Ordering::Relaxed);
                    }
                    acks.send_modify(|n| *n += 1);
                    break;
                }
                Ok((status, _, text)) => {
                    panic!("{idempotency_key}: unexpected HTTP {status}: {text}")
                }
                Err(_) => {
                    // The server died under the request (or before it): wait for the next server, then
                    // retry with the same key.
                    outcome.transport_errors.fetch_add(1, Ordering::Relaxed);
                    let next = tokio::time::timeout(
                        Duration::from_secs(60),
                        targets.wait_for(|t| t.generation > target.generation),
                    )
                    .await;
                    assert!(
                        matches!(next, Ok(Ok(_))),
                        "{idempotency_key}: a request failed and no restarted server followed"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_test_sigkill_while_clients_write_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir: PathBuf = dir.path().to_path_buf();
    let first = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || ServerProcess::spawn(&dir)
    })
    .await
    .expect("spawn");
    let key = std::fs::read_to_string(data_dir.join("dev-api-key"))
        .expect("dev-api-key")
        .trim()
        .to_string();
    assert!(key.starts_with("axme_sa_"), "{key}");

    let (targets_tx, targets_rx) = watch::channel(Target {
        generation: 0,
        base: first.base.clone(),
    });
    let (acks_tx, mut acks_rx) = watch::channel(0usize);
    let outcome = Arc::new(Outcome::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(crash_client(
                client,
                key.clone(),
                targets_rx.clone(),
                acks_tx.clone(),
                outcome.clone(),
            ))
        })
        .collect();
    drop(acks_tx);

    let mut server = first;
    let mut kills = Vec::new();
    for (generation, after) in KILL_AFTER_ACKS.into_iter().enumerate() {
        acks_rx
            .wait_for(|n| *n >= after)
            .await
            .expect("clients running");
        let acked_at_kill = *acks_rx.borrow();
        let dir = data_dir.clone();
        server = tokio::task::spawn_blocking(move || {
            server.kill();
            ServerProcess::spawn(&dir)
        })
        .await
        .expect("restart");
        kills.push(acked_at_kill);
        targets_tx.send_replace(Target {
            generation: generation as u64 + 1,
            base: server.base.clone(),
        });
    }
    for client in clients {
        client.await.expect("client task");
    }
    let writing_done = started.elapsed();

    // One more SIGKILL right after the last acknowledgements, then check the store.
    let dir = data_dir.clone();
    let server = tokio::task::spawn_blocking(move || {
        server.kill();
        ServerProcess::spawn(&dir)
    })
    .await
    .expect("restart");
    let api = Api::new(&server.base, &key);
    let acked = outcome.acked.lock().expect("lock").clone();
    let total = CLIENTS * PER_CLIENT;
    assert_eq!(acked.len(), total, "every key was eventually acknowledged");
    let distinct_ids: HashSet<&String> = acked.values().collect();
    assert_eq!(
        distinct_ids.len(),
        total,
        "no two keys were acknowledged with one intent"
    );

    let intents = all_intents(&api).await;
    let mut by_key: HashMap<String, String> = HashMap::new();
    for intent in &intents {
        let key = intent["payload"]["key"]
            .as_str()
            .expect("payload.key")
            .to_string();
        let intent_id = intent["intent_id"].as_str().expect("intent_id").to_string();
        if let Some(other) = by_key.insert(key.clone(), intent_id.clone()) {
            panic!("key {key} was applied twice: intents {other} and {intent_id}");
        }
        assert_eq!(intent["status"], "DELIVERED", "{intent}");
        assert_eq!(intent["last_seq"], 3, "{intent}");
    }
    for (key, intent_id) in &acked {
        assert_eq!(
            by_key.get(key),
            Some(intent_id),
            "acknowledged {key} -> {intent_id} is in the store"
        );
    }
    assert_eq!(
        intents.len(),
        total,
        "every stored intent belongs to an acknowledged key, once"
    );

    let expected_types = ["intent.created", "intent.submitted", "intent.delivered"];
    let checks = futures_util::stream::iter(acked.values().cloned())
        .map(|intent_id| {
            let api = api.clone();
            async move { (api.events(&intent_id, 0).await, intent_id) }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    for (events, intent_id) in checks {
        assert_eq!(
            seqs_of(&events),
            vec![1, 2, 3],
            "gapless events of {intent_id}"
        );
        let types: Vec<&str> = events
            .iter()
            .filter_map(|e| e["event_type"].as_str())
            .collect();
        assert_eq!(types, expected_types, "{intent_id}");
    }
    let health = raw_send(&api, Method::GET, "/health", None, &[]).await;
    assert_eq!(health.status, 200);
    server.kill();

    eprintln!(
        "crash test: {total} creates by {CLIENTS} clients, {} SIGKILLs (after {kills:?} acks, then one at the end), \
         {} attempts, {} transport errors, {} replayed acknowledgements; writing {:.1?}, total {:.1?}",
        kills.len() + 1,
        outcome.attempts.load(Ordering::Relaxed),
        outcome.transport_errors.load(Ordering::Relaxed),
        outcome.replays.load(Ordering::Relaxed),
        writing_done,
        started.elapsed(),
    );
    assert!(
        outcome.transport_errors.load(Ordering::Relaxed) > 0,
        "the kills hit requests in flight"
    );
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------------

/// The writer never checkpoints inside its commits (`wal_autocheckpoint=0`); the background
/// checkpointer must still copy committed frames into the database file while the server runs, or
/// the WAL would grow without bound. Without the checkpointer the database file never grows here.
#[tokio::test]
async fn committed_writes_reach_the_database_file_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on(dir.path(), |_| {}).await.unwrap();
    let api = api_for(&server);
    let db = dir.path().join("axme.sqlite3");
    let size_at_start = std::fs::metadata(&db).unwrap().len();
    for _ in 0..64 {
        api.create().await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut size = size_at_start;
    while size <= size_at_start && Instant::now() < deadline {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await; // polling a condition, not timing
        size = std::fs::metadata(&db).unwrap().len();
    }
    assert!(
        size > size_at_start,
        "database file stayed at {size_at_start} bytes: no checkpoint copied the WAL into it"
    );
}
