//! Webhook subscriptions: create or update, list by owner, delete (revoke); bad input.

use reqwest::Method;
use serde_json::{json, Value};

use crate::webhook_events::server;

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
