//! Scenario bundles: the dry run with field paths, apply, its idempotency, and bad input.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestServer;

pub fn order_bundle() -> Value {
    json!({
        "scenario_id": "shop.order",
        "description": "reserve, charge, ship; release the stock when the charge fails",
        "agents": [
            {"role": "inventory", "address": "agent://shop/inventory", "create_if_missing": true},
            {"role": "payment", "address": "agent://shop/payment", "delivery_mode": "stream"},
            {"role": "shipping", "address": "shop/shipping"}
        ],
        "workflow": {"steps": [
            {"step_id": "reserve", "tool_id": "tool.agent.task.v1", "assigned_to": "inventory", "input": {"sku": "A-1", "qty": 2}},
            {"step_id": "charge", "tool_id": "tool.agent.task.v1", "assigned_to": "payment", "on_failure": "release", "input": {"amount": 42}},
            {"step_id": "ship", "tool_id": "tool.agent.task.v1", "assigned_to": "shipping"},
            {"step_id": "release", "tool_id": "tool.agent.task.v1", "assigned_to": "inventory"}
        ]},
        "intent": {"type": "shop.order", "payload": {"order_id": "o-7"}}
    })
}

#[tokio::test]
async fn validate_reports_every_problem_with_its_path() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let ok = api.post("/v1/scenarios/validate", order_bundle()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        (ok.body["valid"].as_bool(), ok.body["errors"].clone()),
        (Some(true), json!([]))
    );
    assert_eq!(ok.body["intent_type"], "shop.order.v1");
    assert_eq!(
        ok.body["steps"][1],
        json!({"step_id": "charge", "kind": "agent"})
    );
    let mut bad = order_bundle();
    bad["scenario_id"] = json!("Shop Order");
    bad["agents"][0]["address"] = json!("agent://bad address");
    bad["agents"][1]["delivery_mode"] = json!("pigeon");
    bad["workflow"]["steps"][1]["on_failure"] = json!("refund");
    bad["workflow"]["steps"][2]["assigned_to"] = json!("nobody here");
    bad["workflow"]["steps"][3]["tool_id"] = json!("tool.teleport");
    bad["workflow"]["steps"][0]["retry"] = json!({"max_retries": 99});
    bad["intent"]["payload"] = json!([1]);
    let resp = api.post("/v1/scenarios/validate", bad).await;
    assert_eq!(
        (resp.status, resp.body["valid"].as_bool()),
        (200, Some(false))
    );
    let paths: Vec<&str> = resp.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for expected in [
        "scenario_id",
        "agents[0].address",
        "agents[1].delivery_mode",
        "workflow.steps[1].on_failure",
        "workflow.steps[2].assigned_to",
        "workflow.steps[3].tool_id",
        "workflow.steps[0].retry.max_retries",
        "intent.payload",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
    let not_object = api.post("/v1/scenarios/validate", json!(["x"])).await;
    assert_eq!(not_object.body["errors"][0]["path"], "");
    let missing = api
        .post("/v1/scenarios/validate", json!({"scenario_id": "x"}))
        .await;
    let paths: Vec<&str> = missing.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["workflow.steps", "intent"]);
    assert_eq!(
        ts.anonymous()
            .post("/v1/scenarios/validate", order_bundle())
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn apply_is_idempotent_by_key_and_refuses_bad_bundles() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let mut bundle = order_bundle();
    bundle["idempotency_key"] = json!("order-o-7");
    let first = api.post("/v1/scenarios/apply", bundle.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["idempotent"], false);
    assert_eq!(first.body["status"], "IN_PROGRESS");
    assert_eq!(first.body["pending_with"], "agent://shop/inventory");
    let shipping = &first.body["agents"][2];
    assert_eq!(
        (shipping["address"].as_str(), shipping["created"].as_bool()),
        (Some("agent://shop/shipping"), Some(true))
    );
    assert_eq!(shipping["delivery_mode"], "stream");
    let registered = api.get("/v1/agents/shop/shipping").await;
    assert_eq!(
        registered.body["agent"]["address_id"],
        shipping["address_id"]
    );
    let again = api.post("/v1/scenarios/apply", bundle.clone()).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["idempotent"], true);
    assert_eq!(again.body["intent_id"], first.body["intent_id"]);
    // The key may come as the header (the upstream SDKs copy it into the bundle).
    let by_header = api
        .call(
            Method::POST,
            "/v1/scenarios/apply",
            Some(order_bundle()),
            &[("Idempotency-Key", "order-o-7")],
        )
        .await;
    assert_eq!(by_header.body["intent_id"], first.body["intent_id"]);
    let mismatch = api
        .call(
            Method::POST,
            "/v1/scenarios/apply",
            Some(bundle.clone()),
            &[("Idempotency-Key", "other")],
        )
        .await;
    assert_eq!(
        (mismatch.status, mismatch.code()),
        (400, "idempotency_key_mismatch")
    );
    let mut changed = bundle.clone();
    changed["intent"]["payload"]["order_id"] = json!("o-8");
    let reused = api.post("/v1/scenarios/apply", changed).await;
    assert_eq!(
        (reused.status, reused.code()),
        (409, "idempotency_key_reused")
    );
    // Without a key every apply starts anew; the agents are known by now.
    let fresh = api.post("/v1/scenarios/apply", order_bundle()).await;
    assert_ne!(fresh.body["intent_id"], first.body["intent_id"]);
    assert_eq!(fresh.body["agents"][2]["created"], false);
    let mut strict = order_bundle();
    strict["agents"][0]["address"] = json!("agent://shop/unknown");
    strict["agents"][0]["create_if_missing"] = json!(false);
    let missing = api.post("/v1/scenarios/apply", strict).await;
    assert_eq!((missing.status, missing.code()), (404, "agent_not_found"));
    let mut invalid = order_bundle();
    invalid["workflow"]["steps"][0]["on_success"] = json!("nowhere");
    let refused = api.post("/v1/scenarios/apply", invalid).await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_bundle"));
    assert_eq!(
        refused.body["error"]["details"]["errors"][0]["path"],
        "workflow.steps[0].on_success"
    );
    // The parent records the start; the first step is a sub-intent to the inventory agent.
    let parent = first.body["intent_id"].as_str().unwrap();
    let events = api.events(parent, 0).await;
    assert_eq!(
        events[3]["details"]["steps"],
        json!(["reserve", "charge", "ship", "release"])
    );
    let step = &events[4]["details"];
    assert_eq!(
        (step["step_id"].as_str(), step["kind"].as_str()),
        (Some("reserve"), Some("agent"))
    );
    let sub = api
        .get(&format!(
            "/v1/intents/{}",
            step["step_intent_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sub.body["intent"]["to_agent"], "agent://shop/inventory");
    assert_eq!(
        sub.body["intent"]["payload"]["input"],
        json!({"sku": "A-1", "qty": 2})
    );
    assert_eq!(
        sub.body["intent"]["payload"]["parent_payload"],
        json!({"order_id": "o-7"})
    );
}

#[tokio::test]
async fn a_bundle_without_steps_sends_its_intent_and_provisions_humans() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let bundle = json!({
        "scenario_id": "expense.approval",
        "agents": [{"role": "finance", "address": "agent://acme/finance"}],
        "humans": [{"role": "approver", "contact": "Erin@Example.com", "display_name": "Erin"}],
        "intent": {"type": "expense.approval.v2", "payload": {"amount": 320},
            "human_task": {"title": "Approve 320 EUR", "assignees": ["erin@example.com"]}}
    });
    let applied = api.post("/v1/scenarios/apply", bundle.clone()).await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert_eq!(applied.body["status"], "WAITING");
    assert_eq!(applied.body["steps"], json!([]));
    assert_eq!(applied.body["humans"][0]["created"], true);
    assert_eq!(applied.body["humans"][0]["name"], "erin");
    let id = applied.body["intent_id"].as_str().unwrap();
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(got.body["intent"]["to_agent"], "agent://acme/finance");
    assert_eq!(got.body["intent"]["intent_type"], "expense.approval.v2");
    let again = api.post("/v1/scenarios/apply", bundle).await;
    assert_eq!(
        again.body["humans"][0]["created"], false,
        "found by e-mail the second time"
    );
    let erin = crate::humans_support::token_for(&ts, "erin");
    assert_eq!(erin.task_ids("open").await.len(), 2);
}
