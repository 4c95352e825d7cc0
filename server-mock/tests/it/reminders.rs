//! Reminders, escalation and deadlines of human tasks, on a compressed schedule (one schedule second
//! lasts a few milliseconds), including a restart in the middle of a reminder schedule.

use std::time::Duration;

use axme_server::domain::clock;
use axme_server::{start, ServerConfig};
use serde_json::{json, Value};

use crate::humans_support::{create, kinds, task_intent, user, user_in, wait_for_event};
use crate::support::{Api, TestServer};

fn reminders(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e["event_type"] == "intent.reminder")
        .map(|e| e["details"]["reminder"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn reminders_then_escalation_follow_the_schedule() {
    let ts = TestServer::start_with(|c| c.timer_unit = Duration::from_millis(20)).await;
    let api = ts.api();
    let lead = user(&ts, "ops-lead", None);
    let mut body = task_intent(
        "agent://acme/deployer",
        json!({"title": "t", "assignees": ["alice"]}),
    );
    for (k, v) in [
        ("remind_after_seconds", json!(2)),
        ("remind_interval_seconds", json!(1)),
        ("max_reminders", json!(3)),
        ("escalate_to", json!("agent://ops-lead")),
    ] {
        body[k] = v;
    }
    let id = create(&api, body).await;
    let escalated = wait_for_event(&api, &id, |e| e["event_type"] == "intent.escalated").await;
    assert_eq!(escalated["details"]["escalated_to"], "agent://ops-lead");
    assert_eq!(escalated["details"]["reminders_sent"], 3);
    assert_eq!(escalated["status"], "WAITING");
    let events = api.events(&id, 0).await;
    assert_eq!(reminders(&events), [1, 2, 3]);
    let reminder = events
        .iter()
        .find(|e| e["event_type"] == "intent.reminder")
        .unwrap();
    assert_eq!(
        (reminder["status"].as_str(), reminder["actor"].as_str()),
        (Some("WAITING"), Some("axme-server"))
    );
    assert_eq!(reminder["details"]["assignees"], json!(["alice"]));
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(got.body["intent"]["remind_count"], 3);
    assert_eq!(got.body["intent"]["escalated_to"], "agent://ops-lead");
    // The escalation target, not among the assignees, may now answer.
    assert_eq!(escalated["details"]["assignees"], json!(["alice"]));
    assert_eq!(lead.task_ids("open").await, vec![id.clone()]);
    let answered = lead.answer(&id, json!({"outcome": "approved"})).await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    // A plain intent (no task) is reminded too, while it is open.
    let mut plain = crate::support::intent_body("agent://acme/slow");
    plain["remind_after_seconds"] = json!(1);
    plain["max_reminders"] = json!(1);
    let plain = create(&api, plain).await;
    let reminded = wait_for_event(&api, &plain, |e| e["event_type"] == "intent.reminder").await;
    assert_eq!(reminded["status"], "DELIVERED");
    // Bad schedules are refused with the field named.
    for (k, v) in [
        ("remind_after_seconds", json!(0)),
        ("max_reminders", json!(-1)),
        ("escalate_to", json!("not an address")),
    ] {
        let mut bad = crate::support::intent_body("agent://x");
        bad[k] = v;
        let resp = api.post("/v1/intents", bad).await;
        assert_eq!(resp.status, 422, "{k}: {}", resp.body);
        assert_eq!(resp.body["error"]["details"]["field"], k);
    }
}

#[tokio::test]
async fn a_deadline_times_out_a_waiting_task_and_stops_its_reminders() {
    let ts = TestServer::start_with(|c| c.timer_unit = Duration::from_millis(50)).await;
    let api = ts.api();
    let alice = user(&ts, "alice", None);
    let mut body = task_intent("agent://w", json!({"title": "t", "assignees": ["alice"]}));
    body["deadline_at"] = json!(clock::format_us(clock::now_us() + 400_000));
    body["remind_after_seconds"] = json!(1);
    body["max_reminders"] = json!(1000);
    let id = create(&api, body).await;
    let timed_out = wait_for_event(&api, &id, |e| e["status"] == "TIMED_OUT").await;
    assert_eq!(timed_out["event_type"], "intent.timed_out");
    let closed = alice.get("/v1/me/tasks?status=closed").await;
    assert_eq!(closed.body["tasks"][0]["intent_id"], id);
    // The reminder schedule ended with the intent: a later reminder would need a timer, and none is left.
    let late = alice.answer(&id, json!({"outcome": "approved"})).await;
    assert_eq!((late.status, late.code()), (409, "intent_already_terminal"));
    let events = api.events(&id, 0).await;
    assert_eq!(
        kinds(&events).last().map(String::as_str),
        Some("intent.timed_out")
    );
}

async fn start_on(dir: &std::path::Path, unit: Duration) -> axme_server::RunningServer {
    let mut config = ServerConfig::new(dir);
    config.listen = "127.0.0.1:0".into();
    config.timer_unit = unit;
    start(config).await.expect("server starts")
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_reminder_schedule_loses_none_and_repeats_none() {
    let unit = Duration::from_millis(100);
    let dir = tempfile::tempdir().unwrap();
    let first = start_on(dir.path(), unit).await;
    let key = first.dev_api_key().unwrap();
    let api = Api::new(&first.base_url(), &key);
    user_in(dir.path(), &first.base_url(), "alice", None);
    let mut body = task_intent("agent://w", json!({"title": "t", "assignees": ["alice"]}));
    for (k, v) in [
        ("remind_after_seconds", json!(1)),
        ("remind_interval_seconds", json!(1)),
        ("max_reminders", json!(8)),
        ("escalate_to", json!("agent://ops")),
    ] {
        body[k] = v;
    }
    let id = create(&api, body).await;
    wait_for_event(&api, &id, |e| e["details"]["reminder"] == 3).await;
    first.shutdown().await;
    // Down for a while: reminders that fall due meanwhile are sent after the restart, each once.
    let second = start_on(dir.path(), unit).await;
    let api = Api::new(&second.base_url(), &key);
    wait_for_event(&api, &id, |e| e["event_type"] == "intent.escalated").await;
    let events = api.events(&id, 0).await;
    assert_eq!(
        reminders(&events),
        [1, 2, 3, 4, 5, 6, 7, 8],
        "{:?}",
        kinds(&events)
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gapless, no duplicates"
    );
    let reminder_seqs: Vec<i64> = events
        .iter()
        .filter(|e| e["event_type"] == "intent.reminder")
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(reminder_seqs, (6..=13).collect::<Vec<_>>());
    assert_eq!(
        kinds(&events).last().map(String::as_str),
        Some("intent.escalated")
    );
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(got.body["intent"]["remind_count"], 8);
    second.shutdown().await;
}
