//! Checks on the embedded spec itself and on the validator.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::{Spec, ValidationFailure};

fn spec() -> &'static Spec {
    Spec::shared()
}

/// `(method, path)` of every operation, with the raw operation object.
fn raw_operations() -> Vec<(String, String, &'static Value)> {
    let raw = spec().raw();
    spec()
        .operations()
        .map(|op| {
            (
                op.method.to_owned(),
                op.template.to_owned(),
                &raw["paths"][op.template][op.method.to_lowercase()],
            )
        })
        .collect()
}

/// The operations docs/design/server-wire.md says the reference server serves, plus the fault API.
const SERVED: &[&str] = &[
    "health",
    "health_v1",
    "get_capabilities",
    "create_intent",
    "list_intents",
    "get_intent",
    "list_intent_events",
    "stream_intent_events",
    "resolve_intent",
    "resume_intent",
    "update_intent_controls",
    "update_intent_policy",
    "stream_agent_intents",
    "list_agents",
    "get_agent",
    "register_agent",
    "mesh_heartbeat",
    "mesh_list_agents",
    "mesh_get_agent",
    "mesh_kill",
    "mesh_resume",
    "mesh_list_events",
    "mesh_get_policy",
    "mesh_set_policy",
    "create_organization",
    "get_organization",
    "create_workspace",
    "list_workspaces",
    "create_service_account",
    "list_service_accounts",
    "get_service_account",
    "create_service_account_key",
    "list_service_account_keys",
    "revoke_service_account_key",
    "rotate_service_account_key",
    "list_my_tasks",
    "list_inbox",
    "list_inbox_changes",
    "get_inbox_thread",
    "mark_inbox_thread_read",
    "reply_inbox_thread",
    "delegate_inbox_thread",
    "approve_inbox_thread",
    "reject_inbox_thread",
    "delete_inbox_messages",
    "decide_approval",
    "validate_scenario",
    "apply_scenario",
    "create_invite",
    "get_invite",
    "accept_invite",
    "create_media_upload",
    "finalize_media_upload",
    "upload_media_content",
    "download_media",
    "preview_media",
    "get_media_upload",
    "upsert_schema",
    "get_schema",
    "register_nick",
    "check_nick",
    "resolve_nick",
    "rename_nick",
    "get_user_profile",
    "update_user_profile",
    "upsert_webhook_subscription",
    "list_webhook_subscriptions",
    "delete_webhook_subscription",
    "publish_webhook_event",
    "replay_webhook_event",
    "mcp_request",
    "mcp_end_session",
    "create_fault_credential",
    "add_fault_rules",
    "clear_fault_rules",
    "list_fault_requests",
];

/// Every endpoint method of the public Python SDK 0.2.0 (`AxmeClient` and `client.mesh`).
const PYTHON_ENDPOINT_METHODS: &[&str] = &[
    "health",
    "create_intent",
    "get_intent",
    "apply_scenario",
    "validate_scenario",
    "list_intent_events",
    "resolve_intent",
    "resume_intent",
    "update_intent_controls",
    "update_intent_policy",
    "list_inbox",
    "get_inbox_thread",
    "list_inbox_changes",
    "reply_inbox_thread",
    "delegate_inbox_thread",
    "approve_inbox_thread",
    "reject_inbox_thread",
    "delete_inbox_messages",
    "decide_approval",
    "get_capabilities",
    "create_invite",
    "get_invite",
    "accept_invite",
    "create_media_upload",
    "get_media_upload",
    "finalize_media_upload",
    "upsert_schema",
    "get_schema",
    "register_nick",
    "check_nick",
    "rename_nick",
    "get_user_profile",
    "update_user_profile",
    "create_service_account",
    "list_service_accounts",
    "get_service_account",
    "create_service_account_key",
    "list_agents",
    "get_agent",
    "revoke_service_account_key",
    "create_organization",
    "get_organization",
    "update_organization",
    "create_workspace",
    "list_workspaces",
    "update_workspace",
    "list_organization_members",
    "add_organization_member",
    "update_organization_member",
    "remove_organization_member",
    "create_access_request",
    "list_access_requests",
    "get_access_request",
    "review_access_request",
    "update_quota",
    "get_quota",
    "get_usage_summary",
    "get_usage_timeseries",
    "create_principal",
    "get_principal",
    "bind_alias",
    "list_aliases",
    "revoke_alias",
    "resolve_alias",
    "register_routing_endpoint",
    "list_routing_endpoints",
    "update_routing_endpoint",
    "remove_routing_endpoint",
    "resolve_routing",
    "upsert_transport_binding",
    "list_transport_bindings",
    "remove_transport_binding",
    "submit_delivery",
    "list_deliveries",
    "get_delivery",
    "replay_delivery",
    "update_billing_plan",
    "get_billing_plan",
    "list_billing_invoices",
    "get_billing_invoice",
    "upsert_webhook_subscription",
    "list_webhook_subscriptions",
    "delete_webhook_subscription",
    "publish_webhook_event",
    "replay_webhook_event",
    "mesh.heartbeat",
    "mesh.list_agents",
    "mesh.get_agent",
    "mesh.kill",
    "mesh.resume",
    "mesh.list_events",
];

const HIGH_LEVEL: &[&str] = &[
    "send_intent",
    "observe",
    "wait_for",
    "listen",
    "cancel_intent",
    "mcp_initialize",
    "mcp_list_tools",
    "mcp_call_tool",
    "mesh.heartbeat",
    "mesh.start_heartbeat",
    "mesh.stop_heartbeat",
    "mesh.report_metric",
    "mesh.list_agents",
    "mesh.get_agent",
    "mesh.kill",
    "mesh.resume",
    "mesh.list_events",
];

fn intent() -> Value {
    json!({
        "intent_id": "3f2b8c1e-6a4d-4c2e-9b1a-0d6e5f4a3b21", "status": "DELIVERED", "lifecycle_status": "DELIVERED",
        "waiting_reason": null, "intent_type": "notify.message.v1", "correlation_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "from_agent": "agent://acme/prod/sender", "to_agent": "agent://acme/prod/receiver", "reply_to": null,
        "payload": {"text": "hello"}, "deadline_at": null, "remind_after_seconds": null, "remind_interval_seconds": null,
        "max_reminders": null, "remind_count": 0, "escalate_to": null, "max_delivery_attempts": 3, "delivery_attempt": 1,
        "human_task": null, "pending_with": {"type": "agent", "ref": "agent://acme/prod/receiver", "name": null},
        "result": null, "error": null, "policy_generation": 0, "controls": {}, "grants": {}, "envelope": {}, "last_seq": 3,
        "created_at": "2026-11-22T05:29:24.123456Z", "updated_at": "2026-11-22T05:29:24.123456Z", "completed_at": null,
        "extra_field_the_server_may_add": true
    })
}

fn event(seq: u64) -> Value {
    json!({"intent_id": "3f2b8c1e-6a4d-4c2e-9b1a-0d6e5f4a3b21", "seq": seq, "event_type": "intent.delivered",
           "status": "DELIVERED", "waiting_reason": null, "handler": null, "actor": null,
           "at": "2026-11-22T05:29:24.123456Z", "details": {}})
}

fn violations(result: Result<(), ValidationFailure>) -> String {
    match result {
        Err(failure @ ValidationFailure::Invalid { .. }) => failure.to_string(),
        other => panic!("expected schema violations, got {other:?}"),
    }
}

const GET_INTENT: &str = "/v1/intents/3f2b8c1e-6a4d-4c2e-9b1a-0d6e5f4a3b21";

#[test]
fn spec_parses_as_openapi_3_0() {
    let spec = Spec::load().expect("openapi.yaml loads");
    assert_eq!(spec.openapi().openapi, "3.0.3");
    assert!(spec.operations().count() > 100);
}

#[test]
fn every_operation_is_complete_and_unique() {
    let mut ids = HashSet::new();
    for (method, path, op) in raw_operations() {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{id} is not snake_case"
        );
        let tags = op["tags"].as_array().map(Vec::len).unwrap_or(0);
        assert!(tags >= 1, "{method} {path} has no tags");
        assert!(
            op["summary"].is_string() && op["description"].is_string(),
            "{id} lacks summary/description"
        );
        assert!(op["x-axme-served"].is_boolean(), "{id} lacks x-axme-served");
        assert!(op["responses"]["200"].is_object(), "{id} documents no 200");
        assert!(
            op["responses"]["200"]["headers"]["x-request-id"].is_object(),
            "{id}: 200 lacks x-request-id"
        );
        let faults_only = op["x-axme-faults-only"] == json!(true);
        let sdk = &op["x-axme-sdk"];
        if faults_only {
            assert!(sdk.is_null(), "{id} is faults-only but has x-axme-sdk");
            assert_eq!(op["tags"][0], "faults");
            continue;
        }
        assert!(sdk["method"].is_string(), "{id} lacks x-axme-sdk.method");
        assert_eq!(
            sdk["family"], op["tags"][0],
            "{id}: x-axme-sdk.family is not its tag"
        );
        let names = |list: &Value| -> Vec<String> {
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let mut declared = names(&sdk["positional"]);
        declared.extend(names(&sdk["keywords"]));
        let params: Vec<String> = sdk["params"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            declared, params,
            "{id}: positional + keywords differ from params"
        );
        for p in sdk["params"].as_array().into_iter().flatten() {
            let bind = p["bind"].as_str().unwrap_or_default();
            assert!(
                bind == "body"
                    || ["path:", "query:", "header:", "body:"]
                        .iter()
                        .any(|k| bind.starts_with(k)),
                "{id}: bad bind {bind}"
            );
        }
        let write = matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        let refs = op["parameters"].to_string();
        if write {
            assert!(
                refs.contains("#/components/parameters/IdempotencyKey"),
                "{id} is a write without Idempotency-Key"
            );
        }
        assert!(
            refs.contains("#/components/parameters/XTraceId"),
            "{id} lacks X-Trace-Id"
        );
    }
}

#[test]
fn served_flags_match_the_server_design() {
    let served: HashSet<&str> = spec()
        .operations()
        .filter(|op| op.served)
        .map(|op| op.operation_id)
        .collect();
    assert_eq!(served, SERVED.iter().copied().collect::<HashSet<_>>());
    for (_, _, op) in raw_operations() {
        let documents_501 = op["responses"]["501"].is_object();
        assert_eq!(
            documents_501,
            op["x-axme-served"] == json!(false),
            "{}: 501 iff not served",
            op["operationId"]
        );
    }
}

#[test]
fn python_sdk_methods_are_all_placed() {
    let placed: HashSet<String> = raw_operations()
        .iter()
        .filter(|(_, _, op)| op["x-axme-sdk"]["public"] != json!(false))
        .filter_map(|(_, _, op)| {
            let sdk = &op["x-axme-sdk"];
            let method = sdk["method"].as_str()?;
            Some(
                sdk["subclient"]
                    .as_str()
                    .map_or_else(|| method.to_owned(), |s| format!("{s}.{method}")),
            )
        })
        .collect();
    for name in PYTHON_ENDPOINT_METHODS {
        assert!(
            placed.contains(*name),
            "Python method {name} has no operation"
        );
    }
    let high: HashSet<&str> = spec().raw()["x-axme-high-level"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(high, HIGH_LEVEL.iter().copied().collect::<HashSet<_>>());
}

#[test]
fn sse_operations_name_their_event_schemas() {
    for (id, event) in [
        ("stream_intent_events", "IntentEvent"),
        ("stream_agent_intents", "AgentDelivery"),
    ] {
        let op = spec().operation(id).unwrap();
        let media = &spec().raw()["paths"][op.template]["get"]["responses"]["200"]["content"]
            ["text/event-stream"];
        assert_eq!(
            media["x-axme-sse"]["event"],
            format!("#/components/schemas/{event}")
        );
        assert_eq!(
            media["x-axme-sse"]["timeout"],
            "#/components/schemas/StreamTimeout"
        );
        assert!(spec().schema_names().any(|n| n == event));
    }
}

#[test]
fn path_matching() {
    let s = spec();
    let id = |m: &str, p: &str| s.find_operation(m, p).map(|o| o.operation_id);
    assert_eq!(
        id("GET", &format!("{GET_INTENT}/events?since=2")),
        Some("list_intent_events")
    );
    assert_eq!(
        id("get", &format!("{GET_INTENT}/events/stream")),
        Some("stream_intent_events")
    );
    assert_eq!(
        id("GET", "/v1/agents/acme/prod/billing/intents/stream?since=0"),
        Some("stream_agent_intents")
    );
    assert_eq!(
        id("GET", "/v1/agents/acme%2Fprod%2Fbilling/intents/stream"),
        Some("stream_agent_intents")
    );
    assert_eq!(id("GET", "/v1/agents/acme/prod/billing"), Some("get_agent"));
    assert_eq!(
        id("GET", "/v1/agents/acme/prod/billing/policy"),
        Some("get_agent_policy")
    );
    assert_eq!(
        id("POST", "/v1/intents/bulk-cancel"),
        Some("bulk_cancel_intents")
    );
    assert_eq!(id("GET", "/v1/aliases/resolve"), Some("resolve_alias"));
    assert_eq!(id("GET", "/v1/mesh/agents/a1"), Some("mesh_get_agent"));
    assert_eq!(
        id("POST", "/_faults/credentials/c1/rules"),
        Some("add_fault_rules")
    );
    assert_eq!(id("PATCH", GET_INTENT), None);
    assert_eq!(id("GET", "/v2/nothing"), None);
    let op = s.find_operation("GET", "/health").unwrap();
    assert!(op.served && op.template == "/health" && op.method == "GET");
}

#[test]
fn valid_intent_response_passes() {
    let body = json!({"ok": true, "intent": intent()});
    spec()
        .validate_response("GET", GET_INTENT, 200, &body)
        .unwrap();
    let list = json!({"ok": true, "intents": [intent()], "next_cursor": null});
    spec()
        .validate_response(
            "GET",
            "/v1/intents?status=DELIVERED,WAITING&limit=5",
            200,
            &list,
        )
        .unwrap();
    let created = json!({"ok": true, "intent_id": intent()["intent_id"], "status": "DELIVERED",
                         "correlation_id": intent()["correlation_id"], "created_at": "2026-11-22T05:29:24.123456Z"});
    spec()
        .validate_response("POST", "/v1/intents", 200, &created)
        .unwrap();
    let mut waiting = intent();
    waiting["status"] = json!("WAITING");
    waiting["waiting_reason"] = json!("WAITING_FOR_HUMAN");
    waiting["pending_with"] = json!(null);
    spec()
        .validate_response(
            "GET",
            GET_INTENT,
            200,
            &json!({"ok": true, "intent": waiting}),
        )
        .unwrap();
}

#[test]
fn broken_intent_responses_name_the_field() {
    let mut missing = intent();
    missing.as_object_mut().unwrap().remove("status");
    let msg = violations(spec().validate_response(
        "GET",
        GET_INTENT,
        200,
        &json!({"ok": true, "intent": missing}),
    ));
    assert!(
        msg.contains("/intent") && msg.contains("\"status\""),
        "{msg}"
    );

    let mut wrong_type = intent();
    wrong_type["last_seq"] = json!("three");
    let msg = violations(spec().validate_response(
        "GET",
        GET_INTENT,
        200,
        &json!({"ok": true, "intent": wrong_type}),
    ));
    assert!(msg.contains("/intent/last_seq"), "{msg}");

    let mut null_payload = intent();
    null_payload["payload"] = Value::Null;
    let msg = violations(spec().validate_response(
        "GET",
        GET_INTENT,
        200,
        &json!({"ok": true, "intent": null_payload}),
    ));
    assert!(msg.contains("/intent/payload"), "{msg}");

    let mut several = intent();
    several["status"] = json!("CANCELLED");
    several["created_at"] = json!("yesterday");
    let msg = violations(spec().validate_response(
        "GET",
        GET_INTENT,
        200,
        &json!({"ok": true, "intent": several}),
    ));
    assert!(
        msg.contains("/intent/status") && msg.contains("/intent/created_at"),
        "{msg}"
    );
}

#[test]
fn error_responses_and_statuses() {
    let err = json!({"error": {"code": "not_implemented", "message": "not served", "details": {}}, "detail": "not served"});
    spec()
        .validate_response("GET", "/v1/billing/invoices", 501, &err)
        .unwrap();
    spec()
        .validate_response("GET", GET_INTENT, 404, &err)
        .unwrap();
    assert!(matches!(
        spec().validate_response("GET", GET_INTENT, 501, &err),
        Err(ValidationFailure::UndocumentedStatus { status: 501, .. })
    ));
    assert!(matches!(
        spec().validate_response("GET", GET_INTENT, 418, &err),
        Err(ValidationFailure::UndocumentedStatus { .. })
    ));
    assert!(matches!(
        spec().validate_response("GET", "/nowhere", 200, &err),
        Err(ValidationFailure::UnknownOperation { .. })
    ));
    let msg = violations(spec().validate_response(
        "GET",
        GET_INTENT,
        404,
        &json!({"error": "not_found"}),
    ));
    assert!(
        msg.contains("/error") && msg.contains("\"detail\""),
        "{msg}"
    );
}

#[test]
fn sse_payloads() {
    spec().validate_schema("IntentEvent", &event(2)).unwrap();
    spec()
        .validate_schema("StreamTimeout", &json!({"ok": true, "next_seq": 3}))
        .unwrap();
    let delivery = json!({"intent_id": intent()["intent_id"], "seq": 7, "event_type": "intent.delivered", "status": "DELIVERED",
        "at": "2026-11-22T05:29:24.123456Z", "intent_type": "notify.message.v1", "correlation_id": intent()["correlation_id"],
        "from_agent": "agent://acme/prod/sender", "to_agent": "agent://acme/prod/receiver", "payload": {}, "intent": intent()});
    spec().validate_schema("AgentDelivery", &delivery).unwrap();
    assert!(violations(spec().validate_schema("IntentEvent", &event(0))).contains("/seq"));
    assert!(
        violations(spec().validate_schema("StreamTimeout", &json!({"next_seq": 1})))
            .contains("\"ok\"")
    );
    assert_eq!(
        spec().validate_schema("Nope", &json!({})),
        Err(ValidationFailure::UnknownSchema("Nope".into()))
    );
    let stream = spec().validate_response(
        "GET",
        &format!("{GET_INTENT}/events/stream"),
        200,
        &json!("id: 1\n\n"),
    );
    assert_eq!(stream, Ok(()));
}

#[test]
fn create_request_rules() {
    let ok = json!({"intent_type": "notify.message.v1", "to_agent": "agent://acme/prod/receiver", "payload": {}});
    spec().validate_schema("CreateIntentRequest", &ok).unwrap();
    let bad =
        json!({"intent_type": "notify", "to_agent": "", "payload": [], "correlation_id": "nope"});
    let msg = violations(spec().validate_schema("CreateIntentRequest", &bad));
    for field in ["/intent_type", "/to_agent", "/payload", "/correlation_id"] {
        assert!(msg.contains(field), "{field} missing in {msg}");
    }
}

#[test]
fn fault_journal_shape() {
    let journal = json!({"requests": [{"index": 0, "at": "2026-11-22T05:29:24.123456Z", "elapsed_ms": 12.5, "method": "POST",
        "path": "/v1/intents", "route": "/v1/intents", "query": null, "attempt": 1,
        "headers": {"x-api-key": ["fp:0123456789ab"]}, "body_sha256": null, "status": 200,
        "ended": "completed", "ended_ms": 14.0}]});
    spec()
        .validate_response("GET", "/_faults/credentials/c1/requests", 200, &journal)
        .unwrap();
}
