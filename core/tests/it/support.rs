//! Test harness: an in-process reference server per test, fault credentials and request logs.

use std::sync::Arc;
use std::time::Duration;

use axme_core::{Client, Config};
use axme_server::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

pub struct Harness {
    /// Held so the server lives exactly as long as the harness.
    _server: RunningServer,
    pub base_url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A fault-managed credential: its rules and request log are its own.
pub struct Credential {
    pub id: String,
    pub api_key: String,
}

impl Harness {
    pub async fn start() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = ServerConfig::new(dir.path());
        cfg.listen = "127.0.0.1:0".into();
        cfg.faults = true;
        let server = start(cfg).await.expect("server starts");
        Harness {
            base_url: server.base_url(),
            _server: server,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub async fn credential(&self) -> Credential {
        let resp: Value = self
            .http
            .post(format!("{}/_faults/credentials", self.base_url))
            .json(&json!({"name": "core-it"}))
            .send()
            .await
            .expect("create credential")
            .json()
            .await
            .expect("credential json");
        Credential {
            id: resp["credential_id"]
                .as_str()
                .expect("credential_id")
                .to_string(),
            api_key: resp["api_key"].as_str().expect("api_key").to_string(),
        }
    }

    /// A client with zero jitter (retries without a server hint happen at once).
    pub fn client(&self, cred: &Credential) -> Client {
        self.client_with(cred, |_| {})
    }

    pub fn client_with(&self, cred: &Credential, edit: impl FnOnce(&mut Config)) -> Client {
        let mut config = Config {
            base_url: Some(self.base_url.clone()),
            api_key: Some(cred.api_key.clone()),
            ..Config::default()
        };
        edit(&mut config);
        let resolved = config.resolve_with(|_| None).expect("config");
        Client::from_resolved(resolved, Some(Arc::new(|| 0.0))).expect("client")
    }

    /// A client with the server's dev key: an admin of the dev organisation (mesh kill/resume).
    /// Not fault-managed: no rules apply to it and no request log is kept.
    pub fn admin_client(&self) -> Client {
        let config = Config {
            base_url: Some(self.base_url.clone()),
            api_key: Some(self._server.dev_api_key().expect("dev key")),
            ..Config::default()
        };
        let resolved = config.resolve_with(|_| None).expect("config");
        Client::from_resolved(resolved, Some(Arc::new(|| 0.0))).expect("client")
    }

    pub async fn rules(&self, cred: &Credential, rules: Value) {
        let resp = self
            .http
            .post(format!(
                "{}/_faults/credentials/{}/rules",
                self.base_url, cred.id
            ))
            .json(&json!({ "rules": rules }))
            .send()
            .await
            .expect("add rules");
        assert!(
            resp.status().is_success(),
            "rules rejected: {}",
            resp.text().await.unwrap_or_default()
        );
    }

    /// The credential's request log, optionally only one route.
    pub async fn requests(&self, cred: &Credential, route: Option<&str>) -> Vec<Value> {
        let resp: Value = self
            .http
            .get(format!(
                "{}/_faults/credentials/{}/requests",
                self.base_url, cred.id
            ))
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("requests json");
        let all = resp["requests"].as_array().cloned().unwrap_or_default();
        all.into_iter()
            .filter(|r| route.is_none_or(|rt| r["route"] == rt))
            .collect()
    }
}

/// First value of a logged header.
pub fn header(entry: &Value, name: &str) -> Option<String> {
    entry["headers"][name][0].as_str().map(str::to_string)
}

pub fn intent() -> Value {
    json!({"intent_type": "demo.task.v1", "to_agent": "agent://acme/bot", "payload": {"n": 1}})
}

pub const STREAM_ROUTE: &str = "/v1/intents/{intent_id}/events/stream";

/// Guard against hangs: every async test body runs under this limit.
pub async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test timed out")
}
