//! Webhook events delivered to a real local receiver (`receiver.rs`) that checks both signatures:
//! publish, replay and dead-lettering, the callback allowlist, idempotency, `invite.accepted`.

use axme_server::domain::agents::{CallbackAllowlist, HostRule};
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::receiver::{verify, Receiver};
use crate::support::TestServer;

/// A Standard Webhooks secret: `whsec_` + base64 of 32 key bytes.
fn whsec() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    )
}

pub async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.agents.callback_hosts = CallbackAllowlist(vec![HostRule::parse("127.0.0.1").unwrap()]);
    })
    .await
}

#[tokio::test]
async fn a_published_event_reaches_the_subscriber_signed() {
    let server = server().await;
    let api = server.api();
    let receiver = Receiver::start(&[200]).await;
    let url = receiver.url.clone();
    let sub = api
        .post(
            "/v1/webhooks/subscriptions?owner_agent=agent://acme/owner",
            json!({"callback_url": url, "event_types": ["inbox.thread_created"], "secret": whsec()}),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    assert_eq!(
        sub.body["subscription"]["owner_agent"],
        "agent://acme/owner"
    );
    assert!(
        sub.body.get("secret").is_none(),
        "a given secret is not echoed"
    );

    let published = api
        .post("/v1/webhooks/events?owner_agent=agent://acme/owner", json!({"event_type": "inbox.thread_created", "source": "test", "payload": {"thread_id": "t1"}}))
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let counters = |b: &Value| {
        [
            "queued_deliveries",
            "processed_deliveries",
            "delivered",
            "pending",
            "dead_lettered",
        ]
        .map(|k| b[k].as_i64().unwrap())
    };
    assert_eq!(counters(&published.body), [1, 1, 1, 0, 0]);

    // Delivered before publish answered: the receiver already has it, with both signatures.
    let got = receiver.hits();
    assert_eq!(got.len(), 1);
    verify(&got[0], &whsec());
    let event = got[0].json();
    assert_eq!(event["event_id"], published.body["event_id"]);
    assert_eq!(event["payload"]["thread_id"], "t1");

    // Another owner's event does not reach this subscription.
    let elsewhere = api
        .post(
            "/v1/webhooks/events?owner_agent=agent://acme/other",
            json!({"event_type": "inbox.thread_created"}),
        )
        .await;
    assert_eq!(elsewhere.body["queued_deliveries"], 0);
    assert_eq!(receiver.hits().len(), 1);
}

#[tokio::test]
async fn failed_deliveries_are_retried_by_replays_then_dead_lettered() {
    let server = server().await;
    let api = server.api();
    let receiver = Receiver::start(&[500]).await;
    let url = receiver.url.clone();
    let sub = api
        .post(
            "/v1/webhooks/subscriptions",
            json!({"callback_url": url, "event_types": ["invite.accepted"]}),
        )
        .await;
    assert!(
        sub.body["secret"].as_str().unwrap().starts_with("whsec_"),
        "a generated secret is shown once"
    );
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "invite.accepted"}),
        )
        .await;
    assert_eq!(
        (
            published.body["pending"].clone(),
            published.body["delivered"].clone()
        ),
        (json!(1), json!(0))
    );
    let event_id = published.body["event_id"].as_str().unwrap();
    let replay = |n: i64| {
        let api = api.clone();
        let path = format!("/v1/webhooks/events/{event_id}/replay");
        async move {
            let replayed = api.post(&path, json!({})).await;
            assert_eq!(replayed.status, 200, "{}", replayed.body);
            assert!(replayed.body["replayed_at"].is_string());
            assert_eq!(replayed.body["processed_deliveries"], 1, "replay {n}");
            replayed
        }
    };
    // A replay is the next attempt of a pending delivery: the third failure dead-letters it.
    assert_eq!(replay(1).await.body["pending"], 1);
    assert_eq!(replay(2).await.body["dead_lettered"], 1);
    // Replaying a dead-lettered delivery starts it over.
    assert_eq!(replay(3).await.body["pending"], 1);
    assert_eq!(receiver.hits().len(), 4);
    // A revoked subscription gets nothing more: its waiting delivery is dead-lettered.
    let sub_id = sub.body["subscription"]["subscription_id"]
        .as_str()
        .unwrap();
    let revoked = api
        .call(
            Method::DELETE,
            &format!("/v1/webhooks/subscriptions/{sub_id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(revoked.status, 200);
    let path = format!("/v1/webhooks/events/{event_id}/replay");
    let after = api.post(&path, json!({})).await;
    let counts = [
        "queued_deliveries",
        "processed_deliveries",
        "pending",
        "dead_lettered",
    ]
    .map(|k| after.body[k].as_i64().unwrap());
    assert_eq!(counts, [0, 0, 0, 1]);
    assert_eq!(receiver.hits().len(), 4);
    let unknown = api
        .post(
            &format!("/v1/webhooks/events/{}/replay", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "event_not_found"));
}

#[tokio::test]
async fn hosts_outside_the_allow_list_are_never_called() {
    let server = TestServer::start().await; // no allowed hosts
    let api = server.api();
    let receiver = Receiver::start(&[200]).await;
    api.post(
        "/v1/webhooks/subscriptions",
        json!({"callback_url": receiver.url, "event_types": ["inbox.reply_received"]}),
    )
    .await;
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "inbox.reply_received"}),
        )
        .await;
    assert_eq!(published.body["dead_lettered"], 1);
    assert!(receiver.hits().is_empty());
}

#[tokio::test]
async fn an_idempotent_publish_is_one_event() {
    let server = server().await;
    let api = server.api();
    let body = json!({"event_type": "auth.session_revoked"});
    let headers = [("idempotency-key", "publish-once-1")];
    let first = api
        .call(
            Method::POST,
            "/v1/webhooks/events",
            Some(body.clone()),
            &headers,
        )
        .await;
    let second = api
        .call(Method::POST, "/v1/webhooks/events", Some(body), &headers)
        .await;
    assert_eq!(first.body["event_id"], second.body["event_id"]);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn a_plain_secret_signs_with_x_axme_signature_only() {
    use hmac::{Hmac, Mac};
    let server = server().await;
    let api = server.api();
    let receiver = Receiver::start(&[204]).await;
    let secret = "a plain shared secret of upstream receivers";
    api.post(
        "/v1/webhooks/subscriptions",
        json!({"callback_url": receiver.url, "event_types": ["invite.accepted"], "secret": secret}),
    )
    .await;
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "invite.accepted"}),
        )
        .await;
    assert_eq!(published.body["delivered"], 1, "any 2xx is a delivery");
    let hit = receiver.hits()[0].clone();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&hit.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(hit.header("x-axme-signature"), expected);
    assert_eq!(
        hit.header("webhook-signature"),
        "",
        "Standard Webhooks needs a whsec_ key"
    );
}

#[tokio::test]
async fn accepting_an_invite_raises_invite_accepted() {
    let server = server().await;
    let api = server.api();
    let receiver = Receiver::start(&[200]).await;
    api.post(
        "/v1/webhooks/subscriptions?owner_agent=agent://acme/inviter",
        json!({"callback_url": receiver.url, "event_types": ["invite.accepted"]}),
    )
    .await;
    let invite = api
        .post(
            "/v1/invites/create",
            json!({"owner_agent": "agent://acme/inviter"}),
        )
        .await;
    let token = invite.body["token"].as_str().unwrap();
    let accepted = api
        .post(
            &format!("/v1/invites/{token}/accept"),
            json!({"nick": "@newcomer"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let event = hits[0].json();
    assert_eq!(event["event_type"], "invite.accepted");
    assert_eq!(event["event_id"], accepted.body["webhook_event_id"]);
    assert_eq!(event["payload"]["user_id"], accepted.body["user_id"]);
    let raw = String::from_utf8_lossy(&hits[0].body);
    assert!(!raw.contains(token), "the token is never sent");
}

/// A failed delivery is retried by the server's timer after the retry schedule's wait, without a
/// replay: same delivery (`webhook-id`), next attempt number, signed again.
#[tokio::test]
async fn the_retry_timer_resends_a_failed_delivery_after_the_schedule_wait() {
    let server = TestServer::start_with(|c| {
        c.agents.callback_hosts = CallbackAllowlist(vec![HostRule::parse("127.0.0.1").unwrap()]);
        c.agents.retry_schedule = vec![std::time::Duration::from_millis(50)];
    })
    .await;
    let api = server.api();
    let receiver = Receiver::start(&[503, 200]).await;
    let sub = api
        .post(
            "/v1/webhooks/subscriptions",
            json!({"callback_url": receiver.url.clone(), "event_types": ["invite.accepted"], "secret": whsec()}),
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.body);
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "invite.accepted"}),
        )
        .await;
    assert_eq!(published.body["pending"], 1, "{}", published.body);

    let hits = receiver.wait_for(2).await;
    assert_eq!(hits.len(), 2);
    verify(&hits[1], &whsec());
    assert_eq!(hits[0].header("webhook-id"), hits[1].header("webhook-id"));
    assert_eq!(hits[0].json()["attempt"], 1);
    assert_eq!(hits[1].json()["attempt"], 2);

    // The retry was recorded as delivered: a replay starts the delivery over (attempt 1), where a
    // still-pending one would have gone on with attempt 3.
    let event_id = published.body["event_id"].as_str().unwrap();
    let replayed = api
        .post(&format!("/v1/webhooks/events/{event_id}/replay"), json!({}))
        .await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(replayed.body["delivered"], 1, "{}", replayed.body);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2].json()["attempt"], 1);
}
