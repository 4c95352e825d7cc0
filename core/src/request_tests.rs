//! Request preparation tests.

use super::*;
use crate::error::ErrorKind;
use crate::operations::*;
use crate::records::ClientConfig;
use serde_json::json;

fn cfg() -> ResolvedConfig {
    ClientConfig {
        api_key: Some("k".into()),
        ..ClientConfig::default()
    }
    .resolve_with(|_| None)
    .unwrap()
}

fn header<'a>(r: &'a PreparedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

#[test]
fn path_and_query_are_encoded() {
    let args = json!({"intent_id": "a b/c?", "since": 3});
    let r = prepare(get(ids::INTENTS_EVENTS_LIST), &args, &cfg()).unwrap();
    assert_eq!(r.path_and_query, "/v1/intents/a%20b%2Fc%3F/events?since=3");
    assert_eq!(r.method, HttpMethod::Get);
    assert!(r.body.is_none() && r.retry_safe && r.idempotency_key.is_none());
}

#[test]
fn agent_address_keeps_slashes_and_drops_scheme() {
    let args = json!({"address": "agent://acme/prod/billing bot", "since": 0, "status": ["DELIVERED", "WAITING"]});
    let r = prepare(get(ids::AGENTS_INTENTS_STREAM), &args, &cfg()).unwrap();
    assert_eq!(
        r.path_and_query,
        "/v1/agents/acme/prod/billing%20bot/intents/stream?since=0&status=DELIVERED,WAITING"
    );
    for bad in ["agent://", "a//b", "../x", "a/./b", ""] {
        let e = prepare(
            get(ids::AGENTS_INTENTS_STREAM),
            &json!({ "address": bad }),
            &cfg(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
    }
    let e = prepare(get(ids::INTENTS_GET), &json!({"intent_id": ".."}), &cfg()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn write_gets_idempotency_key_trace_and_correlation() {
    let args = json!({"body": {"intent_type": "a.b.v1", "correlation_id": "c-1"}});
    let r = prepare(get(ids::INTENTS_CREATE), &args, &cfg()).unwrap();
    let key = header(&r, "idempotency-key").unwrap();
    assert!(is_uuid(key));
    assert_eq!(r.idempotency_key.as_deref(), Some(key));
    assert!(r.retry_safe);
    assert_eq!(header(&r, "x-correlation-id"), Some("c-1"));
    let trace = header(&r, "x-trace-id").unwrap();
    assert!(is_uuid(trace));
    let tp = header(&r, "traceparent").unwrap();
    assert!(
        tp.starts_with(&format!("00-{}-", trace.replace('-', ""))),
        "{tp}"
    );
    assert_eq!(tp.len(), 55);
    let body: Value = serde_json::from_slice(r.body.as_ref().unwrap()).unwrap();
    assert_eq!(body["correlation_id"], "c-1");
}

#[test]
fn caller_values_win_and_auto_can_be_disabled() {
    let args = json!({"body": {}, "idempotency_key": "my-key-123", "trace_id": "custom trace"});
    let r = prepare(get(ids::INTENTS_CREATE), &args, &cfg()).unwrap();
    assert_eq!(header(&r, "idempotency-key"), Some("my-key-123"));
    assert_eq!(header(&r, "x-trace-id"), Some("custom trace"));
    assert!(header(&r, "traceparent").unwrap().starts_with("00-"));
    let mut c = cfg();
    c.auto_idempotency_key = false;
    c.auto_trace_id = false;
    let r = prepare(get(ids::INTENTS_CREATE), &json!({"body": {}}), &c).unwrap();
    assert!(header(&r, "idempotency-key").is_none() && header(&r, "x-trace-id").is_none());
    assert!(header(&r, "traceparent").is_none());
    assert!(!r.retry_safe, "a write without a key is never retried");
}

#[test]
fn owner_agent_query_header_and_default() {
    let args = json!({"intent_id": "i", "owner_agent": "agent://x/y", "x_owner_agent": "agent://x/y", "body": {}});
    let r = prepare(get(ids::INTENTS_RESUME), &args, &cfg()).unwrap();
    assert_eq!(
        r.path_and_query,
        "/v1/intents/i/resume?owner_agent=agent%3A%2F%2Fx%2Fy"
    );
    assert_eq!(header(&r, "x-owner-agent"), Some("agent://x/y"));
    let mut c = cfg();
    c.default_owner_agent = Some("agent://d".into());
    let args = json!({"intent_id": "i", "body": {"status": "COMPLETED"}});
    let r = prepare(get(ids::INTENTS_RESOLVE), &args, &c).unwrap();
    assert_eq!(
        r.path_and_query,
        "/v1/intents/i/resolve?owner_agent=agent%3A%2F%2Fd"
    );
    let r = prepare(get(ids::INTENTS_GET), &json!({"intent_id": "i"}), &c).unwrap();
    assert_eq!(r.path_and_query, "/v1/intents/i");
}

#[test]
fn per_call_options() {
    let args = json!({"intent_id": "i", "authorization": "Bearer other", "timeout": 2.5});
    let r = prepare(get(ids::INTENTS_GET), &args, &cfg()).unwrap();
    assert_eq!(header(&r, "authorization"), Some("Bearer other"));
    assert_eq!(r.timeout, Some(Duration::from_millis(2500)));
    assert!(
        header(&r, "idempotency-key").is_none(),
        "reads get no minted key"
    );
}

#[test]
fn bad_arguments_are_rejected_before_any_request() {
    let cases = [
        (get(ids::INTENTS_GET), json!({})),
        (get(ids::INTENTS_GET), json!({"intent_id": {"x": 1}})),
        (get(ids::INTENTS_GET), json!({"intent_id": "i", "bogus": 1})),
        (get(ids::INTENTS_GET), json!([1, 2])),
        (
            get(ids::INTENTS_GET),
            json!({"intent_id": "i", "timeout": 0}),
        ),
        (
            get(ids::INTENTS_GET),
            json!({"intent_id": "i", "trace_id": "bad\nvalue"}),
        ),
        (
            get(ids::INTENTS_GET),
            json!({"intent_id": "i", "trace_id": ""}),
        ),
        (
            get(ids::INTENTS_EVENTS_LIST),
            json!({"intent_id": "i", "since": {"a": 1}}),
        ),
        (get(ids::INTENTS_CREATE), json!({"owner_agent": "x"})),
    ];
    for (op, args) in cases {
        let e = prepare(op, &args, &cfg()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{args}");
    }
    assert!(prepare(get(ids::HEALTH), &Value::Null, &cfg()).is_ok());
}

#[test]
fn traceparent_shapes() {
    let tp = traceparent("0af7651916cd43dd8448eb211c80319c");
    assert!(tp.starts_with("00-0af7651916cd43dd8448eb211c80319c-") && tp.ends_with("-01"));
    let zero = traceparent("00000000-0000-0000-0000-000000000000");
    assert!(!zero.contains("00000000000000000000000000000000"));
    let other = traceparent("not-a-uuid");
    let parts: Vec<_> = other.split('-').collect();
    assert_eq!((parts.len(), parts[1].len(), parts[2].len()), (4, 32, 16));
}

#[test]
fn minted_ids_are_distinct_v4_uuids() {
    let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
    assert_eq!(ids.len(), 1000);
    for id in ids.iter().take(20) {
        let u = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(u.get_version_num(), 4, "{id}");
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
    }
}

#[test]
fn minted_idempotency_keys_are_distinct_time_ordered_v7_uuids() {
    let keys: Vec<String> = (0..1000).map(|_| new_idempotency_key()).collect();
    let distinct: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 1000);
    let millis = |key: &str| {
        let u = uuid::Uuid::parse_str(key).unwrap();
        assert_eq!(u.get_version_num(), 7, "{key}");
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{key}");
        let (secs, nanos) = u.get_timestamp().unwrap().to_unix();
        secs * 1000 + u64::from(nanos) / 1_000_000
    };
    // Ordered by the millisecond they were minted in (the random tail orders keys within one).
    let stamps: Vec<u64> = keys.iter().map(|k| millis(k)).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        now - stamps[0] < 60_000,
        "minted from the clock: {} vs {now}",
        stamps[0]
    );
}

fn op(id: &str) -> &'static OperationDescriptor {
    find(id).unwrap()
}

fn refused(op: &OperationDescriptor, args: Value) -> String {
    let e = prepare(op, &args, &cfg()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{args}");
    e.message().to_string()
}

#[test]
fn parameters_are_checked_against_the_spec() {
    let events = get(ids::INTENTS_EVENTS_LIST);
    assert_eq!(
        refused(events, json!({"intent_id": "i", "since": -1})),
        "list_intent_events: query parameter since must be an integer from 0 to 9223372036854775807, got -1"
    );
    assert_eq!(
        refused(op("list_intents"), json!({"limit": 500})),
        "list_intents: query parameter limit must be an integer from 1 to 200, got 500"
    );
    assert_eq!(
        refused(op("check_nick"), json!({})),
        "check_nick: missing required query parameter nick (a string of 1 to 64 characters)"
    );
    assert_eq!(
        refused(get(ids::MESH_AGENTS_LIST), json!({"window": "year"})),
        "mesh_list_agents: query parameter window must be one of \"day\", \"week\", \"month\", got \"year\""
    );
    assert_eq!(
        refused(get(ids::MCP_REQUEST), json!({"body": {}, "mcp_protocol_version": "1999"})),
        "mcp_request: header mcp_protocol_version must be one of \"2024-11-05\", \"2025-11-25\", got \"1999\""
    );
    assert_eq!(
        refused(op("mcp_end_session"), json!({})),
        "mcp_end_session: missing required header mcp_session_id (a non-empty string)"
    );
    assert_eq!(
        refused(get(ids::INTENTS_GET), json!({"intent_id": 42})),
        "get_intent: path parameter intent_id must be a string, got 42"
    );
    assert_eq!(
        refused(get(ids::INTENTS_GET), json!({})),
        "get_intent: missing required path parameter intent_id (a string)"
    );
    assert_eq!(
        refused(get(ids::INTENTS_RESOLVE), json!({"intent_id": "i", "owner_agent": "", "body": {}})),
        "resolve_intent: query parameter owner_agent must be a string of 1 to 383 characters, got \"\""
    );
    // In range, and an integral float (what JavaScript sends) goes out as an integer.
    let r = prepare(events, &json!({"intent_id": "i", "since": 4.0}), &cfg()).unwrap();
    assert_eq!(r.path_and_query, "/v1/intents/i/events?since=4");
    let r = prepare(op("check_nick"), &json!({"nick": "alice"}), &cfg()).unwrap();
    assert_eq!(r.path_and_query, "/v1/users/check-nick?nick=alice");
}

#[test]
fn retry_safety_follows_the_descriptor() {
    // A read: always, with no key.
    assert!(
        prepare(get(ids::INTENTS_GET), &json!({"intent_id": "i"}), &cfg())
            .unwrap()
            .retry_safe
    );
    // The spec marks the kill switch `never`: not even a caller's key makes it retry-safe.
    let args = json!({"address_id": "agt_1", "idempotency_key": "k-1"});
    let r = prepare(get(ids::MESH_AGENTS_KILL), &args, &cfg()).unwrap();
    assert_eq!(r.idempotency_key.as_deref(), Some("k-1"));
    assert!(!r.retry_safe);
    // A DELETE the spec marks `always` stays retry-safe without a key.
    let mut c = cfg();
    c.auto_idempotency_key = false;
    let del = op("delete_webhook_subscription");
    assert_eq!(del.retry, RetryRule::Always);
    let r = prepare(del, &json!({"subscription_id": "s"}), &c).unwrap();
    assert!(r.idempotency_key.is_none() && r.retry_safe);
    // A write with `with_idempotency_key`: only with a key.
    let r = prepare(get(ids::INTENTS_CREATE), &json!({"body": {}}), &c).unwrap();
    assert!(!r.retry_safe);
}

#[test]
fn bodies_follow_the_media_type() {
    let upload = op("upload_media_content");
    let content = bytes::Bytes::from_static(b"\x00\x01raw");
    let r = prepare_with_content(
        upload,
        &json!({"upload_id": "u1"}),
        Some(content.clone()),
        &cfg(),
    )
    .unwrap();
    assert_eq!(r.body, Some(content.clone()));
    assert_eq!(r.content_type, Some("application/octet-stream"));
    assert_eq!(r.path_and_query, "/v1/media/upload/u1");
    assert!(r.retry_safe, "minted key");

    let msg = refused(upload, json!({"upload_id": "u1", "body": "cmF3"}));
    assert!(
        msg.contains("raw bytes (application/octet-stream)") && msg.contains("content"),
        "{msg}"
    );
    assert_eq!(
        refused(upload, json!({"upload_id": "u1"})),
        "upload_media_content: missing the request body (raw bytes sent as application/octet-stream)"
    );
    let create = get(ids::INTENTS_CREATE);
    let e = prepare_with_content(create, &json!({"body": {}}), Some(content.clone()), &cfg())
        .unwrap_err();
    assert!(
        e.message().contains("pass it in args as `body`"),
        "{}",
        e.message()
    );
    assert!(refused(create, json!({})).contains("missing the request body (a JSON value"));
    let r = prepare(create, &json!({"body": {"a": 1}}), &cfg()).unwrap();
    assert_eq!(r.content_type, Some("application/json"));
    assert_eq!(r.body.as_deref(), Some(&b"{\"a\":1}"[..]));
    // No body where the operation takes none; an optional body may be left out.
    assert_eq!(
        refused(
            get(ids::MESH_AGENTS_KILL),
            json!({"address_id": "a", "body": {}})
        ),
        "mesh_kill: this operation takes no request body"
    );
    let r = prepare(get(ids::MESH_HEARTBEAT), &Value::Null, &cfg()).unwrap();
    assert!(r.body.is_none() && r.content_type.is_none());
    // A scalar is never a request body; null is no body.
    assert_eq!(
        refused(create, json!({"body": "not an object"})),
        "create_intent: the request body must be a JSON object, got a string"
    );
    assert_eq!(
        refused(create, json!({"body": 5})),
        "create_intent: the request body must be a JSON object, got a number"
    );
    assert!(refused(create, json!({"body": null})).contains("missing the request body"));
}
