//! End-to-end seed scenarios: a deployment approved by a human with an actor token (as a plain intent
//! and as a scenario workflow), and an order flow across three agents whose payment step fails.

use serde_json::{json, Value};

use crate::humans_support::{
    agent_resume, create, kinds, next_delivery, task_intent, token_for, user, wait_terminal,
};
use crate::scenarios::order_bundle;
use crate::support::TestServer;

#[tokio::test]
async fn deployment_approval_by_a_human_then_the_deployer_finishes() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let dana = user(&ts, "dana", Some("dana@example.com"));
    let task = json!({"title": "Deploy api v3.2.1 to production", "task_type": "approval",
        "assignees": ["dana@example.com"], "required_comment": true});
    let id = create(&api, task_intent("agent://acme/deployer", task)).await;
    // The human finds the task and approves it, authenticated by the actor token alone.
    assert_eq!(dana.task_ids("open").await, vec![id.clone()]);
    let approved = dana
        .answer(
            &id,
            json!({"outcome": "approved", "comment": "release notes checked"}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    // The deployer agent gets the now-approved work on its listen stream and finishes it.
    let (_, delivered) = next_delivery(&api, "acme/deployer", 0).await;
    assert_eq!(delivered["intent_id"], id);
    assert_eq!(delivered["status"], "IN_PROGRESS");
    assert_eq!(delivered["task_result"]["outcome"], "approved");
    agent_resume(
        &api,
        "agent://acme/deployer",
        &id,
        json!({"action": "complete", "result": {"deployed": "v3.2.1"}}),
    )
    .await;
    let events = wait_terminal(&api, &id).await;
    assert_eq!(
        kinds(&events),
        [
            "intent.created",
            "intent.submitted",
            "intent.delivered",
            "intent.waiting",
            "intent.human_task_assigned",
            "intent.in_progress",
            "intent.completed"
        ]
    );
    assert_eq!(events[5]["actor"], "agent://dev/default/dana");
    assert_eq!(
        events[5]["details"]["task_result"]["comment"],
        "release notes checked"
    );
    assert_eq!(
        events[6]["details"]["result"],
        json!({"deployed": "v3.2.1"})
    );
}

#[tokio::test]
async fn deployment_approval_as_a_scenario_workflow() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let bundle = json!({
        "scenario_id": "deploy.approval",
        "agents": [{"role": "deployer", "address": "agent://acme/deployer"}],
        "humans": [{"role": "operator", "contact": "olga@example.com"}],
        "workflow": {"steps": [
            {"step_id": "ops_approval", "tool_id": "tool.approval.human_signoff", "assigned_to": "operator",
             "step_deadline_seconds": 3600,
             "human_task": {"title": "Deployment approval: api-gateway v3.2.1 to staging"}},
            {"step_id": "deploy", "tool_id": "tool.agent.task.v1", "assigned_to": "deployer", "input": {"version": "3.2.1"}}
        ]},
        "intent": {"type": "deploy.release", "payload": {"service": "api-gateway"}}
    });
    let applied = api.post("/v1/scenarios/apply", bundle).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert_eq!(applied.body["status"], "WAITING");
    assert_eq!(applied.body["pending_with"], "olga@example.com");
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();
    let olga = token_for(&ts, applied.body["humans"][0]["name"].as_str().unwrap());
    let tasks = olga.get("/v1/me/tasks").await;
    let step_intent = tasks.body["tasks"][0]["intent_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        tasks.body["tasks"][0]["title"],
        "Deployment approval: api-gateway v3.2.1 to staging"
    );
    assert!(
        tasks.body["tasks"][0]["due_at"].is_string(),
        "the step deadline is the task's due time"
    );
    let approved = olga
        .answer(&step_intent, json!({"outcome": "approved"}))
        .await;
    assert_eq!(
        approved.body["intent"]["status"], "COMPLETED",
        "an approval step ends with the answer"
    );
    let (_, work) = next_delivery(&api, "acme/deployer", 0).await;
    assert_eq!(work["payload"]["step_id"], "deploy");
    assert_eq!(work["payload"]["parent_intent_id"], parent);
    let work_id = work["intent_id"].as_str().unwrap();
    agent_resume(
        &api,
        "agent://acme/deployer",
        work_id,
        json!({"action": "complete", "result": {"url": "https://staging"}}),
    )
    .await;
    let events = wait_terminal(&api, &parent).await;
    let status_trail: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap(),
                e["details"]["step_id"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        status_trail,
        [
            ("intent.created", "-"),
            ("intent.submitted", "-"),
            ("intent.delivered", "-"),
            ("intent.in_progress", "-"),
            ("intent.waiting", "ops_approval"),
            ("intent.in_progress", "ops_approval"),
            ("intent.in_progress", "deploy"),
            ("intent.in_progress", "deploy"),
            ("intent.completed", "-"),
        ]
    );
    let result = &events.last().unwrap()["details"]["result"];
    assert_eq!(
        result["steps"]["ops_approval"]["result"]["outcome"],
        "approved"
    );
    assert_eq!(
        result["steps"]["deploy"]["result"],
        json!({"url": "https://staging"})
    );
}

#[tokio::test]
async fn order_flow_payment_failure_reaches_the_caller_with_its_context() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let applied = api.post("/v1/scenarios/apply", order_bundle()).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let parent = applied.body["intent_id"].as_str().unwrap().to_string();
    // Inventory reserves the stock.
    let (inventory_cursor, reserve) = next_delivery(&api, "shop/inventory", 0).await;
    assert_eq!(reserve["payload"]["step_id"], "reserve");
    let reserve_id = reserve["intent_id"].as_str().unwrap();
    agent_resume(
        &api,
        "agent://shop/inventory",
        reserve_id,
        json!({"action": "ack"}),
    )
    .await;
    agent_resume(
        &api,
        "agent://shop/inventory",
        reserve_id,
        json!({"action": "complete", "result": {"reservation": "r-1"}}),
    )
    .await;
    // Payment declines the card.
    let (_, charge) = next_delivery(&api, "shop/payment", 0).await;
    assert_eq!(charge["payload"]["input"], json!({"amount": 42}));
    let declined = json!({"code": "card_declined", "message": "the issuer declined the card", "details": {"last4": "4242"}});
    let charge_id = charge["intent_id"].as_str().unwrap().to_string();
    agent_resume(
        &api,
        "agent://shop/payment",
        &charge_id,
        json!({"action": "fail", "error": declined}),
    )
    .await;
    // The compensation step releases the stock; shipping never gets any work.
    let (_, release) = next_delivery(&api, "shop/inventory", inventory_cursor).await;
    assert_eq!(release["payload"]["step_id"], "release");
    agent_resume(
        &api,
        "agent://shop/inventory",
        release["intent_id"].as_str().unwrap(),
        json!({"action": "complete", "result": {"released": "r-1"}}),
    )
    .await;
    let shipping = api
        .sse(
            "/v1/agents/shop/shipping/intents/stream?wait_seconds=1",
            &[],
        )
        .await;
    assert!(shipping.events().is_empty(), "{}", shipping.raw);
    // The caller sees the failure, with the failing step and its error.
    let events = wait_terminal(&api, &parent).await;
    let last = events.last().unwrap();
    assert_eq!(
        (last["event_type"].as_str(), last["status"].as_str()),
        (Some("intent.failed"), Some("FAILED"))
    );
    let error = &last["details"]["error"];
    assert_eq!(error["code"], "workflow_step_failed");
    assert_eq!(error["failed_step"], "charge");
    assert_eq!(error["step_intent_id"], charge_id);
    assert_eq!(error["step_error"], declined);
    assert!(
        error["message"].as_str().unwrap().contains("card_declined"),
        "{error}"
    );
    assert_eq!(error["steps"]["release"]["status"], "COMPLETED");
    let failed_step = events
        .iter()
        .find(|e: &&Value| {
            e["details"]["step_id"] == "charge" && e["details"]["outcome"] == "failed"
        })
        .expect("the parent records the failing step");
    assert_eq!(failed_step["details"]["error"]["code"], "card_declined");
    let got = api.get(&format!("/v1/intents/{parent}")).await;
    assert_eq!(got.body["intent"]["error"]["failed_step"], "charge");
    let steps: Vec<&str> = events
        .iter()
        .filter_map(|e| e["details"]["step_id"].as_str())
        .collect();
    assert!(!steps.contains(&"ship"), "{steps:?}");
}
