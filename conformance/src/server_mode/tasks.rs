//! Human tasks, with what one API key can do: create an intent with a `human_task` (it waits for a
//! human), answer it on a human's behalf with `task_result` + `actor` (operators may; humans
//! themselves use actor tokens, which a key cannot mint), and see answers checked.

use serde_json::{json, Value};

use super::harness::{at, ensure, short, CheckResult, Ctx};

impl Ctx {
    /// An intent waiting on a human task assigned to a made-up human of this run.
    async fn task_intent(&self) -> Result<(String, Value), String> {
        let mut body = self.intent_body(&self.address("deployer"));
        body["human_task"] = json!({
            "title": "Ship the conformance release?",
            "task_type": "approval",
            "assignees": [format!("reviewer-{}", self.run)],
        });
        let created = self.post_ok("/v1/intents", &body).await?;
        let id = created["intent_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok((id, created))
    }
}

pub async fn waits_for_a_human(c: Ctx) -> CheckResult {
    let (id, created) = c.task_intent().await?;
    ensure!(
        created["status"] == json!("WAITING"),
        "POST /v1/intents with a human_task: expected status WAITING, got {}",
        short(&created)
    );
    let events = c.events(&id, 0).await?;
    let waiting = events
        .iter()
        .find(|e| e["event_type"] == json!("intent.waiting"));
    ensure!(
        waiting.is_some_and(|e| e["waiting_reason"] == json!("WAITING_FOR_HUMAN")),
        "events of an intent with a human_task: expected intent.waiting with waiting_reason WAITING_FOR_HUMAN, got {}",
        short(&Value::Array(events.clone()))
    );
    ensure!(
        events
            .iter()
            .any(|e| e["event_type"] == json!("intent.human_task_assigned")),
        "events of an intent with a human_task: expected intent.human_task_assigned, got {:?}",
        events
            .iter()
            .map(|e| e["event_type"].clone())
            .collect::<Vec<_>>()
    );
    let got = c.get_ok(&format!("/v1/intents/{id}")).await?;
    ensure!(
        got["intent"]["pending_with"]["type"] == json!("human")
            && got["intent"]["human_task"]["title"].is_string(),
        "GET an intent waiting on a human: expected pending_with.type human and the human_task, got {}",
        short(&got["intent"])
    );
    Ok(())
}

pub async fn answered_on_behalf(c: Ctx) -> CheckResult {
    let (id, _) = c.task_intent().await?;
    let path = format!("/v1/intents/{id}/resume");
    let actor = format!("reviewer-{}", c.run);
    let answer =
        json!({"task_result": {"outcome": "approved", "comment": "looks right"}, "actor": actor});
    let resumed = c.post_ok(&path, &answer).await?;
    ensure!(
        resumed["intent"]["status"] == json!("IN_PROGRESS"),
        "POST {path} with task_result approved: expected the intent back IN_PROGRESS, got {}",
        at(&resumed, "/intent/status")
    );
    ensure!(
        resumed["event"]["details"]["outcome"] == json!("approved") || resumed["intent"]["task_result"]["outcome"] == json!("approved"),
        "POST {path}: expected the outcome approved recorded (event.details.outcome or intent.task_result), got {}",
        short(&resumed)
    );
    let again = c.post(&path, &answer).await?;
    ensure!(
        again.status == 409,
        "answering an already answered task: expected HTTP 409, got {}",
        again.describe()
    );
    Ok(())
}

pub async fn answers_are_checked(c: Ctx) -> CheckResult {
    let (id, _) = c.task_intent().await?;
    let path = format!("/v1/intents/{id}/resume");
    let bad = c
        .post(&path, &json!({"task_result": {"outcome": "maybe"}}))
        .await?;
    ensure!(
        bad.status == 422 && !bad.code().is_empty(),
        "task_result with an outcome outside allowed_outcomes (approved, rejected): expected HTTP 422 with an error code, got {}",
        bad.describe()
    );
    let refused = c
        .post_ok(
            &path,
            &json!({"task_result": {"outcome": "rejected", "comment": "not now"}}),
        )
        .await?;
    ensure!(
        refused["intent"]["status"] == json!("FAILED"),
        "task_result rejected: expected the intent FAILED, got {}",
        at(&refused, "/intent/status")
    );
    // The task list is the humans' own view: a service key has no actor and is refused.
    let mine = c.get("/v1/me/tasks").await?;
    ensure!(
        mine.status == 401 || mine.status == 403,
        "GET /v1/me/tasks with an API key only (no actor token): expected HTTP 401/403, got {}",
        mine.describe()
    );
    Ok(())
}
