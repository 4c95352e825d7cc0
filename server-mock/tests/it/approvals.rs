//! Approval decisions: free-standing ones, ones that answer a human task, and their conflicts.

use serde_json::json;

use crate::humans_support::{create, task_intent, user};
use crate::support::TestServer;

#[tokio::test]
async fn approval_decisions_answer_human_tasks_or_stand_alone() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let free = uuid::Uuid::new_v4().to_string();
    let path = format!("/v1/approvals/{free}/decision");
    let decided = api
        .post(
            &path,
            json!({"decision": "approve", "comment": "by conformance"}),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    let approval = &decided.body["approval"];
    assert_eq!(
        (
            approval["approval_id"].as_str(),
            approval["decision"].as_str()
        ),
        (Some(free.as_str()), Some("approve"))
    );
    assert!(approval["decided_at"].is_string() && approval["intent_id"].is_null());
    assert_eq!(
        api.post(&path, json!({"decision": "approve"})).await.body["approval"],
        *approval
    );
    let flip = api.post(&path, json!({"decision": "reject"})).await;
    assert_eq!(
        (flip.status, flip.code()),
        (409, "approval_already_decided")
    );
    for bad in [
        json!({}),
        json!({"decision": "maybe"}),
        json!({"decision": "approve", "comment": 3}),
    ] {
        assert_eq!(
            api.post(
                &format!("/v1/approvals/{}/decision", uuid::Uuid::new_v4()),
                bad
            )
            .await
            .status,
            422
        );
    }
    // An intent waiting on a human task: the decision answers the task.
    let alice = user(&ts, "alice", None);
    let id = create(
        &api,
        task_intent(
            "agent://acme/deployer",
            json!({"title": "t", "assignees": ["alice"]}),
        ),
    )
    .await;
    let by_alice = alice
        .post(
            &format!("/v1/approvals/{id}/decision"),
            json!({"decision": "approve", "comment": "go"}),
        )
        .await;
    assert_eq!(by_alice.status, 200, "{}", by_alice.body);
    assert_eq!(by_alice.body["approval"]["intent_id"], id);
    assert_eq!(by_alice.body["approval"]["intent_status"], "IN_PROGRESS");
    assert_eq!(
        by_alice.body["approval"]["decided_by"],
        "agent://dev/default/alice"
    );
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(
        got.body["intent"]["task_result"],
        json!({"outcome": "approved", "comment": "go"})
    );
    let plain = api.create().await;
    let not_pending = api
        .post(
            &format!("/v1/approvals/{plain}/decision"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        (not_pending.status, not_pending.code()),
        (409, "approval_not_pending")
    );
    let form = create(
        &api,
        task_intent("agent://w", json!({"title": "t", "task_type": "form"})),
    )
    .await;
    let wrong = api
        .post(
            &format!("/v1/approvals/{form}/decision"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (409, "not_an_approval"));
}
