//! Webhook subscriptions and events, and a signed delivery to a receiver inside the checker.

use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use super::harness::{ensure, is_uuid, short, CheckResult, Ctx};
use super::receiver::{verify, Receiver};

const COUNTERS: [&str; 5] = [
    "queued_deliveries",
    "processed_deliveries",
    "delivered",
    "pending",
    "dead_lettered",
];

fn has_counters(v: &Value) -> bool {
    COUNTERS
        .iter()
        .all(|k| v[*k].as_i64().is_some_and(|n| n >= 0))
}

fn subscription_shape(v: &Value) -> bool {
    let keys = [
        "subscription_id",
        "owner_agent",
        "callback_url",
        "event_types",
        "active",
        "created_at",
        "updated_at",
        "revoked_at",
        "secret_hint",
    ];
    keys.iter().all(|k| v.get(*k).is_some())
        && is_uuid(&v["subscription_id"])
        && v["event_types"].as_array().is_some_and(|t| !t.is_empty())
}

pub async fn subscriptions(c: Ctx) -> CheckResult {
    let owner = c.address("owner-webhooks");
    let path = format!("/v1/webhooks/subscriptions?owner_agent={owner}");
    let body = json!({"callback_url": "https://integrator.example/webhooks/axme", "event_types": ["inbox.thread_created"], "active": true, "description": "conformance subscription"});
    let created = c.post_ok(&path, &body).await?;
    ensure!(
        created["ok"] == json!(true) && subscription_shape(&created["subscription"]),
        "POST {path}: expected ok and a subscription with id, owner_agent, callback_url, event_types, active, timestamps and secret_hint, got {}",
        short(&created)
    );
    let id = created["subscription"]["subscription_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let list = c.get_ok(&path).await?;
    let subs = list["subscriptions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        list["ok"] == json!(true)
            && subs.iter().all(subscription_shape)
            && subs.iter().any(|s| s["subscription_id"] == json!(id)),
        "GET {path}: expected ok and subscription {id} listed, got {}",
        short(&list)
    );
    let delete = format!("/v1/webhooks/subscriptions/{id}?owner_agent={owner}");
    let deleted = c
        .send(Method::DELETE, &delete, None, &[])
        .await?
        .ok_body()?;
    ensure!(
        deleted["ok"] == json!(true)
            && deleted["subscription_id"] == json!(id)
            && deleted["revoked_at"].is_string(),
        "DELETE {delete}: expected ok, the subscription_id and revoked_at, got {}",
        short(&deleted)
    );
    Ok(())
}

pub async fn events(c: Ctx) -> CheckResult {
    let owner = c.address("owner-webhook-events");
    let path = format!("/v1/webhooks/events?owner_agent={owner}");
    let body = json!({"event_type": "inbox.thread_created", "source": "conformance", "payload": {"thread_id": uuid::Uuid::new_v4()}});
    let published = c.post_ok(&path, &body).await?;
    ensure!(
        published["ok"] == json!(true)
            && is_uuid(&published["event_id"])
            && has_counters(&published),
        "POST {path}: expected ok, a UUID event_id and the counters {COUNTERS:?}, got {}",
        short(&published)
    );
    let id = published["event_id"].as_str().unwrap_or_default();
    let replay = format!("/v1/webhooks/events/{id}/replay?owner_agent={owner}");
    let replayed = c.post_ok(&replay, &json!({})).await?;
    ensure!(
        replayed["ok"] == json!(true)
            && replayed["event_id"] == json!(id)
            && replayed["replayed_at"].is_string()
            && has_counters(&replayed),
        "POST {replay}: expected ok, the event_id, replayed_at and the counters, got {}",
        short(&replayed)
    );
    Ok(())
}

pub async fn signed_delivery(c: Ctx) -> CheckResult {
    let receiver = Receiver::start(&c.receiver.bind, c.receiver.public_url.as_deref()).await?;
    let owner = c.address("owner-signed");
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2))
    );
    let path = format!("/v1/webhooks/subscriptions?owner_agent={owner}");
    let body = json!({"callback_url": receiver.url, "event_types": ["inbox.thread_created"], "secret": secret});
    let subscribed = c.post(&path, &body).await?;
    ensure!(
        subscribed.status == 200,
        "subscribing the checker's receiver {}: expected HTTP 200, got {} (a server that only calls allow-listed hosts must allow it; the reference server: --allow-callback-host 127.0.0.1)",
        receiver.url,
        subscribed.describe()
    );
    let event = format!("/v1/webhooks/events?owner_agent={owner}");
    let thread = uuid::Uuid::new_v4().to_string();
    let published = c
        .post_ok(&event, &json!({"event_type": "inbox.thread_created", "source": "conformance", "payload": {"thread_id": thread}}))
        .await?;
    // A server that reports the delivery already given up (nothing delivered, nothing pending)
    // will not call later: say so without waiting.
    let gave_up = published["dead_lettered"].as_i64() >= Some(1)
        && published["delivered"] == json!(0)
        && published["pending"] == json!(0);
    let wait = if gave_up {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(15)
    };
    let Some(hit) = receiver.first(wait).await else {
        return Err(format!(
            "no delivery reached {} within {:?} of publishing (publish answered {}); a server that only calls allow-listed hosts must allow this one (the reference server: --allow-callback-host 127.0.0.1), and a remote server needs --receiver-url pointing back at this machine",
            receiver.url,
            wait,
            short(&published)
        ));
    };
    verify(&hit, &secret)?;
    let delivered: Value = serde_json::from_slice(&hit.body).unwrap_or(Value::Null);
    ensure!(
        delivered["event_id"] == published["event_id"]
            && delivered["payload"]["thread_id"] == json!(thread),
        "the delivery: expected event_id {} and the published payload, got {}",
        published["event_id"],
        short(&delivered)
    );
    Ok(())
}
