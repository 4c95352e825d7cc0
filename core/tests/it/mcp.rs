//! MCP client against the scripted JSON-RPC server in `fake.rs`: both protocol versions,
//! sessions, schema checks, tool and JSON-RPC errors, retries.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axme_core::{CallOptions, Client, Config, ErrorKind};
use serde_json::json;

use crate::fake::Fake;
use crate::support::within;

fn client(fake: &Fake, edit: impl FnOnce(&mut Config)) -> Client {
    let mut config = Config {
        base_url: Some(fake.base_url.clone()),
        api_key: Some("key-1".into()),
        ..Config::default()
    };
    edit(&mut config);
    let resolved = config.resolve_with(|_| None).expect("config");
    Client::from_resolved(resolved, Some(Arc::new(|| 0.0))).expect("client")
}

fn calls(fake: &Fake, rpc: &str) -> Vec<crate::fake::Logged> {
    fake.requests(None)
        .into_iter()
        .filter(|r| r.rpc_method() == Some(rpc))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_2024_11_05_round_trip() {
    let fake = Fake::start().await;
    let c = client(&fake, |c| {
        c.default_owner_agent = Some("agent://acme/prod/owner".into())
    });
    let none = CallOptions::default();
    within(async {
        let init = c.mcp_initialize(None, &none).await.unwrap();
        assert_eq!(init["protocolVersion"], "2024-11-05");
        assert_eq!(c.mcp_protocol_version().as_deref(), Some("2024-11-05"));
        assert_eq!(c.mcp_session_id(), None);

        let tools = c.mcp_list_tools(&none).await.unwrap();
        assert_eq!(tools["tools"].as_array().unwrap().len(), 4);
        assert_eq!(
            c.mcp_tool_schema("axme.check_nick").unwrap()["required"],
            json!(["nick"])
        );
        assert_eq!(c.mcp_tool_schema("axme.no_schema"), None);

        let r = c
            .mcp_call_tool(
                "axme.check_nick",
                json!({"nick": "alice"}),
                &CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(r["tool"], "axme.check_nick");
        assert_eq!(
            r["structuredContent"]["arguments"],
            json!({"nick": "alice", "owner_agent": "agent://acme/prod/owner"})
        );
        assert_eq!(
            r["structuredContent"]["owner_agent"],
            "agent://acme/prod/owner"
        );
    })
    .await;

    let log = fake.requests(Some("/mcp"));
    assert_eq!(log.len(), 3, "no initialized notification under 2024-11-05");
    for r in &log {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("mcp-session-id"), None);
        assert_eq!(r.header("mcp-protocol-version"), None);
        assert_eq!(r.header("x-api-key"), Some("key-1"));
        assert!(r.header("x-trace-id").is_some());
        assert_eq!(
            r.header("accept"),
            Some("application/json, text/event-stream")
        );
        let body = r.body.as_ref().unwrap();
        assert_eq!(body["jsonrpc"], "2.0");
        assert!(body["id"].is_string());
    }
    let init = &calls(&fake, "initialize")[0];
    assert_eq!(
        init.body.as_ref().unwrap()["params"]["protocolVersion"],
        "2024-11-05"
    );
    assert_eq!(init.header("idempotency-key"), None);
    assert_eq!(
        calls(&fake, "tools/list")[0].header("idempotency-key"),
        None
    );
    assert!(
        calls(&fake, "tools/call")[0]
            .header("idempotency-key")
            .is_some(),
        "a tool call carries a minted key for the server's replay protection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_2025_11_25_sessions_and_reinitialize_after_expiry() {
    let fake = Fake::start().await;
    let c = client(&fake, |c| c.mcp_protocol_version = "2025-11-25".into());
    let none = CallOptions::default();
    within(async {
        let init = c.mcp_initialize(None, &none).await.unwrap();
        assert_eq!(init["protocolVersion"], "2025-11-25");
        assert_eq!(c.mcp_session_id().as_deref(), Some("sess-1"));
        c.mcp_list_tools(&none).await.unwrap();
        c.mcp_call_tool(
            "axme.check_nick",
            json!({"nick": "bob"}),
            &CallOptions::default(),
        )
        .await
        .unwrap();

        // The server forgets the session: the next call gets 404, the client initializes again
        // and repeats the call once, in the new session.
        fake.expire_sessions();
        let r = c
            .mcp_call_tool(
                "axme.check_nick",
                json!({"nick": "carol"}),
                &CallOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(r["structuredContent"]["arguments"]["nick"], "carol");
        assert_eq!(c.mcp_session_id().as_deref(), Some("sess-2"));

        // A new initialize starts a new session and does not present the old one.
        c.mcp_initialize(Some("2025-11-25"), &none).await.unwrap();
        assert_eq!(c.mcp_session_id().as_deref(), Some("sess-3"));
    })
    .await;

    let seq: Vec<(String, Option<String>)> = fake
        .requests(Some("/mcp"))
        .iter()
        .map(|r| {
            (
                r.rpc_method().unwrap_or("").to_string(),
                r.header("mcp-session-id").map(str::to_string),
            )
        })
        .collect();
    let s = |m: &str, sid: Option<&str>| (m.to_string(), sid.map(str::to_string));
    assert_eq!(
        seq,
        [
            s("initialize", None),
            s("notifications/initialized", Some("sess-1")),
            s("tools/list", Some("sess-1")),
            s("tools/call", Some("sess-1")),
            s("tools/call", Some("sess-1")), // 404: expired
            s("initialize", None),
            s("notifications/initialized", Some("sess-2")),
            s("tools/call", Some("sess-2")),
            s("initialize", None),
            s("notifications/initialized", Some("sess-3")),
        ]
    );
    for r in fake.requests(Some("/mcp")) {
        let expect = (r.rpc_method() != Some("initialize")).then_some("2025-11-25");
        assert_eq!(
            r.header("mcp-protocol-version"),
            expect,
            "{:?}",
            r.rpc_method()
        );
    }
    let notify = &calls(&fake, "notifications/initialized")[0];
    assert!(
        notify.body.as_ref().unwrap().get("id").is_none(),
        "a notification has no id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_negotiation() {
    let fake = Fake::start().await;
    let c = client(&fake, |_| {});
    let none = CallOptions::default();
    within(async {
        // Asked for 2025-11-25, the server only speaks 2024-11-05: no session headers follow.
        *fake.state.force_version.lock().unwrap() = Some("2024-11-05".into());
        let init = c.mcp_initialize(Some("2025-11-25"), &none).await.unwrap();
        assert_eq!(init["protocolVersion"], "2024-11-05");
        assert_eq!(c.mcp_protocol_version().as_deref(), Some("2024-11-05"));
        c.mcp_list_tools(&none).await.unwrap();
        let list = &calls(&fake, "tools/list")[0];
        assert_eq!(list.header("mcp-protocol-version"), None);
        assert!(calls(&fake, "notifications/initialized").is_empty());

        // A version this client does not speak is refused.
        *fake.state.force_version.lock().unwrap() = Some("2099-01-01".into());
        let e = c.mcp_initialize(None, &none).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Mcp);
        assert_eq!(e.code(), Some("unsupported_protocol_version"));
        assert_eq!(c.mcp_protocol_version(), None);

        // Unsupported requested versions fail before any request.
        let before = fake.requests(None).len();
        let e = c
            .mcp_initialize(Some("2025-03-26"), &none)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(fake.requests(None).len(), before);
    })
    .await;
    let bad = Config {
        base_url: Some(fake.base_url.clone()),
        api_key: Some("k".into()),
        mcp_protocol_version: "1.0".into(),
        ..Config::default()
    };
    assert_eq!(
        Client::new(bad).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_are_checked_against_the_cached_schema_before_sending() {
    let fake = Fake::start().await;
    let c = client(&fake, |c| {
        c.default_owner_agent = Some("agent://acme/prod/owner".into())
    });
    let none = CallOptions::default();
    let opts = CallOptions::default();
    within(async {
        // Before tools/list nothing is cached, so nothing is checked (as upstream).
        c.mcp_call_tool("axme.check_nick", json!({}), &opts)
            .await
            .unwrap();
        c.mcp_list_tools(&none).await.unwrap();
        let sent_before = calls(&fake, "tools/call").len();

        let cases = [
            (
                "axme.check_nick",
                json!({}),
                "/: missing required property \"nick\"",
            ),
            (
                "axme.check_nick",
                json!({"nick": 5}),
                "/nick: expected string, got integer",
            ),
            (
                "axme.check_nick",
                json!({"nick": "ab"}),
                "/nick: must be at least 3 characters",
            ),
            (
                "axme.intents_send",
                json!({"to_agent": "a", "payload": {"priority": "high"}}),
                "/payload/priority: expected integer, got string",
            ),
            (
                "axme.intents_send",
                json!({"to_agent": "a", "payload": {}, "tags": ["x", 1]}),
                "/tags/1: expected string, got integer",
            ),
            (
                "axme.intents_send",
                json!({"to_agent": "a", "payload": {}, "color": "red"}),
                "/: unexpected property \"color\"",
            ),
        ];
        for (tool, args, expected) in cases {
            let e = c
                .mcp_call_tool(tool, args.clone(), &opts)
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{tool} {args}");
            assert_eq!(e.code(), Some("invalid_tool_arguments"));
            assert!(e.message().contains(expected), "{}", e.message());
            let body = e.body().unwrap();
            assert_eq!(body["tool"], tool);
            assert!(!body["errors"].as_array().unwrap().is_empty());
        }
        let e = c
            .mcp_call_tool("axme.check_nick", json!([1]), &opts)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = c.mcp_call_tool("  ", json!({}), &opts).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            calls(&fake, "tools/call").len(),
            sent_before,
            "nothing sent"
        );

        // The keys the client injects are allowed even where extra properties are not.
        let keyed = CallOptions {
            idempotency_key: Some("idem-key-1".into()),
            ..CallOptions::default()
        };
        let r = c
            .mcp_call_tool(
                "axme.intents_send",
                json!({"to_agent": "a", "payload": {"priority": 3}}),
                &keyed,
            )
            .await
            .unwrap();
        assert_eq!(
            r["structuredContent"]["arguments"],
            json!({
                "to_agent": "a", "payload": {"priority": 3},
                "owner_agent": "agent://acme/prod/owner", "idempotency_key": "idem-key-1"
            })
        );
        // Arguments the caller set win over injection.
        let explicit = CallOptions {
            owner_agent: Some("agent://acme/prod/other".into()),
            ..CallOptions::default()
        };
        let r = c
            .mcp_call_tool(
                "axme.check_nick",
                json!({"nick": "dave", "owner_agent": "mine"}),
                &explicit,
            )
            .await
            .unwrap();
        assert_eq!(r["structuredContent"]["arguments"]["owner_agent"], "mine");
        assert_eq!(
            r["structuredContent"]["owner_agent"],
            "agent://acme/prod/other"
        );
        // Checks can be switched off; tools without a schema are not checked.
        let unchecked = CallOptions {
            validate_input_schema: Some(false),
            ..CallOptions::default()
        };
        c.mcp_call_tool("axme.check_nick", json!({"nick": 1}), &unchecked)
            .await
            .unwrap();
        c.mcp_call_tool("axme.no_schema", json!({"anything": [1]}), &opts)
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_failures_are_results_and_rpc_errors_are_mcp_errors() {
    let fake = Fake::start().await;
    let c = client(&fake, |_| {});
    let opts = CallOptions {
        trace_id: Some("trace-mcp-1".into()),
        ..CallOptions::default()
    };
    within(async {
        let r = c
            .mcp_call_tool("axme.fail", json!({}), &opts)
            .await
            .unwrap();
        assert_eq!(r["isError"], true);
        assert_eq!(r["content"][0]["text"], "tool failed");

        for (tool, kind, code, status, retryable) in [
            ("axme.auth", ErrorKind::Auth, "-32001", 403, false),
            ("axme.rate", ErrorKind::RateLimit, "-32004", 429, true),
            (
                "axme.bad_params",
                ErrorKind::Validation,
                "-32602",
                422,
                false,
            ),
            ("axme.internal", ErrorKind::Mcp, "-32603", 502, true),
            ("axme.custom", ErrorKind::Mcp, "-1", 400, false),
        ] {
            let e = c.mcp_call_tool(tool, json!({}), &opts).await.unwrap_err();
            assert_eq!(e.kind(), kind, "{tool}");
            assert_eq!(e.code(), Some(code), "{tool}");
            assert_eq!(e.status(), Some(status), "{tool}");
            assert_eq!(e.is_retryable(), retryable, "{tool}");
            assert_eq!(e.trace_id(), Some("trace-mcp-1"));
            let body = e.body().unwrap();
            assert_eq!(body["code"].to_string(), code);
            assert_eq!(body["data"], json!({"hint": "test"}));
        }
        // JSON-RPC errors are answers, not transport failures: never retried.
        assert_eq!(calls(&fake, "tools/call").len(), 6);

        // HTTP failures keep their HTTP kinds.
        fake.state.flaky_failures.store(1, Ordering::SeqCst);
        let e = c
            .mcp_call_tool("axme.flaky", json!({}), &opts)
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(503)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_retry_only_with_a_key_or_when_retryable() {
    let fake = Fake::start().await;
    let c = client(&fake, |_| {});
    let attempts = |fake: &Fake| calls(fake, "tools/call");
    within(async {
        fake.state.flaky_failures.store(1, Ordering::SeqCst);
        let e = c
            .mcp_call_tool("axme.flaky", json!({}), &CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(503));
        assert_eq!(
            attempts(&fake).len(),
            1,
            "no key, not retryable: one attempt"
        );

        fake.state.flaky_failures.store(2, Ordering::SeqCst);
        let keyed = CallOptions {
            idempotency_key: Some("call-key-0001".into()),
            ..CallOptions::default()
        };
        let r = c
            .mcp_call_tool("axme.flaky", json!({}), &keyed)
            .await
            .unwrap();
        assert_eq!(
            r["structuredContent"]["arguments"]["idempotency_key"],
            "call-key-0001"
        );
        let tries = &attempts(&fake)[1..];
        assert_eq!(tries.len(), 3);
        for t in tries {
            assert_eq!(t.header("idempotency-key"), Some("call-key-0001"));
            assert_eq!(
                t.body, tries[0].body,
                "the same JSON-RPC request on every attempt"
            );
        }

        fake.state.flaky_failures.store(1, Ordering::SeqCst);
        let retryable = CallOptions {
            retryable: Some(true),
            ..CallOptions::default()
        };
        c.mcp_call_tool("axme.flaky", json!({}), &retryable)
            .await
            .unwrap();
        let tries = &attempts(&fake)[4..];
        assert_eq!(tries.len(), 2);
        let minted = tries[0].header("idempotency-key").expect("minted key");
        assert_eq!(tries[1].header("idempotency-key"), Some(minted));

        fake.state.flaky_failures.store(1, Ordering::SeqCst);
        let refused = CallOptions {
            idempotency_key: Some("call-key-0002".into()),
            retryable: Some(false),
            ..CallOptions::default()
        };
        c.mcp_call_tool("axme.flaky", json!({}), &refused)
            .await
            .unwrap_err();
        assert_eq!(attempts(&fake).len(), 7);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_responses_and_a_custom_endpoint_path() {
    let fake = Fake::start().await;
    let c = client(&fake, |c| {
        c.mcp_endpoint_path = "/rpc/mcp".into();
        c.mcp_protocol_version = "2025-11-25".into();
    });
    within(async {
        c.mcp_initialize(None, &CallOptions::default())
            .await
            .unwrap();
        let r = c
            .mcp_call_tool("axme.sse", json!({"x": 1}), &CallOptions::default())
            .await
            .unwrap();
        assert_eq!(r["tool"], "axme.sse");
        assert_eq!(r["structuredContent"]["arguments"], json!({"x": 1}));
    })
    .await;
    assert_eq!(fake.requests(Some("/mcp")).len(), 0);
    assert_eq!(fake.requests(Some("/rpc/mcp")).len(), 3);
}
