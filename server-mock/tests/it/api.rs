//! The request/response API: lifecycle, agent actions, idempotency, listing, isolation, errors.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{intent_body, TestServer};

#[tokio::test]
async fn lifecycle_reaches_each_terminal_status_and_refuses_a_second() {
    let server = TestServer::start().await;
    let api = server.api();
    for (asked, expected, event) in [
        ("COMPLETED", "COMPLETED", "intent.completed"),
        ("FAILED", "FAILED", "intent.failed"),
        ("CANCELED", "CANCELED", "intent.canceled"),
        ("CANCELLED", "CANCELED", "intent.canceled"),
    ] {
        let id = api.create().await;
        let resolved = api.resolve(&id, asked).await;
        assert_eq!(resolved.status, 200, "{}", resolved.body);
        assert_eq!(resolved.body["intent"]["status"], expected);
        assert_eq!(resolved.body["event"]["event_type"], event);
        assert_eq!(resolved.body["event"]["seq"], 4);
        assert_eq!(resolved.body["completion_delivery"]["delivered"], false);
        let again = api.resolve(&id, "COMPLETED").await;
        assert_eq!(again.status, 409);
        assert_eq!(again.code(), "intent_already_terminal");
        let got = api.get(&format!("/v1/intents/{id}")).await;
        assert_eq!(got.body["intent"]["status"], expected);
        assert!(got.body["intent"]["completed_at"].is_string());
    }
}

#[tokio::test]
async fn new_intents_emit_created_submitted_delivered() {
    let server = TestServer::start().await;
    let api = server.api();
    let created = api
        .post("/v1/intents", intent_body("agent://acme/prod/billing"))
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["status"], "DELIVERED");
    assert!(uuid::Uuid::parse_str(created.body["correlation_id"].as_str().unwrap()).is_ok());
    let id = created.body["intent_id"].as_str().unwrap();
    let events = api.events(id, 0).await;
    let kinds: Vec<_> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["intent.created", "intent.submitted", "intent.delivered"]
    );
    let seqs: Vec<_> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(got.body["intent"]["to_agent"], "agent://acme/prod/billing");
    assert_eq!(got.body["intent"]["from_agent"], "agent://dev/default/dev");
    assert_eq!(got.body["intent"]["pending_with"]["type"], "agent");
}

#[tokio::test]
async fn agent_actions_walk_the_lifecycle() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create_to("agent://tests/worker").await;
    let resume = |body: Value| {
        let api = api.clone();
        let path = format!("/v1/intents/{id}/resume?owner_agent=agent://tests/worker");
        async move { api.post(&path, body).await }
    };
    let acked = resume(json!({"action": "ack"})).await;
    assert_eq!(acked.body["intent"]["status"], "ACKNOWLEDGED");
    let again = resume(json!({"action": "ack"})).await;
    assert_eq!(again.status, 200);
    assert!(
        again.body["event"].is_null(),
        "a repeated ack writes no event"
    );
    assert_eq!(
        resume(json!({"action": "progress", "message": "half way"}))
            .await
            .body["intent"]["status"],
        "IN_PROGRESS"
    );
    let progress = resume(json!({"action": "progress", "message": "nearly"})).await;
    assert_eq!(progress.body["event"]["details"]["message"], "nearly");
    let waiting = resume(json!({"action": "wait", "waiting_reason": "WAITING_FOR_TOOL"})).await;
    assert_eq!(waiting.body["intent"]["status"], "WAITING");
    assert_eq!(waiting.body["intent"]["waiting_reason"], "WAITING_FOR_TOOL");
    assert_eq!(
        resume(json!({"approve_current_step": true})).await.body["intent"]["status"],
        "IN_PROGRESS"
    );
    let done = resume(json!({"action": "complete", "result": {"invoice": 7}})).await;
    assert_eq!(done.body["intent"]["status"], "COMPLETED");
    assert_eq!(done.body["intent"]["result"]["invoice"], 7);
    let late = resume(json!({"action": "fail", "error": {"code": "late"}})).await;
    assert_eq!(late.status, 409);
    let kinds: Vec<String> = api
        .events(&id, 0)
        .await
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "intent.created",
            "intent.submitted",
            "intent.delivered",
            "intent.acknowledged",
            "intent.in_progress",
            "intent.in_progress",
            "intent.waiting",
            "intent.in_progress",
            "intent.completed"
        ]
    );
}

#[tokio::test]
async fn resume_checks_the_owner_and_its_body() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create_to("agent://tests/worker").await;
    let stranger = api
        .post(
            &format!("/v1/intents/{id}/resume?owner_agent=agent://tests/other"),
            json!({"action": "ack"}),
        )
        .await;
    assert_eq!((stranger.status, stranger.code()), (403, "owner_mismatch"));
    let mismatch = api
        .call(
            Method::POST,
            &format!("/v1/intents/{id}/resume?owner_agent=agent://tests/worker"),
            Some(json!({"action": "ack"})),
            &[("x-owner-agent", "agent://tests/other")],
        )
        .await;
    assert_eq!(
        (mismatch.status, mismatch.code()),
        (400, "owner_agent_mismatch")
    );
    let bad = api
        .post(
            &format!("/v1/intents/{id}/resume"),
            json!({"action": "dance"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ack, progress, wait, complete, fail"));
    let not_waiting = api
        .post(
            &format!("/v1/intents/{id}/resume"),
            json!({"approve_current_step": true}),
        )
        .await;
    assert_eq!(
        (not_waiting.status, not_waiting.code()),
        (409, "invalid_transition")
    );
}

#[tokio::test]
async fn controls_and_policy_use_compare_and_set() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    let first = api
        .post(
            &format!("/v1/intents/{id}/controls"),
            json!({"controls_patch": {"timeout_seconds": 60}, "expected_policy_generation": 0}),
        )
        .await;
    assert_eq!(first.body["applied"], true);
    assert_eq!(first.body["policy_generation"], 1);
    assert_eq!(first.body["controls"]["timeout_seconds"], 60);
    let stale = api.post(&format!("/v1/intents/{id}/policy"), json!({"grants_patch": {"delegate:agent://ops": {"allow": ["resume"]}}, "expected_policy_generation": 0})).await;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body["applied"], false);
    assert_eq!(stale.body["reason"], "stale_policy_generation");
    assert_eq!(stale.body["policy_generation"], 1);
    let fresh = api.post(&format!("/v1/intents/{id}/policy"), json!({"grants_patch": {"delegate:agent://ops": {"allow": ["resume"]}}, "envelope_patch": {"ttl_seconds": 30}, "expected_policy_generation": 1})).await;
    assert_eq!(fresh.body["applied"], true);
    assert_eq!(fresh.body["policy_generation"], 2);
    assert_eq!(fresh.body["envelope"]["ttl_seconds"], 30);
    let unconditional = api
        .post(
            &format!("/v1/intents/{id}/controls"),
            json!({"controls_patch": {"timeout_seconds": null}}),
        )
        .await;
    assert_eq!(unconditional.body["policy_generation"], 3);
    assert_eq!(unconditional.body["controls"], json!({}));
    let empty = api
        .post(&format!("/v1/intents/{id}/policy"), json!({}))
        .await;
    assert_eq!(empty.status, 422);
}

#[tokio::test]
async fn idempotent_create_replays_and_refuses_another_body() {
    let server = TestServer::start().await;
    let api = server.api();
    let key = [("idempotency-key", "create-once-1")];
    let body = intent_body("agent://tests/worker");
    let first = api
        .call(Method::POST, "/v1/intents", Some(body.clone()), &key)
        .await;
    let second = api
        .call(Method::POST, "/v1/intents", Some(body.clone()), &key)
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_eq!(
        first.body, second.body,
        "the replay carries the original body"
    );
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    let mut other = body.clone();
    other["payload"]["job"] = json!("different");
    let conflict = api
        .call(Method::POST, "/v1/intents", Some(other), &key)
        .await;
    assert_eq!(
        (conflict.status, conflict.code()),
        (409, "idempotency_key_reused")
    );
    assert!(conflict.body["detail"]
        .as_str()
        .unwrap()
        .contains("idempotency key reused with different payload"));
    // A key belongs to one credential: another credential may use the same key for its own intent.
    let (_, other_api) = server.credential("idem").await;
    let elsewhere = other_api
        .call(Method::POST, "/v1/intents", Some(body), &key)
        .await;
    assert_eq!(elsewhere.status, 200);
    assert_ne!(elsewhere.body["intent_id"], first.body["intent_id"]);
}

#[tokio::test]
async fn fifty_concurrent_duplicates_make_exactly_one_intent() {
    let server = TestServer::start().await;
    let (_, api) = server.credential("dupes").await;
    let body = intent_body("agent://tests/worker");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let api = api.clone();
            let body = body.clone();
            tokio::spawn(async move {
                api.call(
                    Method::POST,
                    "/v1/intents",
                    Some(body),
                    &[("idempotency-key", "fifty-at-once")],
                )
                .await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut replays = 0;
    for task in tasks {
        let resp = task.await.unwrap();
        assert_eq!(resp.status, 200, "{}", resp.body);
        ids.insert(resp.body["intent_id"].as_str().unwrap().to_string());
        replays += usize::from(resp.header("idempotent-replayed") == Some("true"));
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(replays, 49);
    let listed = api.get("/v1/intents?limit=200").await;
    assert_eq!(listed.body["intents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_replayed_resolve_returns_the_original_answer() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    let path = format!("/v1/intents/{id}/resolve");
    let key = [("idempotency-key", "resolve-1")];
    let body = json!({"status": "COMPLETED", "result": {"n": 1}});
    let first = api
        .call(Method::POST, &path, Some(body.clone()), &key)
        .await;
    let replay = api
        .call(Method::POST, &path, Some(body.clone()), &key)
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(replay.status, 200);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.body, replay.body);
    let without_key = api.post(&path, body).await;
    assert_eq!(without_key.status, 409);
    assert_eq!(
        api.events(&id, 0).await.len(),
        4,
        "the replay wrote no second event"
    );
}

#[tokio::test]
async fn events_since_is_exclusive() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    let after_one: Vec<i64> = api
        .events(&id, 1)
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(after_one, [2, 3]);
    assert!(api.events(&id, 3).await.is_empty());
    let page = api.get(&format!("/v1/intents/{id}/events?since=2")).await;
    assert_eq!(page.body["next_seq"], 3);
    let negative = api.get(&format!("/v1/intents/{id}/events?since=-1")).await;
    assert_eq!(negative.status, 422);
}

#[tokio::test]
async fn listing_filters_by_status_and_pages_with_a_cursor() {
    let server = TestServer::start().await;
    let (_, api) = server.credential("list").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(api.create().await);
    }
    api.resolve(&ids[0], "COMPLETED").await;
    api.resolve(&ids[1], "FAILED").await;
    let open = api.get("/v1/intents?status=DELIVERED").await;
    assert_eq!(open.body["intents"].as_array().unwrap().len(), 3);
    let done = api.get("/v1/intents?status=COMPLETED,FAILED").await;
    assert_eq!(done.body["intents"].as_array().unwrap().len(), 2);
    let mut seen = Vec::new();
    let mut path = "/v1/intents?limit=2".to_string();
    loop {
        let page = api.get(&path).await;
        seen.extend(
            page.body["intents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["intent_id"].as_str().unwrap().to_string()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/intents?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each once");
    assert_eq!(api.get("/v1/intents?limit=0").await.status, 422);
    assert_eq!(
        api.get("/v1/intents?status=RESOLVED").await.code(),
        "invalid_status"
    );
}

#[tokio::test]
async fn organisations_do_not_see_each_other() {
    let server = TestServer::start().await;
    let (_, alice) = server.credential("alice").await;
    let (_, bob) = server.credential("bob").await;
    let id = alice.create().await;
    for path in [
        format!("/v1/intents/{id}"),
        format!("/v1/intents/{id}/events"),
    ] {
        let resp = bob.get(&path).await;
        assert_eq!(
            (resp.status, resp.code()),
            (404, "intent_not_found"),
            "{path}"
        );
    }
    let stream = bob
        .sse(
            &format!("/v1/intents/{id}/events/stream?wait_seconds=1"),
            &[],
        )
        .await;
    assert_eq!(stream.status, 404);
    assert_eq!(bob.resolve(&id, "COMPLETED").await.status, 404);
    assert!(bob.get("/v1/intents").await.body["intents"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        alice.get(&format!("/v1/intents/{id}")).await.body["intent"]["status"],
        "DELIVERED"
    );
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let server = TestServer::start().await;
    let conn = axme_server::store::sqlite::open_admin(server.dir.path()).unwrap();
    let key = axme_server::store::sqlite::credentials::create_key(&conn, "dev", "default", "ops")
        .unwrap();
    let api = crate::support::Api::new(&server.base, &key.api_key);
    assert_eq!(api.get("/v1/intents").await.status, 200);
    axme_server::store::sqlite::credentials::revoke_key(&conn, &key.key_id).unwrap();
    let refused = api.get("/v1/intents").await;
    assert_eq!((refused.status, refused.code()), (401, "revoked_api_key"));
    // The bearer form is accepted like x-api-key, and refused the same way.
    let bearer = server
        .anonymous()
        .call(
            Method::GET,
            "/v1/intents",
            None,
            &[("authorization", &format!("Bearer {}", key.api_key))],
        )
        .await;
    assert_eq!(bearer.code(), "revoked_api_key");
    let dev = server
        .anonymous()
        .call(
            Method::GET,
            "/v1/intents",
            None,
            &[("authorization", &format!("Bearer {}", server.key))],
        )
        .await;
    assert_eq!(dev.status, 200);
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let server = TestServer::start().await;
    let api = server.api();
    let raw = api
        .http
        .post(format!("{}/v1/intents", server.base))
        .header("x-api-key", &server.key)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
    assert_eq!(body["detail"], body["error"]["message"]);

    let missing = server
        .anonymous()
        .post("/v1/intents", intent_body("x"))
        .await;
    assert_eq!((missing.status, missing.code()), (401, "missing_api_key"));
    let wrong = crate::support::Api::new(&server.base, "axme_sa_nope_secret")
        .post("/v1/intents", intent_body("x"))
        .await;
    assert_eq!((wrong.status, wrong.code()), (401, "invalid_api_key"));

    let big = json!({"intent_type": "tests.task.v1", "to_agent": "x", "payload": {"blob": "x".repeat(130 * 1024)}});
    let too_large = api.post("/v1/intents", big).await;
    assert_eq!(
        (too_large.status, too_large.code()),
        (413, "payload_too_large")
    );

    for (body, code, field) in [
        (
            json!({"intent_type": "Bad", "to_agent": "x", "payload": {}}),
            "invalid_intent_type",
            "intent_type",
        ),
        (
            json!({"intent_type": "a.b.v1", "to_agent": "no spaces", "payload": {}}),
            "invalid_agent_address",
            "to_agent",
        ),
        (
            json!({"intent_type": "a.b.v1", "to_agent": "x"}),
            "validation_error",
            "payload",
        ),
        (
            json!({"intent_type": "a.b.v1", "to_agent": "x", "payload": {}, "deadline_at": "soon"}),
            "validation_error",
            "deadline_at",
        ),
        (
            json!({"intent_type": "a.b.v1", "to_agent": "x", "payload": {}, "correlation_id": "nope"}),
            "validation_error",
            "correlation_id",
        ),
    ] {
        let resp = api.post("/v1/intents", body).await;
        assert_eq!((resp.status, resp.code()), (422, code), "{}", resp.body);
        assert_eq!(resp.body["error"]["details"]["field"], field);
    }
    let id = api.create().await;
    let bad_status = api
        .post(
            &format!("/v1/intents/{id}/resolve"),
            json!({"status": "DONE"}),
        )
        .await;
    assert_eq!(
        (bad_status.status, bad_status.code()),
        (422, "invalid_status")
    );
    assert!(bad_status.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("COMPLETED, FAILED, CANCELED"));
}

#[tokio::test]
async fn unserved_operations_answer_501_and_unknown_routes_404() {
    let server = TestServer::start().await;
    let api = server.api();
    let billing = api.get("/v1/billing/invoices").await;
    assert_eq!((billing.status, billing.code()), (501, "not_implemented"));
    let policy = api.get("/v1/agents/acme/prod/billing/policy").await;
    assert_eq!((policy.status, policy.code()), (501, "not_implemented"));
    // A static segment beside a served `{intent_id}` route is still the spec's 501, not a 405.
    let bulk = api.post("/v1/intents/bulk-cancel", json!({})).await;
    assert_eq!((bulk.status, bulk.code()), (501, "not_implemented"));
    let unknown = api.get("/v1/nothing-here").await;
    assert_eq!((unknown.status, unknown.code()), (404, "route_not_found"));
    let wrong_method = api.call(Method::DELETE, "/v1/intents", None, &[]).await;
    assert_eq!(wrong_method.status, 405);
    // A literal path of the spec that a served route's template also matches, for another method.
    let bulk = api
        .post("/v1/intents/bulk-cancel", serde_json::json!({}))
        .await;
    assert_eq!((bulk.status, bulk.code()), (501, "not_implemented"));
    let echoed = api
        .call(Method::GET, "/health", None, &[("x-request-id", "req-123")])
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("req-123"));
}

#[tokio::test]
async fn health_capabilities_and_metrics() {
    let server = TestServer::start().await;
    let api = server.anonymous();
    for path in ["/health", "/v1/health"] {
        let health = api.get(path).await;
        assert_eq!(health.body["ok"], true);
    }
    let caps = server.api().get("/v1/capabilities").await;
    assert!(caps.body["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "agents.listen"));
    server.api().create().await;
    let metrics = api.get("/metrics").await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("axme_http_requests_total"), "{text}");
    assert!(text.contains("axme_store_commit_batch_size"));
    assert!(!text.contains(&server.key), "metrics never show keys");
}

#[tokio::test]
async fn deadline_passes_to_timed_out() {
    let server = TestServer::start().await;
    let api = server.api();
    let soon = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(300);
    let deadline = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let created = api.post("/v1/intents", json!({"intent_type": "tests.task.v1", "to_agent": "x", "payload": {}, "deadline_at": deadline})).await;
    let id = created.body["intent_id"].as_str().unwrap();
    let stream = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?since=3&wait_seconds=30"),
            &[],
        )
        .await;
    assert_eq!(stream.events().last().unwrap().event, "intent.timed_out");
    assert!(
        stream.timeout().is_none(),
        "the terminal event closes the stream"
    );
    assert_eq!(
        api.get(&format!("/v1/intents/{id}")).await.body["intent"]["status"],
        "TIMED_OUT"
    );
    let late = api.resolve(id, "COMPLETED").await;
    assert_eq!(late.status, 409);
}
