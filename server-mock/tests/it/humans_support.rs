//! Helpers of the human-facing tests: human users with actor tokens, waiting on an intent's events
//! through its stream, and agents taking work from their listen stream.

use std::path::Path;

use axme_server::store::sqlite::{self, humans};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{Api, Resp, TestServer};

/// A human user calling with its actor token only.
pub struct Human {
    pub api: Api,
    pub token: String,
    pub address: String,
}

impl Human {
    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.api
            .call(Method::GET, path, None, &[("authorization", &self.auth())])
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.api
            .call(
                Method::POST,
                path,
                Some(body),
                &[("authorization", &self.auth())],
            )
            .await
    }

    /// The ids of the human's tasks in a state (`open`, `answered`, `closed`, `all`).
    pub async fn task_ids(&self, status: &str) -> Vec<String> {
        let tasks = self.get(&format!("/v1/me/tasks?status={status}")).await;
        assert_eq!(tasks.status, 200, "{}", tasks.body);
        tasks.body["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["intent_id"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn answer(&self, intent_id: &str, task_result: Value) -> Resp {
        self.post(
            &format!("/v1/intents/{intent_id}/resume"),
            json!({"task_result": task_result}),
        )
        .await
    }
}

/// Creates a human in the dev organisation of a data dir (as `axme-server admin users create` does).
pub fn user_in(dir: &Path, base: &str, name: &str, email: Option<&str>) -> Human {
    let conn = sqlite::open_admin(dir).expect("admin connection");
    let created = humans::create_human(&conn, "dev", "default", name, email).expect("user");
    Human {
        api: Api::new(base, ""),
        token: created.token,
        address: created.address,
    }
}

pub fn user(ts: &TestServer, name: &str, email: Option<&str>) -> Human {
    user_in(ts.dir.path(), &ts.base, name, email)
}

/// A fresh token for a human created some other way (e.g. by a scenario).
pub fn token_for(ts: &TestServer, name: &str) -> Human {
    let conn = sqlite::open_admin(ts.dir.path()).expect("admin connection");
    let (_, token) = humans::token_for(&conn, "dev", name).expect("token");
    Human {
        api: Api::new(&ts.base, ""),
        token,
        address: format!("agent://dev/default/{name}"),
    }
}

/// A create body with a human task.
pub fn task_intent(to_agent: &str, task: Value) -> Value {
    json!({"intent_type": "ops.deploy.v1", "to_agent": to_agent, "payload": {"service": "api"}, "human_task": task})
}

pub async fn create(api: &Api, body: Value) -> String {
    let created = api.post("/v1/intents", body).await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.body["intent_id"].as_str().unwrap().to_string()
}

pub fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect()
}

/// Follows an intent's event stream until an event satisfies `pred`; returns that event. Each
/// window lasts at most 10 s; a terminal event that does not match ends the wait with a panic.
pub async fn wait_for_event(api: &Api, intent_id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let mut since = 0;
    for _ in 0..12 {
        let path = format!("/v1/intents/{intent_id}/events/stream?since={since}&wait_seconds=10");
        let sse = api.sse_until(&path, &[], |f| pred(&f.data)).await;
        assert_eq!(sse.status, 200, "{}", sse.raw);
        if let Some(found) = sse.events().iter().find(|f| pred(&f.data)) {
            return found.data.clone();
        }
        since = sse.seqs().last().copied().unwrap_or(since);
        let terminal = sse.events().iter().any(|f| {
            matches!(
                f.data["status"].as_str(),
                Some("COMPLETED" | "FAILED" | "CANCELED" | "TIMED_OUT")
            )
        });
        assert!(
            !terminal,
            "intent {intent_id} ended before the awaited event"
        );
    }
    panic!("no awaited event on intent {intent_id} within two minutes");
}

/// Waits until the intent reaches a terminal status; returns its whole event log.
pub async fn wait_terminal(api: &Api, intent_id: &str) -> Vec<Value> {
    wait_for_event(api, intent_id, |e| {
        matches!(
            e["status"].as_str(),
            Some("COMPLETED" | "FAILED" | "CANCELED" | "TIMED_OUT")
        )
    })
    .await;
    api.events(intent_id, 0).await
}

/// The next delivery on an agent's listen stream after `since`: `(cursor, intent)`.
pub async fn next_delivery(api: &Api, agent: &str, since: i64) -> (i64, Value) {
    let path = format!("/v1/agents/{agent}/intents/stream?since={since}&wait_seconds=10");
    let sse = api
        .sse_until(&path, &[], |f| f.event != "stream.timeout")
        .await;
    let frame = sse
        .events()
        .first()
        .cloned()
        .cloned()
        .unwrap_or_else(|| panic!("no delivery for {agent} after {since}: {}", sse.raw));
    (frame.id.unwrap(), frame.data["intent"].clone())
}

/// An agent's `resume` call.
pub async fn agent_resume(api: &Api, agent: &str, intent_id: &str, body: Value) -> Resp {
    let resp = api
        .post(
            &format!("/v1/intents/{intent_id}/resume?owner_agent={agent}"),
            body,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    resp
}
