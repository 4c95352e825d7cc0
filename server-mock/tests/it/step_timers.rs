//! Workflow steps the server carries out itself on durable timers of the parent intent:
//! `runtime_type` delay, reminder, escalation (they succeed after `wait_seconds`) and timeout (it
//! fails after them). Each wait survives a restart of the server in its middle.

use std::time::{Duration, Instant};

use axme_server::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

use crate::humans_support::{agent_resume, kinds, next_delivery, wait_for_event, wait_terminal};
use crate::support::Api;

async fn start_on(dir: &std::path::Path, unit: Duration) -> RunningServer {
    let mut config = ServerConfig::new(dir);
    config.listen = "127.0.0.1:0".into();
    config.timer_unit = unit;
    start(config).await.expect("server starts")
}

/// The parent's step events (`details.kind` of each step boundary) in order.
fn step_events(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e["details"]["step_id"].is_string())
        .map(|e| {
            (
                e["details"]["step_id"].as_str().unwrap().to_string(),
                e["details"]["outcome"]
                    .as_str()
                    .unwrap_or("started")
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn delay_reminder_and_escalation_steps_wait_on_timers_that_survive_a_restart() {
    // One schedule second lasts 100 ms: the delay waits 400 ms.
    let unit = Duration::from_millis(100);
    let dir = tempfile::tempdir().unwrap();
    let first = start_on(dir.path(), unit).await;
    let key = first.dev_api_key().unwrap();
    let api = Api::new(&first.base_url(), &key);
    let bundle = json!({
        "scenario_id": "shop.timed",
        "agents": [{"role": "shipping", "address": "agent://shop/shipping"},
                   {"role": "ops", "address": "agent://shop/ops"}],
        "workflow": {"steps": [
            {"step_id": "cool_off", "runtime_type": "delay", "wait_seconds": 4},
            {"step_id": "nudge", "runtime_type": "reminder", "wait_seconds": 1, "assigned_to": "ops"},
            {"step_id": "raise", "runtime_type": "escalation", "wait_seconds": 1, "escalate_to": "agent://shop/lead"},
            {"step_id": "ship", "tool_id": "tool.agent.task.v1", "assigned_to": "shipping"}
        ]},
        "intent": {"type": "shop.timed", "payload": {"order_id": "o-1"}}
    });
    let checked = api.post("/v1/scenarios/validate", bundle.clone()).await;
    assert_eq!(checked.body["valid"], true, "{}", checked.body);
    assert_eq!(checked.body["steps"][0]["kind"], "delay");
    let applied_at = Instant::now();
    let applied = api.post("/v1/scenarios/apply", bundle).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();
    let started = wait_for_event(&api, &parent, |e| e["details"]["step_id"] == "cool_off").await;
    assert_eq!(started["details"]["kind"], "delay");
    assert!(started["details"]["due_at"].is_string());
    // Down in the middle of the delay.
    first.shutdown().await;
    let second = start_on(dir.path(), unit).await;
    let api = Api::new(&second.base_url(), &key);
    let (_, shipping) = next_delivery(&api, "shop/shipping", 0).await;
    assert!(
        applied_at.elapsed() >= unit * 6,
        "the agent step came {:?} after apply, before the 4 + 1 + 1 s of waiting",
        applied_at.elapsed()
    );
    assert_eq!(shipping["payload"]["step_id"], "ship");
    agent_resume(
        &api,
        "agent://shop/shipping",
        shipping["intent_id"].as_str().unwrap(),
        json!({"action": "complete", "result": {"shipped": true}}),
    )
    .await;
    let events = wait_terminal(&api, &parent).await;
    assert_eq!(
        events.last().unwrap()["status"],
        "COMPLETED",
        "{:?}",
        kinds(&events)
    );
    let steps = step_events(&events);
    for (step, outcome) in [
        ("cool_off", "completed"),
        ("nudge", "completed"),
        ("raise", "completed"),
        ("ship", "completed"),
    ] {
        assert_eq!(
            steps
                .iter()
                .filter(|(s, o)| s == step && o == outcome)
                .count(),
            1,
            "{step} ended once: {steps:?}"
        );
    }
    let reminded = events
        .iter()
        .find(|e| e["details"]["step_id"] == "nudge" && e["details"]["outcome"] == "completed")
        .unwrap();
    assert_eq!(reminded["details"]["reminded"], "agent://shop/ops");
    let escalated = events
        .iter()
        .find(|e| e["details"]["step_id"] == "raise" && e["details"]["outcome"] == "completed")
        .unwrap();
    assert_eq!(escalated["details"]["escalated_to"], "agent://shop/lead");
    second.shutdown().await;
}

#[tokio::test]
async fn a_timeout_step_fails_the_workflow_after_its_wait_across_a_restart() {
    let unit = Duration::from_millis(100);
    let dir = tempfile::tempdir().unwrap();
    let first = start_on(dir.path(), unit).await;
    let key = first.dev_api_key().unwrap();
    let api = Api::new(&first.base_url(), &key);
    let bundle = json!({
        "scenario_id": "shop.deadline",
        "agents": [{"role": "shipping", "address": "agent://shop/shipping"}],
        "workflow": {"steps": [
            {"step_id": "window", "runtime_type": "timeout", "wait_seconds": 3}
        ]},
        "intent": {"type": "shop.deadline", "payload": {}}
    });
    let applied = api.post("/v1/scenarios/apply", bundle).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();
    wait_for_event(&api, &parent, |e| e["details"]["step_id"] == "window").await;
    first.shutdown().await;
    let second = start_on(dir.path(), unit).await;
    let api = Api::new(&second.base_url(), &key);
    let events = wait_terminal(&api, &parent).await;
    let last = events.last().unwrap();
    assert_eq!(last["status"], "FAILED", "{:?}", kinds(&events));
    let timed_out = events
        .iter()
        .find(|e| e["details"]["outcome"] == "failed")
        .expect("the step's end");
    assert_eq!(timed_out["details"]["error"]["code"], "step_timed_out");
    second.shutdown().await;
}

#[tokio::test]
async fn timer_steps_need_their_wait() {
    let unit = Duration::from_millis(100);
    let dir = tempfile::tempdir().unwrap();
    let server = start_on(dir.path(), unit).await;
    let api = Api::new(&server.base_url(), &server.dev_api_key().unwrap());
    let bundle = json!({
        "scenario_id": "shop.bad",
        "agents": [{"role": "shipping", "address": "agent://shop/shipping"}],
        "workflow": {"steps": [
            {"step_id": "a", "runtime_type": "delay"},
            {"step_id": "b", "runtime_type": "escalation", "wait_seconds": 1}
        ]},
        "intent": {"type": "shop.bad", "payload": {}}
    });
    let checked = api.post("/v1/scenarios/validate", bundle).await;
    let paths: Vec<&str> = checked.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"workflow.steps[0].wait_seconds"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"workflow.steps[1].escalate_to"),
        "{paths:?}"
    );
    server.shutdown().await;
}
