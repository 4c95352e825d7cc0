//! Delivery bindings: `http` callbacks with a real receiver (both signatures, the compressed retry
//! schedule, FAILED after the last attempt, acknowledgement on 2xx), `internal` and `inbox`.

use std::time::Duration;

use axme_server::domain::agents::{CallbackAllowlist, HostRule};
use axme_server::ServerConfig;
use serde_json::{json, Value};

use crate::receiver::{verify, Receiver};
use crate::support::{Api, TestServer};

/// The allowlist the tests run with: the receiver's host only.
pub fn allow_loopback(config: &mut ServerConfig) {
    config.agents.callback_hosts = CallbackAllowlist(vec![HostRule::parse("127.0.0.1").unwrap()]);
}

/// Registers an `http` agent; returns its secret.
pub async fn register_http(api: &Api, address: &str, url: &str) -> String {
    let registered = api
        .post("/v1/agents", json!({"address": address, "delivery_mode": "http", "callback_url": url, "display_name": "hook"}))
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.body["agent"]["delivery_mode"], "http");
    registered.body["secret"]
        .as_str()
        .expect("secret shown once")
        .to_string()
}

/// Every event of an intent once it is terminal (the stream closes after the terminal event).
pub async fn until_terminal(api: &Api, id: &str) -> Vec<Value> {
    let stream = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=60"),
            &[],
        )
        .await;
    assert!(
        stream.timeout().is_none(),
        "the intent did not finish: {}",
        stream.raw
    );
    stream.events().iter().map(|f| f.data.clone()).collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn http_binding_signs_retries_on_schedule_then_fails() {
    let server = TestServer::start_with(|c| {
        allow_loopback(c);
        c.agents.retry_schedule = vec![Duration::from_millis(100), Duration::from_millis(400)];
    })
    .await;
    let api = server.api();
    let receiver = Receiver::start(&[500, 503, 500]).await;
    let secret = register_http(&api, "agent://dev/default/hook", &receiver.url).await;
    let created = api
        .post("/v1/intents", json!({"intent_type": "tests.task.v1", "to_agent": "agent://dev/default/hook", "payload": {"job": "x"}, "max_delivery_attempts": 3}))
        .await;
    let id = created.body["intent_id"].as_str().unwrap().to_string();
    let events = until_terminal(&api, &id).await;
    let hits = receiver.wait_for(3).await;
    assert_eq!(hits.len(), 3, "no attempt beyond max_delivery_attempts");
    for (n, hit) in hits.iter().enumerate() {
        verify(hit, &secret);
        let body = hit.json();
        assert_eq!(body["intent_id"], id.as_str());
        assert_eq!(body["payload"]["job"], "x");
        assert_eq!(body["delivery_attempt"], n as i64 + 1);
        assert_eq!(hit.header("x-axme-delivery-attempt"), (n + 1).to_string());
        assert_eq!(
            hit.header("webhook-id"),
            hits[0].header("webhook-id"),
            "one message id for every attempt"
        );
        crate::support::spec()
            .validate_schema("AgentDelivery", &body)
            .unwrap();
    }
    // The receiver sees the configured schedule: 100 ms, then 400 ms (bounded above for slow machines).
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(
        gaps[0] >= Duration::from_millis(100) && gaps[0] < Duration::from_secs(5),
        "{gaps:?}"
    );
    assert!(
        gaps[1] >= Duration::from_millis(400) && gaps[1] < Duration::from_secs(5),
        "{gaps:?}"
    );
    assert_eq!(
        types(&events),
        [
            "intent.created",
            "intent.submitted",
            "intent.delivered",
            "intent.delivery_failed",
            "intent.delivery_failed",
            "intent.delivery_failed",
            "intent.failed"
        ]
    );
    let attempts: Vec<_> = events[3..6]
        .iter()
        .map(|e| e["details"]["delivery_attempt"].clone())
        .collect();
    assert_eq!(attempts, [json!(1), json!(2), json!(3)]);
    assert_eq!(events[3]["details"]["http_status"], 500);
    assert_eq!(events[4]["details"]["http_status"], 503);
    assert!(events[5]["details"]["next_attempt_at"].is_null());
    assert_eq!(events[6]["details"]["error"]["code"], "delivery_failed");
    let intent = api.get(&format!("/v1/intents/{id}")).await.body["intent"].clone();
    assert_eq!(
        (
            intent["status"].as_str(),
            intent["delivery_attempt"].as_i64()
        ),
        (Some("FAILED"), Some(3))
    );
    let agent = api.get("/v1/agents/dev/default/hook").await;
    assert_eq!(
        agent.body["agent"]["deliveries"],
        json!({"pending": 0, "in_flight": 0, "delivered": 0, "failed": 1, "canceled": 0})
    );
}

#[tokio::test]
async fn a_2xx_acknowledges_after_a_retry() {
    let server = TestServer::start_with(|c| {
        allow_loopback(c);
        c.agents.retry_schedule = vec![Duration::from_millis(20)];
    })
    .await;
    let api = server.api();
    let receiver = Receiver::start(&[502, 204]).await;
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let registered = api
        .post("/v1/agents", json!({"address": "hook", "delivery_mode": "http", "callback_url": receiver.url, "secret": given}))
        .await;
    assert_eq!(registered.body["secret"], given);
    assert!(registered.body["agent"]["secret_hint"]
        .as_str()
        .unwrap()
        .starts_with("whsec_MfKQ"));
    let id = api.create_to("agent://hook").await;
    let hits = receiver.wait_for(2).await;
    verify(&hits[1], given);
    let stream = api
        .sse_until(
            &format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.event == "intent.acknowledged",
        )
        .await;
    let events: Vec<Value> = stream.events().iter().map(|f| f.data.clone()).collect();
    assert_eq!(
        types(&events)[3..],
        ["intent.delivery_failed", "intent.acknowledged"]
    );
    assert_eq!(events[4]["details"]["via"], "http");
    assert!(events[3]["details"]["next_attempt_at"].is_string());
    let agent = api.get("/v1/agents/hook").await;
    assert_eq!(agent.body["agent"]["deliveries"]["delivered"], 1);
    // The intent goes on like any other: the agent reports back with resume.
    let done = api
        .post(
            &format!("/v1/intents/{id}/resume"),
            json!({"action": "complete", "result": {"ok": 1}}),
        )
        .await;
    assert_eq!(done.body["intent"]["status"], "COMPLETED");
}

#[tokio::test]
async fn callback_hosts_must_be_allowed_and_registrations_are_checked() {
    let server = TestServer::start().await;
    let api = server.api();
    let loopback = api
        .post("/v1/agents", json!({"address": "hook", "delivery_mode": "http", "callback_url": "http://127.0.0.1:9/x"}))
        .await;
    assert_eq!(
        (loopback.status, loopback.code()),
        (422, "callback_host_not_allowed")
    );
    assert!(loopback.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--allow-callback-host"));
    let metadata = api
        .post("/v1/agents", json!({"address": "hook", "delivery_mode": "http", "callback_url": "http://169.254.169.254/latest/meta-data"}))
        .await;
    assert_eq!(metadata.status, 422);
    for (body, status, code) in [
        (json!({}), 422, "validation_error"),
        (json!({"address": "bad name"}), 422, "invalid_agent_address"),
        (
            json!({"address": "a", "delivery_mode": "pigeon"}),
            422,
            "invalid_delivery_mode",
        ),
        (
            json!({"address": "a", "delivery_mode": "http"}),
            422,
            "callback_url_required",
        ),
        (
            json!({"address": "a", "delivery_mode": "http", "callback_url": "ftp://x/"}),
            422,
            "callback_host_not_allowed",
        ),
        (
            json!({"address": "a", "callback_url": "http://127.0.0.1/"}),
            400,
            "contradictory_fields",
        ),
        (
            json!({"address": "a", "secret": "whsec_x"}),
            400,
            "contradictory_fields",
        ),
        (
            json!({"address": "a", "display_name": "x".repeat(300)}),
            422,
            "validation_error",
        ),
        (
            json!({"address": "a", "delivery_mode": 3}),
            422,
            "validation_error",
        ),
        (json!([1]), 422, "validation_error"),
    ] {
        let resp = api.post("/v1/agents", body.clone()).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{body}: {}",
            resp.body
        );
    }
    let secretive = TestServer::start_with(allow_loopback).await;
    let bad_secret = secretive
        .api()
        .post("/v1/agents", json!({"address": "a", "delivery_mode": "http", "callback_url": "http://127.0.0.1/", "secret": "hunter2"}))
        .await;
    assert_eq!(
        (bad_secret.status, bad_secret.code()),
        (422, "invalid_secret")
    );
    let not_json = api
        .http
        .post(format!("{}/v1/agents", api.base))
        .header("x-api-key", &api.key)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let anonymous = server
        .anonymous()
        .post("/v1/agents", json!({"address": "a"}))
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn internal_agents_complete_their_intents_themselves() {
    let server = TestServer::start().await;
    let api = server.api();
    let registered = api
        .post(
            "/v1/agents",
            json!({"address": "agent://dev/default/clock", "delivery_mode": "internal"}),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert!(registered.body.get("secret").is_none());
    let note = api
        .post("/v1/intents", json!({"intent_type": "tool.internal.notification.v1", "to_agent": "agent://dev/default/clock", "payload": {"text": "hi"}}))
        .await;
    let note_events = until_terminal(&api, note.body["intent_id"].as_str().unwrap()).await;
    assert_eq!(
        types(&note_events)[3..],
        ["intent.acknowledged", "intent.completed"]
    );
    assert_eq!(note_events[3]["details"]["via"], "internal");
    let started = std::time::Instant::now();
    let delay = api
        .post("/v1/intents", json!({"intent_type": "tool.internal.delay.v1", "to_agent": "agent://dev/default/clock", "payload": {"delay_seconds": 1}}))
        .await;
    let id = delay.body["intent_id"].as_str().unwrap();
    let events = until_terminal(&api, id).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        types(&events)[3..],
        ["intent.acknowledged", "intent.waiting", "intent.completed"]
    );
    assert_eq!(events[4]["waiting_reason"], "WAITING_FOR_TIME");
    let intent = api.get(&format!("/v1/intents/{id}")).await.body["intent"].clone();
    assert_eq!(intent["result"]["delayed_seconds"], 1);
    let bad = api
        .post("/v1/intents", json!({"intent_type": "tool.internal.delay.v1", "to_agent": "agent://dev/default/clock", "payload": {"delay_seconds": "soon"}}))
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["details"]["field"].as_str()),
        (422, Some("payload.delay_seconds"))
    );
}

#[tokio::test]
async fn inbox_and_stream_bindings_leave_intents_to_their_owner() {
    let server = TestServer::start().await;
    let api = server.api();
    api.post(
        "/v1/agents",
        json!({"address": "owner", "delivery_mode": "inbox"}),
    )
    .await;
    let id = api.create_to("agent://owner").await;
    let intent = api.get(&format!("/v1/intents/{id}")).await.body["intent"].clone();
    assert_eq!(
        intent["status"], "DELIVERED",
        "an inbox intent waits for its owner"
    );
    let listen = api
        .sse(
            "/v1/agents/owner/intents/stream?since=0&wait_seconds=1",
            &[],
        )
        .await;
    assert_eq!(listen.events()[0].data["intent_id"], id.as_str());
    let agent = api.get("/v1/agents/owner").await;
    assert_eq!(
        agent.body["agent"]["deliveries"]["pending"], 0,
        "nothing goes through the outbox"
    );
}
