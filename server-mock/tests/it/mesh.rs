//! The mesh: heartbeats and health, usage windows, the kill switch (create, listen and deliveries),
//! policies with automatic blocks, mesh events, and bad input for each endpoint.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{intent_body, Api, Resp, TestServer};

/// A new service account of the dev organisation with a key, through the admin API.
pub async fn account(admin: &Api, name: &str) -> (String, Api) {
    let created = admin
        .post(
            "/v1/service-accounts",
            json!({"org_id": "dev", "workspace_id": "default", "name": name}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.body["service_account"]["service_account_id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = admin
        .post(&format!("/v1/service-accounts/{id}/keys"), json!({}))
        .await;
    assert_eq!(key.status, 200, "{}", key.body);
    (
        id,
        Api::new(&admin.base, key.body["api_key"].as_str().unwrap()),
    )
}

/// Creates an intent without expecting success.
async fn try_create(api: &Api, to: &str) -> Resp {
    api.post("/v1/intents", intent_body(to)).await
}

fn event_types(body: &Value) -> Vec<String> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn heartbeats_drive_health_and_usage() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, worker) = account(&api, "worker").await;
    let empty = worker
        .call(Method::POST, "/v1/mesh/heartbeat", None, &[])
        .await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(
        (
            empty.body["address"].as_str(),
            empty.body["health_status"].as_str()
        ),
        (Some("agent://dev/default/worker"), Some("healthy"))
    );
    let metrics = json!({"metrics": {"intents_total": 3, "intents_succeeded": 2, "intents_failed": 1, "avg_latency_ms": 12.5, "cost_usd": 0.25}});
    for _ in 0..2 {
        assert_eq!(
            worker
                .post("/v1/mesh/heartbeat", metrics.clone())
                .await
                .status,
            200
        );
    }
    worker.create_to("agent://dev/default/dev").await;
    let id = empty.body["address_id"].as_str().unwrap();
    let one = api.get(&format!("/v1/mesh/agents/{id}?window=week")).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["health_status"], "healthy");
    assert_eq!(one.body["intents_period"]["window"], "week");
    assert_eq!(
        (
            one.body["intents_period"]["reported"].as_i64(),
            one.body["intents_period"]["sent"].as_i64()
        ),
        (Some(6), Some(1))
    );
    assert_eq!(one.body["cost_period"]["cost_usd"], 0.5);
    assert_eq!(one.body["metadata"]["avg_latency_ms"], 12.5);
    assert_eq!(one.body["recent_events"][0]["event_type"], "agent.online");
    let by_address = api.get("/v1/mesh/agents/dev%2Fdefault%2Fworker").await;
    assert_eq!(by_address.body["address_id"], id);

    let list = api.get("/v1/mesh/agents?window=month").await;
    assert_eq!(list.body["summary"]["healthy"], 1);
    assert_eq!(
        list.body["summary"]["unknown"], 1,
        "the dev agent never sent a heartbeat"
    );
    let healthy = api.get("/v1/mesh/agents?health=healthy&limit=5").await;
    assert_eq!(healthy.body["agents"].as_array().unwrap().len(), 1);

    // With thresholds at zero, the same heartbeat is already old.
    let strict = TestServer::start_with(|c| c.agents.health.degraded_after = Duration::ZERO).await;
    let beat = strict
        .api()
        .call(Method::POST, "/v1/mesh/heartbeat", None, &[])
        .await;
    assert_eq!(beat.body["health_status"], "degraded");
}

#[tokio::test]
async fn kill_blocks_intents_to_and_from_an_agent_and_resume_lifts_it() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, worker) = account(&api, "worker").await;
    let id = worker.create_to("agent://dev/default/dev").await;
    // An open listen stream of the worker ends when it is killed.
    let listener = {
        let worker = worker.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let stream = worker
                .sse(
                    "/v1/agents/dev/default/worker/intents/stream?since=0&wait_seconds=30",
                    &[],
                )
                .await;
            (started.elapsed(), stream)
        })
    };
    let delivered = api.create_to("agent://dev/default/worker").await;
    let seen = api
        .sse_until(
            &format!("/v1/intents/{delivered}/events/stream?since=0&wait_seconds=30"),
            &[],
            |f| f.event == "intent.acknowledged",
        )
        .await;
    assert!(
        seen.events()
            .iter()
            .any(|f| f.event == "intent.acknowledged"),
        "the listener took it"
    );

    let killed = api
        .post("/v1/mesh/agents/dev%2Fdefault%2Fworker/kill", json!({}))
        .await;
    assert_eq!(killed.status, 200, "{}", killed.body);
    assert_eq!(
        (
            killed.body["killed"].as_bool(),
            killed.body["changed"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let (took, stream) = listener.await.unwrap();
    assert!(
        took < Duration::from_secs(25) && stream.timeout().is_some(),
        "the window ended at the kill"
    );
    let to = try_create(&api, "agent://dev/default/worker").await;
    assert_eq!((to.status, to.code()), (403, "agent_killed"));
    assert_eq!(to.body["error"]["details"]["direction"], "to");
    let from = try_create(&worker, "agent://dev/default/dev").await;
    assert_eq!((from.status, from.code()), (403, "agent_killed"));
    let listen = worker
        .sse("/v1/agents/dev/default/worker/intents/stream", &[])
        .await;
    assert_eq!(listen.status, 403);
    let again = api
        .post(
            &format!(
                "/v1/mesh/agents/{}/kill",
                killed.body["address_id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(again.body["changed"], false);
    let health = api.get("/v1/mesh/agents?health=killed").await;
    assert_eq!(
        health.body["agents"][0]["address"],
        "agent://dev/default/worker"
    );
    assert_eq!(
        api.get("/v1/agents/dev/default/worker").await.body["agent"]["status"],
        "suspended"
    );

    // Only admins switch agents; the worker cannot resume itself.
    let own = worker
        .post("/v1/mesh/agents/dev%2Fdefault%2Fworker/resume", json!({}))
        .await;
    assert_eq!((own.status, own.code()), (403, "admin_required"));
    let resumed = api
        .post("/v1/mesh/agents/dev%2Fdefault%2Fworker/resume", json!({}))
        .await;
    assert_eq!(
        (
            resumed.body["killed"].as_bool(),
            resumed.body["changed"].as_bool()
        ),
        (Some(false), Some(true))
    );
    worker.create_to("agent://dev/default/dev").await;
    api.resolve(&id, "COMPLETED").await;
    let events = api.get("/v1/mesh/events?event_type=agent.killed").await;
    assert_eq!(events.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        events.body["events"][0]["actor_id"],
        "agent://dev/default/dev"
    );
    let all = api.get("/v1/mesh/events?limit=2").await;
    assert_eq!(event_types(&all.body), ["agent.resumed", "agent.killed"]);
}

#[tokio::test]
async fn policies_limit_types_rate_and_cost_and_block_on_breach() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, worker) = account(&api, "worker").await;
    let put = |target: &str, body: Value| {
        let api = api.clone();
        let path = format!("/v1/mesh/agents/{target}/policy");
        async move { api.call(Method::PUT, &path, Some(body), &[]).await }
    };
    let set = put(
        "dev%2Fdefault%2Finbox",
        json!({"allowed_receive_types": ["billing.*"]}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["policy"]["cost_window"], "day");
    assert_eq!(api.post("/v1/intents", json!({"intent_type": "billing.charge.v1", "to_agent": "agent://dev/default/inbox", "payload": {}})).await.status, 200);
    let refused = api.post("/v1/intents", json!({"intent_type": "deploy.run.v1", "to_agent": "agent://dev/default/inbox", "payload": {}})).await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "intent_type_not_allowed")
    );

    // Rate: two a minute for the bot; the third is refused and blocks it.
    put("dev%2Fdefault%2Fbot", json!({"max_intents_per_minute": 2})).await;
    let from_bot = json!({"intent_type": "tests.task.v1", "to_agent": "agent://x", "from_agent": "agent://dev/default/bot", "payload": {}});
    for _ in 0..2 {
        assert_eq!(api.post("/v1/intents", from_bot.clone()).await.status, 200);
    }
    let over = api.post("/v1/intents", from_bot.clone()).await;
    assert_eq!((over.status, over.code()), (429, "rate_limit_exceeded"));
    let blocked = api.post("/v1/intents", from_bot.clone()).await;
    assert_eq!((blocked.status, blocked.code()), (403, "agent_blocked"));
    let policy = api.get("/v1/mesh/agents/dev%2Fdefault%2Fbot/policy").await;
    assert_eq!(policy.body["policy"]["max_intents_per_minute"], 2);
    let bot = api
        .get(&format!(
            "/v1/mesh/agents/{}",
            policy.body["address_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (
            bot.body["health_status"].as_str(),
            bot.body["metadata"]["blocked_reason"].as_str()
        ),
        (Some("killed"), Some("rate_limit"))
    );
    api.post("/v1/mesh/agents/dev%2Fdefault%2Fbot/resume", json!({}))
        .await;
    assert_eq!(
        api.post("/v1/intents", from_bot).await.status,
        200,
        "resumed, with a fresh window"
    );

    // Cost: a heartbeat that takes the worker beyond $1 a day blocks it.
    put("dev%2Fdefault%2Fworker", json!({"max_cost_usd": 1.0})).await;
    let cost = json!({"metrics": {"cost_usd": 0.6}});
    assert_eq!(
        worker.post("/v1/mesh/heartbeat", cost.clone()).await.body["blocked_reason"],
        Value::Null
    );
    let breach = worker.post("/v1/mesh/heartbeat", cost).await;
    assert_eq!(
        (
            breach.body["blocked_reason"].as_str(),
            breach.body["health_status"].as_str()
        ),
        (Some("cost_limit"), Some("killed"))
    );
    let refused = try_create(&worker, "agent://dev/default/dev").await;
    assert_eq!((refused.status, refused.code()), (403, "agent_blocked"));
    let blocks = api.get("/v1/mesh/events?event_type=agent.blocked").await;
    let reasons: Vec<&str> = blocks.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["cost_limit", "rate_limit"]);
}

#[tokio::test]
async fn mesh_endpoints_refuse_bad_input() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, worker) = account(&api, "worker").await;
    for (body, field) in [
        (json!({"metrics": {"cost_usd": -1}}), "metrics.cost_usd"),
        (
            json!({"metrics": {"intents_total": 1.5}}),
            "metrics.intents_total",
        ),
        (json!({"metrics": "fast"}), "metrics"),
    ] {
        let resp = worker.post("/v1/mesh/heartbeat", body).await;
        assert_eq!(
            (resp.status, resp.body["error"]["details"]["field"].as_str()),
            (422, Some(field))
        );
    }
    for query in ["health=sick", "window=year", "limit=0", "limit=1001"] {
        assert_eq!(
            api.get(&format!("/v1/mesh/agents?{query}")).await.status,
            422,
            "{query}"
        );
    }
    assert_eq!(api.get("/v1/mesh/events?limit=0").await.status, 422);
    assert_eq!(
        api.get(&format!("/v1/mesh/events?event_type={}", "x".repeat(65)))
            .await
            .status,
        422
    );
    let unknown = api.get("/v1/mesh/agents/agt_0000000000000000").await;
    assert_eq!((unknown.status, unknown.code()), (404, "agent_not_found"));
    assert_eq!(api.get("/v1/mesh/agents/bad%20name").await.status, 422);
    assert_eq!(
        api.post("/v1/mesh/agents/agt_0000000000000000/kill", json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/mesh/agents/agt_0000000000000000/policy")
            .await
            .status,
        404
    );
    for body in [
        json!({"allowed_send_types": ["Not A Type"]}),
        json!({"max_intents_per_minute": 0}),
        json!({"cost_window": "year"}),
        json!({"max_cost_usd": "lots"}),
    ] {
        let resp = api
            .call(
                Method::PUT,
                "/v1/mesh/agents/dev%2Fdefault%2Fworker/policy",
                Some(body.clone()),
                &[],
            )
            .await;
        assert_eq!(resp.status, 422, "{body}");
    }
    let not_admin = worker
        .call(
            Method::PUT,
            "/v1/mesh/agents/dev%2Fdefault%2Fworker/policy",
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(
        (not_admin.status, not_admin.code()),
        (403, "admin_required")
    );
    let kill = worker
        .post("/v1/mesh/agents/dev%2Fdefault%2Fdev/kill", json!({}))
        .await;
    assert_eq!(kill.status, 403);
    assert_eq!(
        server
            .anonymous()
            .call(Method::POST, "/v1/mesh/heartbeat", None, &[])
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn metrics_out_of_bounds_are_refused_and_usage_reads_never_overflow() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, worker) = account(&api, "overflow").await;
    for metrics in [
        json!({"intents_total": i64::MAX}),
        json!({"intents_succeeded": 1_000_001}),
        json!({"cost_usd": 1e308}),
        json!({"cost_usd": 1_000_000.5}),
        json!({"avg_latency_ms": 1e300}),
        json!({"intents_failed": -1}),
    ] {
        for _ in 0..2 {
            let beat = worker
                .post("/v1/mesh/heartbeat", json!({"metrics": metrics.clone()}))
                .await;
            assert_eq!(
                (beat.status, beat.code()),
                (422, "validation_error"),
                "{metrics}: {}",
                beat.body
            );
            assert!(beat.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("at most"));
        }
    }
    // The largest reports accepted, many times over: the windows still add up.
    let top = json!({"metrics": {"intents_total": 1_000_000, "intents_succeeded": 1_000_000, "cost_usd": 1_000_000}});
    for _ in 0..3 {
        assert_eq!(
            worker.post("/v1/mesh/heartbeat", top.clone()).await.status,
            200
        );
    }
    for window in ["day", "week", "month"] {
        let list = api.get(&format!("/v1/mesh/agents?window={window}")).await;
        assert_eq!(list.status, 200, "{window}: {}", list.body);
        let one = api
            .get(&format!(
                "/v1/mesh/agents/dev%2Fdefault%2Foverflow?window={window}"
            ))
            .await;
        assert_eq!(one.status, 200, "{}", one.body);
        assert_eq!(one.body["intents_period"]["reported"], 3_000_000);
        assert_eq!(one.body["cost_period"]["cost_usd"], 3_000_000.0);
    }
}

#[tokio::test]
async fn the_cost_limit_is_checked_on_intents_too() {
    let server = TestServer::start().await;
    let api = server.api();
    let (_, spender) = account(&api, "spender").await;
    // Cost reported before any limit existed: no heartbeat will cross the limit for it.
    let beat = spender
        .post("/v1/mesh/heartbeat", json!({"metrics": {"cost_usd": 5}}))
        .await;
    assert_eq!(beat.status, 200, "{}", beat.body);
    let policy = api
        .call(
            Method::PUT,
            "/v1/mesh/agents/dev%2Fdefault%2Fspender/policy",
            Some(json!({"max_cost_usd": 1, "cost_window": "day"})),
            &[],
        )
        .await;
    assert_eq!(policy.status, 200, "{}", policy.body);
    let refused = try_create(&spender, "agent://dev/default/dev").await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "cost_limit_exceeded"),
        "{}",
        refused.body
    );
    assert_eq!(refused.body["error"]["details"]["reason"], "cost_limit");
    let agent = api.get("/v1/mesh/agents/dev%2Fdefault%2Fspender").await;
    assert_eq!(
        agent.body["metadata"]["blocked_reason"], "cost_limit",
        "{}",
        agent.body
    );
    let again = try_create(&spender, "agent://dev/default/dev").await;
    assert_eq!((again.status, again.code()), (403, "agent_blocked"));
}
