//! Answers to human tasks: `task_result` checked against the task, where each outcome sends the
//! intent, operators answering on a human's behalf, and tasks closed by their intent's end.

use reqwest::Method;
use serde_json::{json, Value};

use crate::humans_support::{create, task_intent, user};
use crate::support::TestServer;

fn strict_task() -> Value {
    json!({
        "title": "Grant READ on prod-analytics", "task_type": "approval", "assignees": ["alice"],
        "required_comment": true, "evidence_required": true,
        "form_schema": {"type": "object", "required": ["grant_days"],
            "properties": {"grant_days": {"type": "integer", "minimum": 1, "maximum": 90}}}
    })
}

#[tokio::test]
async fn answers_are_checked_then_the_agent_gets_its_work_back() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let alice = user(&ts, "alice", None);
    let bob = user(&ts, "bob", None);
    let id = create(&api, task_intent("agent://acme/granter", strict_task())).await;
    for (answer, status, code, field) in [
        (
            json!({"comment": "no outcome"}),
            422,
            "validation_error",
            "task_result.outcome",
        ),
        (
            json!({"outcome": "maybe", "comment": "c"}),
            422,
            "outcome_not_allowed",
            "task_result.outcome",
        ),
        (
            json!({"outcome": "approved"}),
            422,
            "comment_required",
            "task_result.comment",
        ),
        (
            json!({"outcome": "approved", "comment": "ok"}),
            422,
            "evidence_required",
            "task_result.data.evidence",
        ),
        (
            json!({"outcome": "approved", "comment": "ok", "data": {"evidence": "JIRA-1"}}),
            422,
            "form_validation_failed",
            "task_result.grant_days",
        ),
        (
            json!({"outcome": "approved", "comment": "ok", "evidence": "JIRA-1", "grant_days": 365}),
            422,
            "form_validation_failed",
            "task_result.grant_days",
        ),
    ] {
        let resp = alice.answer(&id, answer.clone()).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{answer}: {}",
            resp.body
        );
        assert_eq!(resp.body["error"]["details"]["field"], field, "{answer}");
    }
    let not_json = alice.answer(&id, json!("approved")).await;
    assert_eq!(not_json.status, 422);
    let valid = json!({"outcome": "approved", "comment": "ok", "data": {"evidence": "JIRA-1", "grant_days": 30}});
    let stranger = bob.answer(&id, valid.clone()).await;
    assert_eq!((stranger.status, stranger.code()), (403, "not_an_assignee"));
    // The agent already had the intent delivered (while it waited for the human).
    let before = api
        .sse("/v1/agents/acme/granter/intents/stream?wait_seconds=1", &[])
        .await;
    assert_eq!(before.events().len(), 1);
    let answered = alice.answer(&id, valid.clone()).await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.body["intent"]["status"], "IN_PROGRESS");
    assert_eq!(answered.body["intent"]["task_result"], valid);
    assert_eq!(answered.body["event"]["event_type"], "intent.in_progress");
    assert_eq!(answered.body["event"]["actor"], alice.address);
    assert_eq!(answered.body["event"]["details"]["outcome"], "approved");
    // Now actionable, it is enqueued for the agent again (a new, larger cursor).
    let since = before.seqs()[0];
    let after = api
        .sse(
            &format!("/v1/agents/acme/granter/intents/stream?since={since}&wait_seconds=1"),
            &[],
        )
        .await;
    assert_eq!(after.events().len(), 1, "{}", after.raw);
    assert_eq!(after.events()[0].data["status"], "IN_PROGRESS");
    let again = alice.answer(&id, valid).await;
    assert_eq!((again.status, again.code()), (409, "no_open_human_task"));
    let tasks = alice.get("/v1/me/tasks?status=answered").await;
    assert_eq!(tasks.body["tasks"][0]["intent_id"], id);
    assert_eq!(tasks.body["tasks"][0]["outcome"], "approved");
    assert_eq!(
        tasks.body["tasks"][0]["answered_by"],
        "agent://dev/default/alice"
    );
    assert!(alice.task_ids("open").await.is_empty());
}

#[tokio::test]
async fn a_refusal_fails_the_intent_and_reaches_the_reply_to_inbox() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let alice = user(&ts, "alice", None);
    let mut body = task_intent("agent://acme/granter", strict_task());
    body["reply_to"] = json!("agent://acme/requester");
    let id = create(&api, body).await;
    // A refusal still needs its comment and evidence, but not the form.
    let refused = alice
        .answer(
            &id,
            json!({"outcome": "rejected", "comment": "not this quarter", "evidence": "policy-7"}),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    let intent = &refused.body["intent"];
    assert_eq!(intent["status"], "FAILED");
    assert_eq!(intent["error"]["code"], "human_task_rejected");
    assert_eq!(intent["error"]["comment"], "not this quarter");
    assert_eq!(refused.body["completion_delivery"]["delivered"], true);
    assert_eq!(refused.body["completion_delivery"]["thread_id"], id);
    let inbox = api
        .get("/v1/inbox?owner_agent=agent://acme/requester")
        .await;
    assert_eq!(inbox.body["threads"][0]["thread_id"], id);
    assert_eq!(
        inbox.body["threads"][0]["timeline"][0]["event_type"],
        "intent.failed"
    );
    let late = alice.answer(&id, json!({"outcome": "approved"})).await;
    assert_eq!((late.status, late.code()), (409, "intent_already_terminal"));
}

#[tokio::test]
async fn operators_may_answer_for_humans_and_ending_an_intent_closes_its_task() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let alice = user(&ts, "alice", None);
    let task = json!({"title": "t", "assignees": ["alice"]});
    // An API key answers on a human's behalf; `actor` records who.
    let relayed = create(&api, task_intent("agent://w", task.clone())).await;
    let path = format!("/v1/intents/{relayed}/resume");
    let answer =
        json!({"task_result": {"outcome": "approved"}, "actor": "agent://dev/default/alice"});
    let key = [("Idempotency-Key", "answer-1")];
    let resp = api
        .call(Method::POST, &path, Some(answer.clone()), &key)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.body["event"]["actor"], "agent://dev/default/alice");
    // A retried answer with the same key is the same answer, not a second one (which would be 409).
    let retried = api.call(Method::POST, &path, Some(answer), &key).await;
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.body, resp.body);
    // approve_current_step answers the open task with `approved`.
    let stepped = create(&api, task_intent("agent://w", task.clone())).await;
    let resp = api
        .post(
            &format!("/v1/intents/{stepped}/resume"),
            json!({"approve_current_step": true, "actor": "ops"}),
        )
        .await;
    assert_eq!(resp.body["intent"]["status"], "IN_PROGRESS");
    // Canceling the intent closes its task unanswered.
    let canceled = create(&api, task_intent("agent://w", task)).await;
    assert_eq!(api.resolve(&canceled, "CANCELED").await.status, 200);
    let closed = alice.get("/v1/me/tasks?status=closed").await;
    assert_eq!(closed.body["tasks"][0]["intent_id"], canceled);
    assert_eq!(closed.body["tasks"][0]["status"], "CANCELED");
    let answered = alice.get("/v1/me/tasks?status=answered").await;
    let outcomes: Vec<(&str, &str)> = answered.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["intent_id"].as_str().unwrap(),
                t["answered_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(outcomes.contains(&(relayed.as_str(), "agent://dev/default/alice")));
    assert!(outcomes.contains(&(stepped.as_str(), "ops")));
    assert_eq!(alice.task_ids("all").await.len(), 3);
    // task_result on an intent without a task.
    let plain = api.create().await;
    let resp = api
        .post(
            &format!("/v1/intents/{plain}/resume"),
            json!({"task_result": {"outcome": "approved"}}),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (409, "no_open_human_task"));
}
