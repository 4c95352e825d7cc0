//! The public conformance checks (wire facts §4) that exercise the helper families and MCP, reproduced
//! with their exact expectations and the harness's only credential: `Authorization: Bearer <api_key>`
//! (plus `Content-Type: application/json` on every request, as its HTTP client sends).

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestServer;

struct Harness {
    http: reqwest::Client,
    base: String,
    key: String,
}

type Check = Result<(), String>;

fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

fn is_str(v: &Value) -> bool {
    v.is_string()
}

fn ensure(cond: bool, what: &str) -> Check {
    if cond {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

fn fresh_nick() -> String {
    format!(
        "@conformance_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

impl Harness {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", "application/json");
        for (name, value) in extra {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn status_200(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let (status, data) = self.send(method, path, body, &[]).await;
        ensure(
            status == 200,
            &format!("{path}: unexpected status={status} {data}"),
        )?;
        Ok(data)
    }

    async fn health(&self) -> Check {
        let data = self.status_200(Method::GET, "/health", None).await?;
        ensure(data.get("ok").is_some(), "missing field: ok")
    }

    async fn trace_header(&self) -> Check {
        let trace = uuid::Uuid::new_v4().to_string();
        let (status, data) = self
            .send(Method::GET, "/health", None, &[("X-Trace-Id", &trace)])
            .await;
        ensure(status == 200 && data["ok"] == json!(true), "trace_header")
    }

    async fn capabilities(&self) -> Check {
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

    async fn create_invite(&self) -> Result<(Value, String), String> {
        let body = json!({"owner_agent": "agent://conformance/owner", "recipient_hint": "Conformance receiver", "ttl_seconds": 3600});
        let data = self
            .status_200(Method::POST, "/v1/invites/create", Some(body))
            .await?;
        let token = data["token"]
            .as_str()
            .filter(|t| t.len() >= 12)
            .ok_or("token")?
            .to_string();
        Ok((data, token))
    }

    async fn invites_create(&self) -> Check {
        let (data, _) = self.create_invite().await?;
        ensure(data["ok"] == json!(true), "ok")?;
        ensure(
            data["invite_url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http")),
            "invite_url",
        )?;
        ensure(
            ["pending", "accepted", "expired"]
                .contains(&data["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    async fn invites_get(&self) -> Check {
        let (_, token) = self.create_invite().await?;
        let data = self
            .status_200(Method::GET, &format!("/v1/invites/{token}"), None)
            .await?;
        ensure(
            data["ok"] == json!(true) && data["token"] == json!(token),
            "ok/token",
        )?;
        ensure(is_str(&data["owner_agent"]), "owner_agent")?;
        ensure(
            ["pending", "accepted", "expired"]
                .contains(&data["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    async fn invites_accept(&self) -> Check {
        let (_, token) = self.create_invite().await?;
        let body = json!({"nick": "@Invite.Conformance.User", "display_name": "Conformance User"});
        let data = self
            .status_200(
                Method::POST,
                &format!("/v1/invites/{token}/accept"),
                Some(body),
            )
            .await?;
        ensure(
            data["ok"] == json!(true) && data["token"] == json!(token),
            "ok/token",
        )?;
        ensure(data["status"] == json!("accepted"), "status")?;
        ensure(is_uuid(&data["user_id"]), "user_id")?;
        ensure(
            is_str(&data["owner_agent"]) && is_str(&data["public_address"]),
            "owner_agent/public_address",
        )?;
        let bind = data["registry_bind_status"].as_str().unwrap_or_default();
        ensure(
            ["propagated", "failed", "disabled", "skipped_no_hint"].contains(&bind),
            "registry_bind_status",
        )
    }

    async fn create_upload(&self) -> Result<Value, String> {
        let body = json!({"owner_agent": "agent://conformance/owner", "filename": "contract.pdf", "mime_type": "application/pdf", "size_bytes": 12345});
        self.status_200(Method::POST, "/v1/media/create-upload", Some(body))
            .await
    }

    async fn media_create_upload(&self) -> Check {
        let data = self.create_upload().await?;
        ensure(
            data["ok"] == json!(true) && is_uuid(&data["upload_id"]),
            "ok/upload_id",
        )?;
        ensure(
            data["status"] == json!("pending") && is_str(&data["upload_url"]),
            "status/upload_url",
        )
    }

    async fn media_get(&self) -> Check {
        let id = self.create_upload().await?["upload_id"].clone();
        let data = self
            .status_200(
                Method::GET,
                &format!("/v1/media/{}", id.as_str().unwrap_or_default()),
                None,
            )
            .await?;
        ensure(
            data["ok"] == json!(true) && data["upload"].is_object(),
            "ok/upload",
        )?;
        ensure(data["upload"]["upload_id"] == id, "upload_id")?;
        ensure(
            ["pending", "ready", "expired"]
                .contains(&data["upload"]["status"].as_str().unwrap_or_default()),
            "status",
        )
    }

    async fn media_finalize_upload(&self) -> Check {
        let id = self.create_upload().await?["upload_id"].clone();
        let body = json!({"upload_id": id, "size_bytes": 12345});
        let data = self
            .status_200(Method::POST, "/v1/media/finalize-upload", Some(body))
            .await?;
        ensure(
            data["ok"] == json!(true) && data["upload_id"] == id,
            "ok/upload_id",
        )?;
        ensure(
            data["status"] == json!("ready") && is_str(&data["finalized_at"]),
            "status/finalized_at",
        )
    }

    async fn upsert_schema(&self) -> Result<Value, String> {
        let body = json!({
            "semantic_type": "axme.calendar.schedule.v1",
            "schema_json": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}},
            "compatibility_mode": "strict",
        });
        self.status_200(Method::POST, "/v1/schemas", Some(body))
            .await
    }

    async fn schemas_upsert(&self) -> Check {
        let data = self.upsert_schema().await?;
        let schema = &data["schema"];
        ensure(data["ok"] == json!(true) && schema.is_object(), "ok/schema")?;
        ensure(
            schema["semantic_type"] == json!("axme.calendar.schedule.v1"),
            "semantic_type",
        )?;
        ensure(
            ["strict", "backward", "warn"]
                .contains(&schema["compatibility_mode"].as_str().unwrap_or_default()),
            "mode",
        )?;
        ensure(
            schema["schema_hash"]
                .as_str()
                .is_some_and(|h| h.len() == 64),
            "schema_hash",
        )
    }

    async fn schemas_get(&self) -> Check {
        self.upsert_schema().await?;
        let data = self
            .status_200(Method::GET, "/v1/schemas/axme.calendar.schedule.v1", None)
            .await?;
        ensure(
            data["ok"] == json!(true)
                && data["schema"]["semantic_type"] == json!("axme.calendar.schedule.v1"),
            "schema",
        )?;
        ensure(data["schema"]["schema_json"].is_object(), "schema_json")
    }

    async fn users_check_nick(&self) -> Check {
        let nick = fresh_nick();
        let (status, data) = self
            .get(&format!(
                "/v1/users/check-nick?nick={}",
                nick.replace('@', "%40")
            ))
            .await;
        ensure(
            status == 200 && data["ok"] == json!(true),
            &format!("status={status}"),
        )?;
        ensure(data["nick"] == json!(nick), "nick mismatch")?;
        ensure(
            is_str(&data["normalized_nick"]) && is_str(&data["public_address"]),
            "normalized_nick/public_address",
        )?;
        ensure(data["available"].is_boolean(), "available")
    }

    async fn register(&self) -> Result<Value, String> {
        let body = json!({"nick": fresh_nick(), "display_name": "Conformance User"});
        self.status_200(Method::POST, "/v1/users/register-nick", Some(body))
            .await
    }

    async fn users_register_nick(&self) -> Check {
        let data = self.register().await?;
        ensure(
            data["ok"] == json!(true) && is_uuid(&data["user_id"]),
            "ok/user_id",
        )?;
        ensure(
            is_str(&data["owner_agent"]) && is_str(&data["nick"]),
            "owner_agent/nick",
        )?;
        ensure(
            is_str(&data["public_address"]) && is_str(&data["created_at"]),
            "public_address/created_at",
        )
    }

    async fn users_rename_nick(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let nick = fresh_nick();
        let data = self
            .status_200(
                Method::POST,
                "/v1/users/rename-nick",
                Some(json!({"owner_agent": owner, "nick": nick})),
            )
            .await?;
        ensure(
            data["ok"] == json!(true)
                && data["owner_agent"] == owner
                && data["nick"] == json!(nick),
            "ok/owner/nick",
        )?;
        ensure(
            is_str(&data["public_address"]) && is_str(&data["renamed_at"]),
            "public_address/renamed_at",
        )
    }

    async fn users_profile_get(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let path = format!(
            "/v1/users/profile?owner_agent={}",
            owner.as_str().unwrap_or_default()
        );
        let data = self.status_200(Method::GET, &path, None).await?;
        ensure(
            data["ok"] == json!(true) && data["owner_agent"] == owner,
            "ok/owner",
        )?;
        ensure(
            is_str(&data["normalized_nick"]) && is_str(&data["updated_at"]),
            "normalized_nick/updated_at",
        )
    }

    async fn users_profile_update(&self) -> Check {
        let owner = self.register().await?["owner_agent"].clone();
        let body = json!({"owner_agent": owner, "display_name": "Conformance User Updated"});
        let data = self
            .status_200(Method::POST, "/v1/users/profile/update", Some(body))
            .await?;
        ensure(
            data["ok"] == json!(true) && data["owner_agent"] == owner,
            "ok/owner",
        )?;
        ensure(
            data["display_name"] == json!("Conformance User Updated")
                && is_str(&data["updated_at"]),
            "display_name/updated_at",
        )
    }

    async fn webhooks_subscriptions(&self) -> Check {
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

    async fn webhooks_events(&self) -> Check {
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

    async fn mcp(&self, method: &str, params: Value) -> Result<Value, String> {
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

    async fn mcp_initialize(&self) -> Check {
        let result = self
            .mcp("initialize", json!({"protocolVersion": "2024-11-05"}))
            .await?;
        ensure(is_str(&result["protocolVersion"]), "protocolVersion")
    }

    async fn mcp_tools_list(&self) -> Check {
        let result = self.mcp("tools/list", json!({})).await?;
        let tools = result["tools"].as_array().ok_or("tools")?;
        ensure(
            tools.first().is_none_or(|t| is_str(&t["name"])),
            "tools item name",
        )
    }

    async fn mcp_tools_call(&self) -> Check {
        let params = json!({"name": "axme.check_nick", "arguments": {"nick": "@conformance_mcp"}});
        let result = self.mcp("tools/call", params).await?;
        ensure(
            is_str(&result["tool"]) && is_str(&result["status"]),
            "tool/status",
        )
    }
}

async fn run_all(h: &Harness) -> Vec<(&'static str, Check)> {
    vec![
        ("health", h.health().await),
        ("trace_header", h.trace_header().await),
        ("capabilities_get", h.capabilities().await),
        ("invites_create", h.invites_create().await),
        ("invites_get", h.invites_get().await),
        ("invites_accept", h.invites_accept().await),
        ("media_create_upload", h.media_create_upload().await),
        ("media_get", h.media_get().await),
        ("media_finalize_upload", h.media_finalize_upload().await),
        ("schemas_upsert", h.schemas_upsert().await),
        ("schemas_get", h.schemas_get().await),
        ("users_check_nick", h.users_check_nick().await),
        ("users_register_nick", h.users_register_nick().await),
        ("users_rename_nick", h.users_rename_nick().await),
        ("users_profile_get", h.users_profile_get().await),
        ("users_profile_update", h.users_profile_update().await),
        ("webhooks_subscriptions", h.webhooks_subscriptions().await),
        ("webhooks_events", h.webhooks_events().await),
        ("mcp_initialize", h.mcp_initialize().await),
        ("mcp_tools_list", h.mcp_tools_list().await),
        ("mcp_tools_call", h.mcp_tools_call().await),
    ]
}

#[tokio::test]
async fn the_public_checks_of_these_families_pass_and_can_run_again() {
    let server = TestServer::start().await;
    let harness = Harness {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap(),
        base: server.base.clone(),
        key: server.key.clone(),
    };
    // Twice: a second run against the same data (fixed nicks, the same schema) must pass too.
    for run in 1..=2 {
        let results = run_all(&harness).await;
        assert_eq!(results.len(), 21);
        let failed: Vec<String> = results
            .iter()
            .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
            .collect();
        assert!(failed.is_empty(), "run {run}: {failed:#?}");
    }
}
