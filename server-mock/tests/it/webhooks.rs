//! Webhook subscriptions and events, delivered to a real local receiver that checks both signatures.

use std::sync::{Arc, Mutex};

use axme_server::domain::agents::{CallbackAllowlist, HostRule};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::TestServer;

/// A Standard Webhooks secret: `whsec_` + base64 of the 32 key bytes `KEY`.
const KEY: [u8; 32] = [7; 32];

fn whsec() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(KEY)
    )
}

/// What the receiver got: headers and raw bodies, in order.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A receiver on 127.0.0.1:0 answering `status`; returns its URL and what it received.
async fn receiver(status: StatusCode) -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hooks",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push((headers, body.to_vec()));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hooks"), received)
}

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.agents.callback_hosts = CallbackAllowlist(vec![HostRule::parse("127.0.0.1").unwrap()]);
    })
    .await
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test]
async fn a_published_event_reaches_the_subscriber_signed() {
    let server = server().await;
    let api = server.api();
    let (url, received) = receiver(StatusCode::OK).await;
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

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(event["event_id"], published.body["event_id"]);
    assert_eq!(event["payload"]["thread_id"], "t1");
    let axme = headers["x-axme-signature"].to_str().unwrap();
    assert_eq!(
        axme,
        format!("sha256={}", hex::encode(hmac(whsec().as_bytes(), &[body])))
    );
    let id = headers["webhook-id"].to_str().unwrap();
    let ts = headers["webhook-timestamp"].to_str().unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac(
        &KEY,
        &[id.as_bytes(), b".", ts.as_bytes(), b".", body],
    ));
    assert_eq!(
        headers["webhook-signature"].to_str().unwrap(),
        format!("v1,{expected}")
    );

    // Another owner's event does not reach this subscription.
    let elsewhere = api
        .post(
            "/v1/webhooks/events?owner_agent=agent://acme/other",
            json!({"event_type": "inbox.thread_created"}),
        )
        .await;
    assert_eq!(elsewhere.body["queued_deliveries"], 0);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn failed_deliveries_are_retried_by_replays_then_dead_lettered() {
    let server = server().await;
    let api = server.api();
    let (url, received) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
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
    assert_eq!(received.lock().unwrap().len(), 4);
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
    assert_eq!(received.lock().unwrap().len(), 4);
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
    let (url, received) = receiver(StatusCode::OK).await;
    api.post(
        "/v1/webhooks/subscriptions",
        json!({"callback_url": url, "event_types": ["inbox.reply_received"]}),
    )
    .await;
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "inbox.reply_received"}),
        )
        .await;
    assert_eq!(published.body["dead_lettered"], 1);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn list_update_and_delete_subscriptions() {
    let server = server().await;
    let api = server.api();
    let body =
        json!({"callback_url": "https://hooks.example/a", "event_types": ["inbox.thread_created"]});
    let created = api
        .post(
            "/v1/webhooks/subscriptions?owner_agent=agent://o/one",
            body.clone(),
        )
        .await;
    let id = created.body["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut update = body.clone();
    update["event_types"] = json!(["inbox.thread_created", "inbox.thread_updated"]);
    let updated = api
        .post(
            "/v1/webhooks/subscriptions?owner_agent=agent://o/one",
            update,
        )
        .await;
    assert_eq!(
        updated.body["subscription"]["subscription_id"],
        id.as_str(),
        "same owner and URL: updated"
    );
    assert_eq!(updated.body["created"], false);
    let org_wide = api.post("/v1/webhooks/subscriptions", body).await;
    assert_eq!(org_wide.body["subscription"]["owner_agent"], Value::Null);

    let listed = api
        .get("/v1/webhooks/subscriptions?owner_agent=agent://o/one")
        .await;
    assert_eq!(
        listed.body["subscriptions"].as_array().unwrap().len(),
        2,
        "own and organisation-wide"
    );
    let other_owner = api
        .get("/v1/webhooks/subscriptions?owner_agent=agent://o/two")
        .await;
    assert_eq!(
        other_owner.body["subscriptions"].as_array().unwrap().len(),
        1
    );

    let path = format!("/v1/webhooks/subscriptions/{id}");
    let wrong_owner = api
        .call(
            Method::DELETE,
            &format!("{path}?owner_agent=agent://o/two"),
            None,
            &[],
        )
        .await;
    assert_eq!(wrong_owner.status, 404);
    let deleted = api.call(Method::DELETE, &path, None, &[]).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let again = api.call(Method::DELETE, &path, None, &[]).await;
    assert_eq!(
        again.body["revoked_at"], deleted.body["revoked_at"],
        "deleting again answers the same"
    );
    let live = api
        .get("/v1/webhooks/subscriptions?owner_agent=agent://o/one")
        .await;
    assert_eq!(live.body["subscriptions"].as_array().unwrap().len(), 1);
    let all = api
        .get("/v1/webhooks/subscriptions?include_inactive=true")
        .await;
    assert_eq!(all.body["subscriptions"].as_array().unwrap().len(), 2);
    let (_, other) = server.credential("other").await;
    assert_eq!(
        other.call(Method::DELETE, &path, None, &[]).await.status,
        404
    );
}

#[tokio::test]
async fn bad_input_is_refused() {
    let server = server().await;
    let api = server.api();
    for (body, code) in [
        (
            json!({"callback_url": "https://x.example/h", "event_types": ["inbox.nope"]}),
            "invalid_event_type",
        ),
        (
            json!({"callback_url": "https://x.example/h", "event_types": []}),
            "validation_error",
        ),
        (
            json!({"callback_url": "ftp://x.example/h", "event_types": ["invite.accepted"]}),
            "invalid_callback_url",
        ),
        (
            json!({"callback_url": "https://u:p@x.example/h", "event_types": ["invite.accepted"]}),
            "invalid_callback_url",
        ),
        (
            json!({"event_types": ["invite.accepted"]}),
            "validation_error",
        ),
        (
            json!({"callback_url": "https://x.example/h", "event_types": ["invite.accepted"], "secret": "short"}),
            "validation_error",
        ),
    ] {
        let refused = api.post("/v1/webhooks/subscriptions", body.clone()).await;
        assert_eq!((refused.status, refused.code()), (422, code), "{body}");
    }
    let mismatch = api
        .call(
            Method::POST,
            "/v1/webhooks/subscriptions?owner_agent=agent://a/b",
            Some(
                json!({"callback_url": "https://x.example/h", "event_types": ["invite.accepted"]}),
            ),
            &[("x-owner-agent", "agent://a/c")],
        )
        .await;
    assert_eq!(
        (mismatch.status, mismatch.code()),
        (400, "owner_agent_mismatch")
    );
    let unknown_type = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "intent.created"}),
        )
        .await;
    assert_eq!(
        (unknown_type.status, unknown_type.code()),
        (422, "invalid_event_type")
    );
    assert_eq!(api.post("/v1/webhooks/events", json!({})).await.status, 422);
    assert_eq!(
        api.post(
            "/v1/webhooks/events",
            json!({"event_type": "invite.accepted", "payload": 3})
        )
        .await
        .status,
        422
    );
    assert_eq!(
        api.call(Method::DELETE, "/v1/webhooks/subscriptions/nope", None, &[])
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/webhooks/subscriptions?include_inactive=maybe")
            .await
            .status,
        422
    );
    assert_eq!(
        server
            .anonymous()
            .get("/v1/webhooks/subscriptions")
            .await
            .status,
        401
    );
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
    let server = server().await;
    let api = server.api();
    let (url, received) = receiver(StatusCode::NO_CONTENT).await;
    let secret = "a plain shared secret of upstream receivers";
    api.post(
        "/v1/webhooks/subscriptions",
        json!({"callback_url": url, "event_types": ["invite.accepted"], "secret": secret}),
    )
    .await;
    let published = api
        .post(
            "/v1/webhooks/events",
            json!({"event_type": "invite.accepted"}),
        )
        .await;
    assert_eq!(published.body["delivered"], 1, "any 2xx is a delivery");
    let (headers, body) = received.lock().unwrap()[0].clone();
    let expected = format!("sha256={}", hex::encode(hmac(secret.as_bytes(), &[&body])));
    assert_eq!(headers["x-axme-signature"].to_str().unwrap(), expected);
    assert!(
        headers.get("webhook-signature").is_none(),
        "Standard Webhooks needs a whsec_ key"
    );
}

#[tokio::test]
async fn accepting_an_invite_raises_invite_accepted() {
    let server = server().await;
    let api = server.api();
    let (url, received) = receiver(StatusCode::OK).await;
    api.post(
        "/v1/webhooks/subscriptions?owner_agent=agent://acme/inviter",
        json!({"callback_url": url, "event_types": ["invite.accepted"]}),
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
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let event: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(event["event_type"], "invite.accepted");
    assert_eq!(event["event_id"], accepted.body["webhook_event_id"]);
    assert_eq!(event["payload"]["user_id"], accepted.body["user_id"]);
    assert!(
        !String::from_utf8_lossy(&got[0].1).contains(token),
        "the token is never sent"
    );
}
