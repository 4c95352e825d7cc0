//! MCP against the reference server's `/mcp`: both protocol versions, the cached input schemas
//! enforced before a request, a tool that dispatches a real operation, and a tool failure returned
//! as a result.

use axme_core::{CallOptions, ErrorKind};
use serde_json::json;

use crate::support::{within, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_against_the_reference_server_in_both_protocol_versions() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let none = CallOptions::default();
    within(async {
        for version in ["2024-11-05", "2025-11-25"] {
            let c = h.client(&cred);
            let init = c.mcp_initialize(Some(version), &none).await.unwrap();
            assert_eq!(init["protocolVersion"], version);
            assert_eq!(c.mcp_session_id().is_some(), version == "2025-11-25", "{version}");

            let tools = c.mcp_list_tools(&none).await.unwrap();
            let names: Vec<&str> = tools["tools"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
            assert!(names.contains(&"axme.check_nick") && names.contains(&"axme.intents_send"), "{names:?}");

            // The public check: `axme.check_nick` answers with `tool` and `status` strings.
            let nick = c.mcp_call_tool("axme.check_nick", json!({"nick": format!("core-{}", &version[..4])}), &CallOptions::default()).await.unwrap();
            assert!(nick["tool"].is_string() && nick["status"].is_string(), "{nick}");

            // A tool dispatching a real operation: the intent exists afterwards over plain HTTP.
            let sent = c
                .mcp_call_tool(
                    "axme.intents_send",
                    json!({"to_agent": "agent://acme/worker", "intent_type": "demo.task.v1", "payload": {"n": 1}}),
                    &CallOptions::default(),
                )
                .await
                .unwrap();
            assert_ne!(sent["isError"], true, "{sent}");
            let id = sent["structuredContent"]["intent_id"].as_str().unwrap_or_else(|| panic!("no intent_id in {sent}"));
            let got = c.get_intent(id, &none).await.unwrap();
            assert_eq!(got["intent"]["status"], "DELIVERED");

            // A missing required argument is refused locally, before any request.
            let err = c.mcp_call_tool("axme.intents_send", json!({"intent_type": "demo.task.v1"}), &CallOptions::default()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");

            // A failing tool is a result with isError, not an error.
            let missing = c
                .mcp_call_tool("axme.intents_get", json!({"intent_id": "00000000-0000-4000-8000-000000000000"}), &CallOptions::default())
                .await
                .unwrap();
            assert_eq!(missing["isError"], true, "{missing}");
        }
    })
    .await;
}
