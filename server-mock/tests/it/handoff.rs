//! Work that survives a dying process: an agent killed mid-task gets its intent again after it
//! restarts (listen from since=0) and completes it; an `http` delivery in flight when the server is
//! SIGKILLed is sent again after the restart, and never again once its completion is committed.

use std::io::BufRead;
use std::path::Path;

use serde_json::{json, Value};

use crate::delivery::until_terminal;
use crate::receiver::Receiver;
use crate::support::{Api, TestServer};

/// An agent process: listens from `since`, takes the first intent, reports progress, and then (for
/// the first run) dies mid-task: its stream is dropped and its task aborted without finishing.
async fn agent_takes_first(api: &Api, address: &str) -> Value {
    let stream = api
        .sse_until(
            &format!("/v1/agents/{address}/intents/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.event.starts_with("intent."),
        )
        .await;
    stream.events()[0].data.clone()
}

#[tokio::test]
async fn an_agent_killed_mid_task_gets_its_intent_again_after_restart() {
    let server = TestServer::start().await;
    let api = server.api();
    let worker = api.clone();
    // First run of the agent: connected before the work arrives.
    let first_run = tokio::spawn(async move {
        let delivery = agent_takes_first(&worker, "acme/ops/deployer").await;
        let id = delivery["intent_id"].as_str().unwrap().to_string();
        let progress = worker
            .post(
                &format!("/v1/intents/{id}/resume"),
                json!({"action": "progress", "message": "deploying"}),
            )
            .await;
        assert_eq!(progress.body["intent"]["status"], "IN_PROGRESS");
        // The process dies here, mid-task: nothing else is sent, the task never returns normally.
        std::future::pending::<()>().await;
    });
    let id = api.create_to("agent://acme/ops/deployer").await;
    // Wait (on the intent's own events, no sleeps) until the agent has reported progress, then kill it.
    let progressed = api
        .sse_until(
            &format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.event == "intent.in_progress",
        )
        .await;
    assert_eq!(
        progressed.events().last().unwrap().event,
        "intent.in_progress"
    );
    first_run.abort();
    assert!(first_run.await.unwrap_err().is_cancelled());

    // The restarted agent listens from 0 and gets the unfinished intent again, as it was left.
    let again = agent_takes_first(&api, "acme/ops/deployer").await;
    assert_eq!(again["intent_id"], id.as_str());
    assert_eq!(
        (again["status"].as_str(), again["event_type"].as_str()),
        (Some("IN_PROGRESS"), Some("intent.in_progress"))
    );
    let done = api
        .post(
            &format!("/v1/intents/{id}/resume"),
            json!({"action": "complete", "result": {"deployed": "v2"}}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let events = until_terminal(&api, &id).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "intent.created",
            "intent.submitted",
            "intent.delivered",
            "intent.acknowledged",
            "intent.in_progress",
            "intent.completed"
        ]
    );
    // Finished work is not handed out again.
    let after = api
        .sse(
            "/v1/agents/acme/ops/deployer/intents/stream?since=0&wait_seconds=1",
            &[],
        )
        .await;
    assert!(after.events().is_empty());
}

/// The real binary on a data dir; SIGKILLed when dropped.
struct Process {
    child: std::process::Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(dir: &Path) -> Process {
    let _ = std::fs::remove_file(dir.join("server-addr"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"))
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--log",
            "error",
            "--allow-callback-host",
            "127.0.0.1",
        ])
        .args(["--delivery-retry-schedule", "50ms"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("axme-server starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the server announces itself").unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Process { child, base }
}

async fn start(dir: &Path) -> (Process, Api) {
    let owned = dir.to_path_buf();
    let process = tokio::task::spawn_blocking(move || spawn(&owned))
        .await
        .unwrap();
    let key = std::fs::read_to_string(dir.join("dev-api-key")).unwrap();
    let api = Api::new(&process.base, key.trim());
    (process, api)
}

#[tokio::test]
async fn an_http_delivery_cut_by_a_crash_is_sent_again_and_only_again_once() {
    let dir = tempfile::tempdir().unwrap();
    // The receiver holds the first request open (the server dies under it), then answers 200.
    let receiver = Receiver::start(&[0, 200]).await;
    let (first, api) = start(dir.path()).await;
    let registered = api
        .post(
            "/v1/agents",
            json!({"address": "hook", "delivery_mode": "http", "callback_url": receiver.url}),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let id = api.create_to("agent://hook").await;
    let held = receiver.wait_for(1).await;
    drop(first); // SIGKILL while the POST is in flight: its outcome was never recorded.

    let (second, api) = start(dir.path()).await;
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[1].json()["intent_id"], id.as_str());
    assert_eq!(
        hits[1].header("webhook-id"),
        held[0].header("webhook-id"),
        "the same message again"
    );
    let stream = api
        .sse_until(
            &format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.event == "intent.acknowledged",
        )
        .await;
    assert_eq!(stream.events().last().unwrap().event, "intent.acknowledged");
    drop(second);

    // After another crash and restart, the completed delivery is not sent again: a later intent's
    // delivery arrives, and the first intent was still delivered exactly twice.
    let (_third, api) = start(dir.path()).await;
    let marker = api.create_to("agent://hook").await;
    let hits = receiver.wait_for(3).await;
    assert_eq!(hits[2].json()["intent_id"], marker.as_str());
    let first_intent = hits
        .iter()
        .filter(|h| h.json()["intent_id"] == id.as_str())
        .count();
    assert_eq!(first_intent, 2);
    let agent = api.get("/v1/agents/hook").await;
    let deliveries = &agent.body["agent"]["deliveries"];
    assert_eq!(
        (
            deliveries["in_flight"].as_i64(),
            deliveries["failed"].as_i64()
        ),
        (Some(0), Some(0))
    );
}
