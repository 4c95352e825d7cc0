//! A failed workflow step runs again after `retry.retry_delay_seconds`, on a durable timer of the
//! parent intent, not at once; out-of-range delays are refused when the bundle is checked.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use axme_server::domain::clock;

use crate::humans_support::{agent_resume, next_delivery, wait_for_event, wait_terminal};
use crate::support::TestServer;

/// One step to `agent://shop/payment`, retried once after `delay` seconds.
fn bundle(delay: Value) -> Value {
    json!({
        "scenario_id": "shop.retry",
        "agents": [{"role": "payment", "address": "agent://shop/payment"}],
        "workflow": {"steps": [
            {"step_id": "charge", "tool_id": "tool.agent.task.v1", "assigned_to": "payment",
             "retry": {"max_retries": 1, "retry_delay_seconds": delay}, "input": {"amount": 42}}
        ]},
        "intent": {"type": "shop.retry", "payload": {"order_id": "o-9"}}
    })
}

#[tokio::test]
async fn a_failed_step_runs_again_after_its_retry_delay() {
    // One schedule second lasts 100 ms here: the 3 s delay is 300 ms.
    let unit = Duration::from_millis(100);
    let ts = TestServer::start_with(|c| c.timer_unit = unit).await;
    let api = ts.api();
    let applied = api.post("/v1/scenarios/apply", bundle(json!(3))).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();

    let (cursor, first) = next_delivery(&api, "shop/payment", 0).await;
    let first_id = first["intent_id"].as_str().unwrap();
    let failed_at = Instant::now();
    let error = json!({"code": "gateway_down", "message": "try later"});
    agent_resume(
        &api,
        "agent://shop/payment",
        first_id,
        json!({"action": "fail", "error": error}),
    )
    .await;

    let (_, second) = next_delivery(&api, "shop/payment", cursor).await;
    let waited = failed_at.elapsed();
    assert!(
        waited >= unit * 3,
        "the retry came {waited:?} after the failure, before its 3 s (300 ms) delay"
    );
    assert_eq!(second["payload"]["step_id"], "charge");
    assert_ne!(second["intent_id"], first["intent_id"]);
    agent_resume(
        &api,
        "agent://shop/payment",
        second["intent_id"].as_str().unwrap(),
        json!({"action": "complete", "result": {"charged": 42}}),
    )
    .await;

    let events = wait_terminal(&api, &parent).await;
    assert_eq!(events.last().unwrap()["status"], "COMPLETED");
    let ended = events
        .iter()
        .find(|e| e["details"]["step_id"] == "charge" && e["details"]["outcome"] == "failed")
        .expect("the parent records the failed run");
    assert_eq!(ended["details"]["retrying"], true);
    let retry_at = ended["details"]["retry_at"].as_str().expect("retry_at");
    assert!(retry_at > ended["at"].as_str().unwrap(), "{ended}");
    let attempts: Vec<&Value> = events
        .iter()
        .filter_map(|e| e["details"].get("attempt"))
        .collect();
    assert_eq!(attempts, [&json!(1), &json!(2)], "two runs of the step");
}

#[tokio::test]
async fn retry_delays_outside_zero_to_a_day_are_refused() {
    let ts = TestServer::start().await;
    let api = ts.api();
    for bad in [json!(-1), json!(86_401), json!("soon")] {
        let answer = api
            .post("/v1/scenarios/validate", bundle(bad.clone()))
            .await;
        let paths: Vec<&str> = answer.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{bad}: {}", answer.body))
            .iter()
            .filter_map(|e| e["path"].as_str())
            .collect();
        assert!(
            paths.contains(&"workflow.steps[0].retry.retry_delay_seconds"),
            "{bad}: {}",
            answer.body
        );
    }
    let fine = api.post("/v1/scenarios/validate", bundle(json!(0))).await;
    assert_eq!(fine.body["valid"], true, "{}", fine.body);
}

#[tokio::test]
async fn a_retry_without_a_delay_waits_the_upstream_default_of_30_seconds() {
    let unit = Duration::from_millis(10);
    let ts = TestServer::start_with(|c| c.timer_unit = unit).await;
    let api = ts.api();
    let mut no_delay = bundle(json!(null));
    no_delay["workflow"]["steps"][0]["retry"] = json!({"max_retries": 1});
    let applied = api.post("/v1/scenarios/apply", no_delay).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();
    let (_, first) = next_delivery(&api, "shop/payment", 0).await;
    agent_resume(
        &api,
        "agent://shop/payment",
        first["intent_id"].as_str().unwrap(),
        json!({"action": "fail"}),
    )
    .await;
    let ended = wait_for_event(&api, &parent, |e| e["details"]["outcome"] == "failed").await;
    let us = |v: &Value| clock::parse_rfc3339_us(v.as_str().unwrap()).unwrap();
    let wait_us = us(&ended["details"]["retry_at"]) - us(&ended["at"]);
    assert_eq!(ended["details"]["retrying"], true);
    // `retry_at` is counted from the failure, a few microseconds before the event is stamped.
    assert!(
        (295_000..305_000).contains(&wait_us),
        "30 schedule seconds of 10 ms, got {wait_us} µs: {ended}"
    );
}
