//! Health, tracing and the intent lifecycle over plain HTTP: create, get, events, resolve, agent
//! `resume` actions and completion delivery to `reply_to`.

use reqwest::Method;
use serde_json::{json, Value};

use super::harness::{at, ensure, is_uuid, short, Auth, Body, CheckResult, Ctx};

pub async fn health(c: Ctx) -> CheckResult {
    let body = c
        .send_as(Auth::None, Method::GET, "/health", Body::None, &[])
        .await?
        .ok_body()?;
    ensure!(
        body.get("ok").is_some(),
        "GET /health: expected a body with `ok`, got {}",
        short(&body)
    );
    Ok(())
}

pub async fn trace_header(c: Ctx) -> CheckResult {
    let trace = uuid::Uuid::new_v4().to_string();
    let body = c
        .send(Method::GET, "/health", None, &[("X-Trace-Id", &trace)])
        .await?
        .ok_body()?;
    ensure!(
        body["ok"] == json!(true),
        "GET /health with X-Trace-Id: expected ok = true, got {}",
        short(&body)
    );
    Ok(())
}

pub async fn auth_headers(c: Ctx) -> CheckResult {
    // Clients send the key either way: the upstream harness only as Bearer, the SDKs as x-api-key.
    for (auth, form) in [
        (Auth::Bearer, "Authorization: Bearer"),
        (Auth::XApiKey, "x-api-key"),
    ] {
        let body = c
            .send_as(auth, Method::GET, "/v1/intents?limit=1", Body::None, &[])
            .await?
            .ok_body()
            .map_err(|e| format!("the key sent as {form}: {e}"))?;
        ensure!(
            body["intents"].is_array(),
            "GET /v1/intents with the key as {form}: expected an intents array, got {}",
            short(&body)
        );
    }
    Ok(())
}

pub async fn intent_create(c: Ctx) -> CheckResult {
    let body = c.intent_body(&c.address("receiver"));
    let created = c.post_ok("/v1/intents", &body).await?;
    ensure!(
        created["ok"] == json!(true) && is_uuid(&created["intent_id"]),
        "POST /v1/intents: expected ok = true and a UUID intent_id, got {}",
        short(&created)
    );
    ensure!(
        created["status"].is_string() && created["created_at"].is_string(),
        "POST /v1/intents: expected status and created_at strings, got {}",
        short(&created)
    );
    Ok(())
}

pub async fn intents_get(c: Ctx) -> CheckResult {
    let body = c.intent_body(&c.address("receiver"));
    let id = c.create_intent(&body).await?;
    let got = c.get_ok(&format!("/v1/intents/{id}")).await?;
    let intent = &got["intent"];
    ensure!(
        got["ok"] == json!(true) && intent["intent_id"] == json!(id),
        "GET /v1/intents/{id}: expected ok and intent.intent_id = {id}, got {}",
        short(&got)
    );
    ensure!(
        intent["intent_type"] == body["intent_type"]
            && intent["correlation_id"] == body["correlation_id"]
            && intent["to_agent"] == body["to_agent"]
            && intent["payload"] == body["payload"],
        "GET /v1/intents/{id}: expected the created intent_type, correlation_id, to_agent and payload back, got {}",
        short(intent)
    );
    ensure!(
        intent["status"].is_string(),
        "GET /v1/intents/{id}: expected a status, got {}",
        at(&got, "/intent/status")
    );
    Ok(())
}

fn event_kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or("?"))
        .collect()
}

pub async fn intents_events(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let events = c.events(&id, 0).await?;
    ensure!(
        events.len() >= 2,
        "GET /v1/intents/{id}/events: expected at least 2 events for a new intent, got {:?}",
        event_kinds(&events)
    );
    let seqs: Vec<i64> = events.iter().filter_map(|e| e["seq"].as_i64()).collect();
    let expected: Vec<i64> = (1..=events.len() as i64).collect();
    ensure!(
        seqs == expected,
        "GET /v1/intents/{id}/events: expected seq {expected:?} (from 1, gapless, ordered), got {seqs:?}"
    );
    ensure!(
        events.iter().all(|e| e["event_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("intent."))),
        "GET /v1/intents/{id}/events: expected event_type intent.*, got {:?}",
        event_kinds(&events)
    );
    let after_first = c.events(&id, 1).await?;
    let after: Vec<i64> = after_first
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    ensure!(
        after == expected[1..],
        "GET /v1/intents/{id}/events?since=1: expected seq {:?} (since is exclusive), got {after:?}",
        &expected[1..]
    );
    Ok(())
}

pub async fn intent_event_prefix(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let events = c.events(&id, 0).await?;
    let kinds = event_kinds(&events);
    ensure!(
        kinds.starts_with(&["intent.created", "intent.submitted", "intent.delivered"]),
        "GET /v1/intents/{id}/events: expected a new intent to start with intent.created, intent.submitted, intent.delivered, got {kinds:?}"
    );
    Ok(())
}

pub async fn intents_resolve(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let resolved = c.resolve(&id, "COMPLETED").await?.ok_body()?;
    ensure!(
        resolved["event"]["event_type"] == json!("intent.completed"),
        "POST /v1/intents/{id}/resolve COMPLETED: expected event.event_type intent.completed, got {}",
        at(&resolved, "/event/event_type")
    );
    ensure!(
        resolved["intent"]["status"] == json!("COMPLETED"),
        "POST /v1/intents/{id}/resolve COMPLETED: expected intent.status COMPLETED, got {}",
        at(&resolved, "/intent/status")
    );
    let second = c.resolve(&id, "CANCELED").await?;
    ensure!(
        second.status == 409,
        "a second terminal transition: expected HTTP 409, got {}",
        second.describe()
    );
    let got = c.get_ok(&format!("/v1/intents/{id}")).await?;
    ensure!(
        got["intent"]["status"] == json!("COMPLETED"),
        "GET after resolve: expected status COMPLETED, got {}",
        at(&got, "/intent/status")
    );
    Ok(())
}

pub async fn completion_delivery(c: Ctx) -> CheckResult {
    let owner = c.address("owner-delivery");
    let mut body = c.intent_body(&c.address("receiver"));
    body["reply_to"] = json!(owner);
    let id = c.create_intent(&body).await?;
    let resolved = c.resolve(&id, "COMPLETED").await?.ok_body()?;
    let delivery = &resolved["completion_delivery"];
    ensure!(
        delivery["delivered"] == json!(true),
        "resolve with reply_to: expected completion_delivery.delivered = true, got {}",
        short(delivery)
    );
    let inbox = c.get_ok(&format!("/v1/inbox?owner_agent={owner}")).await?;
    let threads = inbox["threads"].as_array().cloned().unwrap_or_default();
    ensure!(
        threads.iter().any(|t| t["thread_id"] == json!(id)),
        "GET /v1/inbox?owner_agent={owner}: expected a thread with thread_id = intent id {id}, got {}",
        short(&inbox)
    );
    let plain = c.create_default().await?;
    let resolved = c.resolve(&plain, "COMPLETED").await?.ok_body()?;
    ensure!(
        resolved["completion_delivery"]["delivered"] == json!(false),
        "resolve without reply_to: expected completion_delivery.delivered = false, got {}",
        short(&resolved["completion_delivery"])
    );
    Ok(())
}

pub async fn agent_resume_lifecycle(c: Ctx) -> CheckResult {
    let agent = c.address("worker");
    let id = c.create_intent(&c.intent_body(&agent)).await?;
    let path = format!("/v1/intents/{id}/resume?owner_agent={agent}");
    for (action, status) in [
        (json!({"action": "ack"}), "ACKNOWLEDGED"),
        (
            json!({"action": "progress", "message": "half way"}),
            "IN_PROGRESS",
        ),
        (
            json!({"action": "complete", "result": {"answer": 42}}),
            "COMPLETED",
        ),
    ] {
        let answer = c.post_ok(&path, &action).await?;
        ensure!(
            answer["intent"]["status"] == json!(status),
            "POST {path} {action}: expected intent.status {status}, got {}",
            at(&answer, "/intent/status")
        );
    }
    let late = c
        .post(&path, &json!({"action": "fail", "error": {"code": "late"}}))
        .await?;
    ensure!(
        late.status == 409,
        "an agent failing a completed intent: expected HTTP 409, got {}",
        late.describe()
    );
    let kinds: Vec<String> = c
        .events(&id, 3)
        .await?
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or("?").to_string())
        .collect();
    ensure!(
        kinds == ["intent.acknowledged", "intent.in_progress", "intent.completed"],
        "events after the first 3: expected intent.acknowledged, intent.in_progress, intent.completed, got {kinds:?}"
    );
    Ok(())
}
