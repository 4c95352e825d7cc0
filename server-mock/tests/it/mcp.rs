//! MCP at `POST /mcp` with a real JSON-RPC client over HTTP: protocol 2024-11-05 (plain POSTs, no
//! session) and 2025-11-25 (sessions), `Origin` checks, auth, protocol errors and tool dispatch.

use serde_json::{json, Value};

use crate::mcp_client::McpClient;
use crate::support::TestServer;

fn tool_names(answer: &crate::mcp_client::Answer) -> Vec<String> {
    answer.result()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn protocol_2024_11_05_needs_no_session() {
    let server = TestServer::start().await;
    let mut mcp = McpClient::new(&server.base, None);
    // Any method may come first, unauthenticated.
    let listed = mcp.request("tools/list", json!({})).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let names = tool_names(&listed);
    for expected in [
        "axme.check_nick",
        "axme.intents_send",
        "axme.tasks_list",
        "axme.agents_list",
        "axme.scenarios_apply",
        "axme.whoami",
        "axme.status",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} in {names:?}"
        );
    }
    let check = &listed.result()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "axme.check_nick")
        .unwrap()["inputSchema"];
    assert_eq!(
        (check["type"].clone(), check["required"].clone()),
        (json!("object"), json!(["nick"]))
    );

    let init = mcp.initialize("2024-11-05").await;
    assert_eq!(init.result()["protocolVersion"], "2024-11-05");
    assert_eq!(init.result()["capabilities"]["tools"]["listChanged"], false);
    assert!(
        init.headers.get("mcp-session-id").is_none(),
        "2024-11-05 has no sessions"
    );
    assert_eq!(mcp.notify("notifications/initialized").await.status, 202);
    assert_eq!(mcp.request("ping", json!({})).await.result(), &json!({}));
    assert_eq!(
        mcp.request("resources/list", json!({})).await.result()["resources"],
        json!([])
    );
    assert_eq!(
        mcp.request("prompts/list", json!({})).await.result()["prompts"],
        json!([])
    );
    let unknown = mcp.request("sampling/createMessage", json!({})).await;
    assert_eq!((unknown.status, unknown.error_code()), (200, Some(-32601)));

    let batch = mcp
        .post(&json!([
            {"jsonrpc": "2.0", "id": "a", "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": "b", "method": "tools/list"},
        ]))
        .await;
    let answers = batch
        .body
        .as_array()
        .expect("a batch is answered with an array");
    assert_eq!(
        answers.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
        [json!("a"), json!("b")]
    );
}

#[tokio::test]
async fn protocol_2025_11_25_uses_sessions() {
    let server = TestServer::start().await;
    let mut mcp = McpClient::new(&server.base, Some(&server.key));
    let init = mcp.initialize("2025-11-25").await;
    assert_eq!(init.status, 200, "{}", init.body);
    assert_eq!(init.result()["protocolVersion"], "2025-11-25");
    let session = mcp.session.clone().expect("Mcp-Session-Id on initialize");
    assert!(session.len() >= 32 && session.chars().all(|c| c.is_ascii_graphic()));
    assert_eq!(mcp.notify("notifications/initialized").await.status, 202);
    assert_eq!(mcp.request("tools/list", json!({})).await.status, 200);
    let called = mcp
        .call_tool("axme.check_nick", json!({"nick": "@session_user"}))
        .await;
    assert_eq!(called.result()["isError"], false);

    let mut no_version = mcp.clone();
    no_version.version = None;
    assert_eq!(no_version.request("ping", json!({})).await.status, 400);
    let mut no_session = mcp.clone();
    no_session.session = None;
    assert_eq!(no_session.request("ping", json!({})).await.status, 400);
    let mut unknown = mcp.clone();
    unknown.session = Some("0".repeat(64));
    assert_eq!(unknown.request("ping", json!({})).await.status, 404);
    let mut odd_version = mcp.clone();
    odd_version.version = Some("1999-01-01".into());
    assert_eq!(odd_version.request("ping", json!({})).await.status, 400);
    let batch = mcp
        .post(&json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]))
        .await;
    assert_eq!(batch.status, 400, "no batches in 2025-11-25");

    assert_eq!(mcp.end().await.status, 200);
    assert_eq!(
        mcp.request("ping", json!({})).await.status,
        404,
        "an ended session is gone"
    );
    assert_eq!(mcp.end().await.status, 404);
    let mut anonymous = McpClient::new(&server.base, None);
    assert_eq!(
        anonymous.end().await.status,
        400,
        "DELETE needs the session header"
    );

    // A version this server does not speak is answered with its newest one.
    let negotiated = anonymous.initialize("2025-06-18").await;
    assert_eq!(negotiated.result()["protocolVersion"], "2025-11-25");
    assert!(anonymous.session.is_some());
}

#[tokio::test]
async fn only_the_opening_credential_ends_a_session() {
    let server = TestServer::start().await;
    let mut mcp = McpClient::new(&server.base, Some(&server.key));
    assert_eq!(mcp.initialize("2025-11-25").await.status, 200);
    let (_, other) = server.credential("mcp-intruder").await;
    let mut intruder = mcp.clone();
    intruder.bearer = Some(other.key.clone());
    assert_eq!(intruder.end().await.status, 404, "another credential");
    let mut anonymous = mcp.clone();
    anonymous.bearer = None;
    assert_eq!(anonymous.end().await.status, 404, "no credential");
    assert_eq!(
        mcp.request("ping", json!({})).await.status,
        200,
        "still open"
    );
    assert_eq!(mcp.end().await.status, 200);
}

#[tokio::test]
async fn foreign_origins_are_refused() {
    let server =
        TestServer::start_with(|c| c.mcp_allowed_origins = vec!["https://app.example.com".into()])
            .await;
    let mut mcp = McpClient::new(&server.base, None);
    for (origin, status) in [
        ("https://evil.example", 403),
        ("null", 403),
        ("http://localhost.evil.example", 403),
        ("http://localhost:5173", 200),
        ("http://127.0.0.1:8080", 200),
        ("https://app.example.com", 200),
    ] {
        mcp.origin = Some(origin.into());
        let answer = mcp.initialize("2024-11-05").await;
        assert_eq!(answer.status, status, "{origin}");
        if status == 200 {
            assert_eq!(answer.headers["access-control-allow-origin"], origin);
        }
    }
    let mut session = McpClient::new(&server.base, None);
    session.initialize("2025-11-25").await;
    session.origin = Some("https://evil.example".into());
    assert_eq!(
        session.end().await.status,
        403,
        "a foreign page cannot end a session either"
    );
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/mcp", server.base))
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("mcp-session-id"));
}

#[tokio::test]
async fn credentials_and_protocol_errors() {
    let server = TestServer::start().await;
    let mut anonymous = McpClient::new(&server.base, None);
    let refused = anonymous
        .call_tool("axme.check_nick", json!({"nick": "@x_y"}))
        .await;
    assert_eq!((refused.status, refused.error_code()), (401, Some(-32001)));
    assert_eq!(refused.headers["www-authenticate"], "Bearer");
    let mut wrong = McpClient::new(&server.base, Some("axme_sa_nope_nope"));
    assert_eq!(wrong.call_tool("axme.status", json!({})).await.status, 401);

    let mut mcp = McpClient::new(&server.base, Some(&server.key));
    let unknown = mcp.call_tool("axme.nope", json!({})).await;
    assert_eq!(unknown.error_code(), Some(-32602));
    let not_object = mcp
        .request(
            "tools/call",
            json!({"name": "axme.status", "arguments": [1]}),
        )
        .await;
    assert_eq!(not_object.error_code(), Some(-32602));
    assert_eq!(
        mcp.request("initialize", json!({})).await.error_code(),
        Some(-32602)
    );
    for (bad, why) in [
        (json!({}), "required"),
        (json!({"nick": 5}), "type"),
        (json!({"nick": "@ok_nick", "surprise": true}), "additional"),
    ] {
        let answer = mcp.call_tool("axme.check_nick", bad.clone()).await;
        assert_eq!(answer.status, 200, "{bad}");
        let result = answer.result();
        assert_eq!(
            (result["isError"].clone(), result["status"].clone()),
            (json!(true), json!("error")),
            "{bad} ({why})"
        );
        assert_eq!(
            result["structuredContent"]["error"]["code"],
            "invalid_arguments"
        );
        assert_eq!(result["tool"], "axme.check_nick");
    }
    let parse = mcp.post_raw("{not json").await;
    assert_eq!((parse.status, parse.error_code()), (400, Some(-32700)));
    for invalid in [
        json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}),
        json!([]),
        json!("ping"),
    ] {
        let answer = mcp.post(&invalid).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (400, Some(-32600)),
            "{invalid}"
        );
    }
}

fn data(answer: &crate::mcp_client::Answer) -> &Value {
    &answer.result()["structuredContent"]
}

#[tokio::test]
async fn tools_run_the_http_operations() {
    let server = TestServer::start().await;
    let mut mcp = McpClient::new(&server.base, Some(&server.key));
    let who = mcp.call_tool("axme.whoami", json!({})).await;
    assert_eq!(
        (data(&who)["org"].clone(), data(&who)["workspace"].clone()),
        (json!("dev"), json!("default"))
    );
    assert_eq!(
        data(&mcp.call_tool("axme.status", json!({})).await)["service"],
        "axme-server"
    );

    let args = json!({"to_agent": "agent://tests/worker", "intent_type": "tests.task.v1", "payload": {"n": 1}, "idempotency_key": "mcp-send-1"});
    let sent = mcp.call_tool("axme.intents_send", args.clone()).await;
    let result = sent.result();
    assert_eq!(
        (
            result["ok"].clone(),
            result["isError"].clone(),
            result["http_status"].clone()
        ),
        (json!(true), json!(false), json!(200))
    );
    assert_eq!(result["content"][0]["type"], "text");
    assert_eq!(
        serde_json::from_str::<Value>(result["content"][0]["text"].as_str().unwrap()).unwrap(),
        result["structuredContent"]
    );
    let intent_id = data(&sent)["intent_id"].as_str().unwrap().to_string();
    let replayed = mcp.call_tool("axme.intents_send", args).await;
    assert_eq!(
        data(&replayed)["intent_id"],
        intent_id.as_str(),
        "idempotency_key makes the write retry-safe"
    );

    // The POST's own Idempotency-Key works too (what the Rust core client sends).
    let keyed = json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "axme.intents_send", "arguments": {"to_agent": "agent://tests/worker", "intent_type": "tests.task.v1"}}});
    let first = mcp
        .post_with(&keyed, &[("idempotency-key", "mcp-header-key")])
        .await;
    let second = mcp
        .post_with(&keyed, &[("idempotency-key", "mcp-header-key")])
        .await;
    assert_eq!(
        first.body["result"]["structuredContent"]["intent_id"],
        second.body["result"]["structuredContent"]["intent_id"]
    );
    let got = mcp
        .call_tool("axme.intents_get", json!({"intent_id": intent_id}))
        .await;
    assert_eq!(data(&got)["intent"]["status"], "DELIVERED");
    let log = mcp
        .call_tool(
            "axme.intents_log",
            json!({"intent_id": intent_id, "since": 1}),
        )
        .await;
    assert_eq!(data(&log)["events"].as_array().unwrap().len(), 2);
    let canceled = mcp
        .call_tool(
            "axme.intents_cancel",
            json!({"intent_id": intent_id, "reason": "test"}),
        )
        .await;
    assert_eq!(data(&canceled)["intent"]["status"], "CANCELED");
    let again = mcp
        .call_tool("axme.intents_cancel", json!({"intent_id": intent_id}))
        .await;
    assert_eq!(
        (
            again.result()["isError"].clone(),
            again.result()["http_status"].clone()
        ),
        (json!(true), json!(409))
    );
    assert_eq!(data(&again)["error"]["code"], "intent_already_terminal");

    let registered = mcp
        .call_tool("axme.register_nick", json!({"nick": "@mcp_user"}))
        .await;
    let owner = data(&registered)["owner_agent"]
        .as_str()
        .unwrap()
        .to_string();
    let resolved = mcp
        .call_tool("axme.resolve_nick", json!({"nick": "mcp_user"}))
        .await;
    assert_eq!(data(&resolved)["owner_agent"], owner.as_str());
    let profile = mcp
        .call_tool("axme.user_profile", json!({"owner_agent": owner}))
        .await;
    assert_eq!(data(&profile)["normalized_nick"], "@mcp_user");
    // Other families' tools reach their routes the same way.
    let scenario = mcp
        .call_tool("axme.scenarios_validate", json!({"bundle": {}}))
        .await;
    assert_eq!(scenario.result()["isError"], false);
    assert_eq!(data(&scenario)["valid"], false);
    let agents = mcp
        .call_tool("axme.agents_list", json!({"limit": 10}))
        .await;
    assert!(data(&agents)["agents"].is_array(), "{}", agents.body);
    // Human tasks need a human's actor token: the API key alone is refused, as over HTTP.
    let tasks = mcp.call_tool("axme.tasks_list", json!({})).await;
    assert_eq!(tasks.result()["isError"], true);
    assert!(data(&tasks)["error"]["code"].is_string());
}

#[tokio::test]
async fn tool_calls_go_through_the_same_router() {
    let server = TestServer::start().await;
    let (credential, api) = server.credential("mcp-router").await;
    let mut mcp = McpClient::new(&server.base, Some(&api.key));
    let called = mcp
        .call_tool("axme.check_nick", json!({"nick": "@routed"}))
        .await;
    assert_eq!(called.result()["status"], "ok");
    let paths: Vec<String> = server
        .requests(&credential)
        .await
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        paths.contains(&"/mcp".to_string()) && paths.contains(&"/v1/users/check-nick".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn a_human_calls_tools_with_an_actor_token() {
    let server = TestServer::start().await;
    let alice = crate::humans_support::user(&server, "alice", None);
    let mut mcp = McpClient::new(&server.base, Some(&alice.token));
    let who = mcp.call_tool("axme.whoami", json!({})).await;
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(data(&who)["human"]["name"], "alice");
    let tasks = mcp.call_tool("axme.tasks_list", json!({})).await;
    assert_eq!(tasks.result()["isError"], false, "{}", tasks.body);
    assert!(data(&tasks)["tasks"].is_array());
}

#[tokio::test]
async fn tool_calls_past_the_minute_limit_are_rate_limited_per_owner_and_tool() {
    let server = TestServer::start_with(|c| c.mcp_calls_per_minute = 3).await;
    let mut mcp = McpClient::new(&server.base, Some(&server.key));
    for _ in 0..3 {
        let ok = mcp.call_tool("axme.status", json!({})).await;
        assert!(ok.body.get("result").is_some(), "{}", ok.body);
    }
    let limited = mcp.call_tool("axme.status", json!({})).await;
    assert_eq!(
        (limited.status, limited.error_code()),
        (200, Some(-32004)),
        "{}",
        limited.body
    );
    let data = &limited.body["error"]["data"];
    assert_eq!(
        (data["http_status"].clone(), data["code"].clone()),
        (json!(429), json!("rate_limit_exceeded"))
    );
    let wait = data["retry_after"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{data}");
    // Another tool, or the same tool for another owner, has its own count.
    let other_tool = mcp.call_tool("axme.whoami", json!({})).await;
    assert_eq!(other_tool.error_code(), None, "{}", other_tool.body);
    let owner = json!({"owner_agent": "agent://tests/other-owner"});
    let other_owner = mcp.call_tool("axme.status", owner).await;
    assert_eq!(other_owner.error_code(), None, "{}", other_owner.body);
    // 0 turns the limit off.
    let unlimited = TestServer::start_with(|c| c.mcp_calls_per_minute = 0).await;
    let mut free = McpClient::new(&unlimited.base, Some(&unlimited.key));
    for _ in 0..10 {
        let ok = free.call_tool("axme.status", json!({})).await;
        assert!(ok.body.get("result").is_some(), "{}", ok.body);
    }
}
