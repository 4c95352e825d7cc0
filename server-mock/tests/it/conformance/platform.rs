//! The checks of health, tracing, capabilities, webhooks and MCP.

use reqwest::Method;
use serde_json::{json, Value};

use super::{ensure, is_str, is_uuid, Check, Harness};

impl Harness {
    pub(super) async fn health(&self) -> Check {
        let data = self.status_200(Method::GET, "/health", None).await?;
        ensure(data.get("ok").is_some(), "missing field: ok")
    }

    pub(super) async fn trace_header(&self) -> Check {
        let trace = uuid::Uuid::new_v4().to_string();
        let (status, data) = self
            .send(Method::GET, "/health", None, &[("X-Trace-Id", &trace)])
            .await;
        ensure(status == 200 && data["ok"] == json!(true), "trace_header")
    }

    pub(super) async fn capabilities(&self) -> Check {
        let data = self
            .status_200(Method::GET, "/v1/capabilities", None)
            .await?;
        ensure(data["ok"] == json!(true), "ok")?;
        let caps = data["capabilities"].as_array().ok_or("capabilities")?;
        ensure(
            !caps.is_empty()
                && caps
                    .iter()
                    .all(|c| c.as_str().is_some_and(|s| s.len() >= 3)),
            "capabilities items",
        )?;
        let types = data["supported_intent_types"]
            .as_array()
            .ok_or("supported_intent_types")?;
        ensure(
            !types.is_empty()
                && types.iter().all(|t| {
                    t.as_str()
                        .is_some_and(|s| s.starts_with("intent.") && s.ends_with(".v1"))
                }),
            "supported_intent_types items",
        )
    }

    pub(super) async fn webhooks_subscriptions(&self) -> Check {
        let shape = |v: &Value| {
            let keys = [
                "subscription_id",
                "owner_agent",
                "callback_url",
                "event_types",
                "active",
                "created_at",
                "updated_at",
                "revoked_at",
                "secret_hint",
            ];
            v.is_object()
                && keys.iter().all(|k| v.get(*k).is_some())
                && is_uuid(&v["subscription_id"])
                && v["event_types"].as_array().is_some_and(|t| !t.is_empty())
        };
        let body = json!({"callback_url": "https://integrator.example/webhooks/axme", "event_types": ["inbox.thread_created"], "active": true, "description": "conformance subscription"});
        let data = self
            .status_200(Method::POST, "/v1/webhooks/subscriptions", Some(body))
            .await?;
        ensure(
            data["ok"] == json!(true) && shape(&data["subscription"]),
            "upsert shape",
        )?;
        let id = data["subscription"]["subscription_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let owner = "owner_agent=agent://conformance/owner";
        let list = self
            .status_200(
                Method::GET,
                &format!("/v1/webhooks/subscriptions?{owner}"),
                None,
            )
            .await?;
        let subs = list["subscriptions"].as_array().ok_or("subscriptions")?;
        ensure(
            list["ok"] == json!(true) && subs.first().is_none_or(shape),
            "list shape",
        )?;
        let deleted = self
            .status_200(
                Method::DELETE,
                &format!("/v1/webhooks/subscriptions/{id}?{owner}"),
                None,
            )
            .await?;
        ensure(
            deleted["ok"] == json!(true) && deleted["subscription_id"] == json!(id),
            "delete ok/id",
        )?;
        ensure(is_str(&deleted["revoked_at"]), "revoked_at")
    }

    pub(super) async fn webhooks_events(&self) -> Check {
        let counters = |v: &Value| {
            [
                "queued_deliveries",
                "processed_deliveries",
                "delivered",
                "pending",
                "dead_lettered",
            ]
            .iter()
            .all(|k| v[*k].as_i64().is_some_and(|n| n >= 0))
        };
        let owner = "owner_agent=agent://conformance/owner";
        let body = json!({"event_type": "inbox.thread_created", "source": "conformance", "payload": {"thread_id": uuid::Uuid::new_v4()}});
        let data = self
            .status_200(
                Method::POST,
                &format!("/v1/webhooks/events?{owner}"),
                Some(body),
            )
            .await?;
        ensure(
            data["ok"] == json!(true) && is_uuid(&data["event_id"]) && counters(&data),
            "events shape",
        )?;
        let id = data["event_id"].as_str().unwrap_or_default();
        let replay = self
            .status_200(
                Method::POST,
                &format!("/v1/webhooks/events/{id}/replay?{owner}"),
                None,
            )
            .await?;
        ensure(
            replay["ok"] == json!(true) && replay["event_id"] == json!(id),
            "replay ok/id",
        )?;
        ensure(
            is_str(&replay["replayed_at"]) && counters(&replay),
            "replayed_at/counters",
        )
    }

    pub(super) async fn mcp(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": uuid::Uuid::new_v4().to_string(), "method": method, "params": params});
        let data = self.status_200(Method::POST, "/mcp", Some(body)).await?;
        if data["error"].is_object() {
            return Err(format!("rpc error {}", data["error"]));
        }
        data.get("result")
            .filter(|r| r.is_object())
            .cloned()
            .ok_or_else(|| "result".into())
    }

    pub(super) async fn mcp_initialize(&self) -> Check {
        let result = self
            .mcp("initialize", json!({"protocolVersion": "2024-11-05"}))
            .await?;
        ensure(is_str(&result["protocolVersion"]), "protocolVersion")
    }

    pub(super) async fn mcp_tools_list(&self) -> Check {
        let result = self.mcp("tools/list", json!({})).await?;
        let tools = result["tools"].as_array().ok_or("tools")?;
        ensure(
            tools.first().is_none_or(|t| is_str(&t["name"])),
            "tools item name",
        )
    }

    pub(super) async fn mcp_tools_call(&self) -> Check {
        let params = json!({"name": "axme.check_nick", "arguments": {"nick": "@conformance_mcp"}});
        let result = self.mcp("tools/call", params).await?;
        ensure(
            is_str(&result["tool"]) && is_str(&result["status"]),
            "tool/status",
        )
    }
}
