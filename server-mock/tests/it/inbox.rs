//! Owner inboxes and approvals: completion delivery to `reply_to`, every inbox endpoint, owner scoping,
//! the change feed, and approval decisions.

use reqwest::Method;
use serde_json::{json, Value};

use crate::humans_support::{agent_resume, create};
use crate::support::{intent_body, Api, TestServer};

const OWNER: &str = "agent://conformance/owner";

/// Creates an intent with `reply_to` and completes it; returns its id (= the thread id).
pub async fn completed_to(api: &Api, reply_to: &str) -> String {
    let mut body = intent_body("agent://conformance/receiver");
    body["reply_to"] = json!(reply_to);
    let id = create(api, body).await;
    let resolved = api
        .post(
            &format!("/v1/intents/{id}/resolve"),
            json!({"status": "COMPLETED", "result": {"ok": true}}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    id
}

fn thread_path(id: &str, action: &str) -> String {
    format!("/v1/inbox/{id}/{action}?owner_agent={OWNER}")
}

#[tokio::test]
async fn a_completion_with_reply_to_lands_in_that_owners_inbox() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let mut body = intent_body("agent://conformance/receiver");
    body["reply_to"] = json!(OWNER);
    let id = create(&api, body).await;
    let resolved = api
        .post(
            &format!("/v1/intents/{id}/resolve"),
            json!({"status": "COMPLETED", "result": {"ok": true}}),
        )
        .await;
    let delivery = &resolved.body["completion_delivery"];
    assert_eq!(delivery["delivered"], true);
    assert_eq!(delivery["reply_to"], OWNER);
    assert_eq!(delivery["thread_id"], id);
    assert!(delivery["message_id"].is_string());
    assert_eq!(delivery["completion"]["result"], json!({"ok": true}));
    let inbox = api.get(&format!("/v1/inbox?owner_agent={OWNER}")).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let thread = &inbox.body["threads"][0];
    assert_eq!(thread["thread_id"], id);
    assert_eq!(thread["intent_id"], id);
    assert_eq!(
        (thread["status"].as_str(), thread["unread"].as_bool()),
        (Some("pending"), Some(true))
    );
    assert_eq!(thread["from_agent"], "agent://dev/default/dev");
    assert_eq!(thread["to_agent"], "agent://conformance/receiver");
    assert_eq!(thread["timeline"][0]["event_type"], "intent.completed");
    assert_eq!(thread["timeline"][0]["message_id"], delivery["message_id"]);
    // The same owner through the header; header and query disagreeing is 400.
    let by_header = api
        .call(Method::GET, "/v1/inbox", None, &[("x-owner-agent", OWNER)])
        .await;
    assert_eq!(by_header.body["threads"][0]["thread_id"], id);
    let both = api
        .call(
            Method::GET,
            &format!("/v1/inbox?owner_agent={OWNER}"),
            None,
            &[("x-owner-agent", "agent://someone/else")],
        )
        .await;
    assert_eq!((both.status, both.code()), (400, "owner_agent_mismatch"));
    assert!(api
        .get("/v1/inbox?owner_agent=agent://someone/else")
        .await
        .body["threads"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(api.get("/v1/inbox?owner_agent=a%20b").await.status, 422);
    assert_eq!(
        api.get(&format!("/v1/inbox?owner_agent={OWNER}&status=archived"))
            .await
            .status,
        422
    );
    assert_eq!(
        api.get(&format!("/v1/inbox?owner_agent={OWNER}&status=done"))
            .await
            .body["threads"],
        json!([])
    );
    // An agent finishing with `resume` delivers too; no reply_to says so.
    let mut body = intent_body("agent://w");
    body["reply_to"] = json!(OWNER);
    let by_agent = create(&api, body).await;
    let done = agent_resume(
        &api,
        "agent://w",
        &by_agent,
        json!({"action": "fail", "error": {"code": "boom"}}),
    )
    .await;
    assert_eq!(done.body["completion_delivery"]["thread_id"], by_agent);
    let plain = api.create().await;
    let resolved = api.resolve(&plain, "COMPLETED").await;
    assert_eq!(
        resolved.body["completion_delivery"],
        json!({"delivered": false, "reason": "reply_to_not_set"})
    );
    // Tenancy: another organisation does not see the thread.
    let (_, other) = ts.credential("inbox-tenancy").await;
    assert_eq!(
        other
            .get(&format!("/v1/inbox/{id}?owner_agent={OWNER}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn thread_actions_read_reply_delegate_decide_and_delete() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let id = completed_to(&api, OWNER).await;
    let read = api.post(&thread_path(&id, "read"), json!({})).await;
    assert_eq!(read.body["thread"]["unread"], false);
    let replied = api
        .post(
            &thread_path(&id, "reply"),
            json!({"message": "ack from the owner"}),
        )
        .await;
    let thread = &replied.body["thread"];
    assert_eq!(thread["status"], "active");
    assert_eq!(thread["timeline"][1]["event_type"], "message.sent");
    assert_eq!(
        thread["timeline"][1]["details"]["message"],
        "ack from the owner"
    );
    let delegated = api
        .post(
            &thread_path(&id, "delegate"),
            json!({"delegate_to": "agent://conformance/delegate", "note": "handoff"}),
        )
        .await;
    assert_eq!(
        delegated.body["thread"]["delegated_to"],
        "agent://conformance/delegate"
    );
    assert_eq!(
        delegated.body["thread"]["participants"],
        json!([OWNER, "agent://conformance/delegate"])
    );
    let delegate_inbox = api
        .get("/v1/inbox?owner_agent=agent://conformance/delegate")
        .await;
    assert_eq!(delegate_inbox.body["threads"][0]["thread_id"], id);
    assert_eq!(
        api.get(&format!("/v1/inbox?owner_agent={OWNER}"))
            .await
            .body["threads"][0]["thread_id"],
        id
    );
    let approved = api
        .post(
            &thread_path(&id, "approve"),
            json!({"comment": "looks good"}),
        )
        .await;
    assert_eq!(approved.body["thread"]["status"], "done");
    assert_eq!(approved.body["thread"]["decision"]["decision"], "approve");
    assert_eq!(approved.body["thread"]["decision"]["decided_by"], OWNER);
    assert_eq!(
        api.post(&thread_path(&id, "approve"), json!({}))
            .await
            .status,
        200
    );
    let flip = api
        .post(&thread_path(&id, "reject"), json!({"comment": "no"}))
        .await;
    assert_eq!((flip.status, flip.code()), (409, "thread_already_decided"));
    // Delete for self: gone for the owner, still there for the delegate.
    let deleted = api
        .post(
            &thread_path(&id, "messages/delete"),
            json!({"mode": "self", "limit": 1}),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        (
            deleted.body["mode"].as_str(),
            deleted.body["deleted_count"].as_i64()
        ),
        (Some("self"), Some(1))
    );
    let gone = deleted.body["message_ids"][0].as_str().unwrap().to_string();
    let ids_in = |thread: &Value| -> Vec<String> {
        thread["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["message_id"].as_str().map(str::to_string))
            .collect()
    };
    assert!(!ids_in(&deleted.body["thread"]).contains(&gone));
    let for_delegate = api
        .get(&format!(
            "/v1/inbox/{id}?owner_agent=agent://conformance/delegate"
        ))
        .await;
    assert!(ids_in(&for_delegate.body["thread"]).contains(&gone));
    // Delete for both, by the delegate: the reply disappears for everyone; record entries stay.
    let both = api
        .post(
            &format!("/v1/inbox/{id}/messages/delete?owner_agent=agent://conformance/delegate"),
            json!({"mode": "both", "message_ids": ids_in(&for_delegate.body["thread"])}),
        )
        .await;
    assert_eq!(both.body["deleted_count"], 2);
    let owner_view = api
        .get(&format!("/v1/inbox/{id}?owner_agent={OWNER}"))
        .await;
    assert!(ids_in(&owner_view.body["thread"]).is_empty());
    let remaining: Vec<&str> = owner_view.body["thread"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(remaining, ["thread.delegated", "thread.approved"]);
    // Bad input.
    for (action, body, status) in [
        ("reply", json!({}), 422),
        ("reply", json!({"message": 7}), 422),
        ("delegate", json!({"delegate_to": "a b"}), 422),
        ("delegate", json!({"delegate_to": OWNER}), 422),
        ("messages/delete", json!({"mode": "everyone"}), 422),
        ("messages/delete", json!({"limit": 0}), 422),
        ("approve", json!({"comment": 5}), 422),
    ] {
        let resp = api.post(&thread_path(&id, action), body.clone()).await;
        assert_eq!(resp.status, status, "{action} {body}: {}", resp.body);
    }
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        api.post(
            &thread_path(&unknown.to_string(), "reply"),
            json!({"message": "x"})
        )
        .await
        .code(),
        "thread_not_found"
    );
    assert_eq!(
        api.get(&format!("/v1/inbox/{unknown}?owner_agent={OWNER}"))
            .await
            .status,
        404
    );
    let stranger = api
        .get(&format!("/v1/inbox/{id}?owner_agent=agent://stranger"))
        .await;
    assert_eq!((stranger.status, stranger.code()), (403, "owner_mismatch"));
    assert_eq!(
        api.post(
            &format!("/v1/inbox/{id}/read?owner_agent=agent://stranger"),
            json!({})
        )
        .await
        .status,
        403
    );
    let no_json = reqwest::Client::new()
        .post(format!("{}{}", ts.base, thread_path(&id, "reply")))
        .header("x-api-key", &ts.key)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(no_json.status().as_u16(), 400);
}
