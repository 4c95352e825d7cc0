//! The public conformance checks (wire facts §4) that exercise the helper families and MCP, reproduced
//! with their exact expectations and the harness's only credential: `Authorization: Bearer <api_key>`
//! (plus `Content-Type: application/json` on every request, as its HTTP client sends).

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::support::TestServer;

mod helper_families;
mod platform;

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
