//! Test support: a reference server started in-process on port 0 with its own data dir, an HTTP client
//! that validates every JSON response of a served operation against spec/openapi.yaml, and a small
//! SSE reader for asserting on streams.

use std::sync::OnceLock;
use std::time::Duration;

use axme_server::{start, RunningServer, ServerConfig};
use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use tempfile::TempDir;

pub fn spec() -> &'static axme_spec::Spec {
    static SPEC: OnceLock<axme_spec::Spec> = OnceLock::new();
    SPEC.get_or_init(|| axme_spec::Spec::load().expect("spec/openapi.yaml loads"))
}

/// A running server and the temporary data dir it owns.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: TempDir,
    pub base: String,
    pub key: String,
}

impl TestServer {
    /// A fresh server with fault injection on.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServerConfig::new(dir.path());
        config.listen = "127.0.0.1:0".into();
        config.faults = true;
        configure(&mut config);
        let server = start(config).await.expect("server starts");
        let key = server.dev_api_key().expect("dev key written");
        TestServer {
            base: server.base_url(),
            server: Some(server),
            dir,
            key,
        }
    }

    /// A client using the dev key.
    pub fn api(&self) -> Api {
        Api::new(&self.base, &self.key)
    }

    /// A client with no credential.
    pub fn anonymous(&self) -> Api {
        Api::new(&self.base, "")
    }

    /// A fresh isolated credential from the fault control API: `(credential_id, client)`.
    pub async fn credential(&self, name: &str) -> (String, Api) {
        let created = self
            .anonymous()
            .call(
                Method::POST,
                "/_faults/credentials",
                Some(json!({"name": name})),
                &[],
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let id = created.body["credential_id"]
            .as_str()
            .expect("credential_id")
            .to_string();
        let key = created.body["api_key"]
            .as_str()
            .expect("api_key")
            .to_string();
        (id, Api::new(&self.base, &key))
    }

    /// Attaches fault rules to a credential.
    pub async fn add_rules(&self, credential_id: &str, rules: Value) {
        let path = format!("/_faults/credentials/{credential_id}/rules");
        let added = self
            .anonymous()
            .call(Method::POST, &path, Some(json!({"rules": rules})), &[])
            .await;
        assert_eq!(added.status, 200, "{}", added.body);
    }

    /// The request log of a credential.
    pub async fn requests(&self, credential_id: &str) -> Vec<Value> {
        let path = format!("/_faults/credentials/{credential_id}/requests");
        let log = self.anonymous().call(Method::GET, &path, None, &[]).await;
        log.body["requests"].as_array().cloned().unwrap_or_default()
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// A response, its JSON body (or `Value::String` of the text) and headers.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

/// An HTTP client bound to one server and one API key.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, key: &str) -> Api {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Api {
            base: base.to_string(),
            key: key.to_string(),
            http,
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.key.is_empty() {
            req = req.header("x-api-key", &self.key);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req
    }

    /// Sends a request; a JSON response of a served AXP operation must match the spec.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.request(method.clone(), path, headers);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert!(
            headers.contains_key("x-request-id"),
            "{method} {path}: no x-request-id"
        );
        let route_path = path.split('?').next().unwrap_or(path);
        let documented = spec().find_operation(method.as_str(), route_path).is_some();
        if documented && !route_path.starts_with("/_faults") && body.is_object() {
            if let Err(failure) =
                spec().validate_response(method.as_str(), route_path, status, &body)
            {
                panic!("{method} {path} -> {status} does not match spec/openapi.yaml: {failure}\nbody: {body}");
            }
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    /// Creates an intent to `to_agent`; returns its id.
    pub async fn create_to(&self, to_agent: &str) -> String {
        let created = self.post("/v1/intents", intent_body(to_agent)).await;
        assert_eq!(created.status, 200, "{}", created.body);
        created.body["intent_id"]
            .as_str()
            .expect("intent_id")
            .to_string()
    }

    pub async fn create(&self) -> String {
        self.create_to("agent://tests/worker").await
    }

    pub async fn resolve(&self, intent_id: &str, status: &str) -> Resp {
        self.post(&format!("/v1/intents/{intent_id}/resolve"), json!({"status": status, "result": {"ok": true}, "error": {"code": "x"}, "reason": "test"})).await
    }

    pub async fn events(&self, intent_id: &str, since: i64) -> Vec<Value> {
        let resp = self
            .get(&format!("/v1/intents/{intent_id}/events?since={since}"))
            .await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        resp.body["events"].as_array().cloned().unwrap_or_default()
    }

    /// Opens an SSE stream and reads it until the server closes it (or `limit` passes).
    pub async fn sse(&self, path: &str, headers: &[(&str, &str)]) -> Sse {
        self.sse_until(path, headers, |_| false).await
    }

    /// Like [`Api::sse`], but stops reading (dropping the connection) once `stop` holds for a frame.
    pub async fn sse_until(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        stop: impl Fn(&Frame) -> bool,
    ) -> Sse {
        let resp = self
            .request(Method::GET, path, headers)
            .send()
            .await
            .expect("stream opened");
        let status = resp.status().as_u16();
        let response_headers = resp.headers().clone();
        let mut raw = Vec::new();
        let mut frames = Vec::new();
        let mut aborted = false;
        let mut body = resp.bytes_stream();
        let read = async {
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(bytes) => raw.extend_from_slice(&bytes),
                    Err(_) => {
                        aborted = true;
                        break;
                    }
                }
                frames = parse_frames(&String::from_utf8_lossy(&raw));
                if frames.iter().any(&stop) {
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(70), read)
            .await
            .expect("stream ended in time");
        let raw = String::from_utf8_lossy(&raw).to_string();
        if status == 200 {
            for frame in &frames {
                let component = match frame.event.as_str() {
                    "stream.timeout" => "StreamTimeout",
                    _ if path.starts_with("/v1/agents/") => "AgentDelivery",
                    _ => "IntentEvent",
                };
                if let Err(failure) = spec().validate_schema(component, &frame.data) {
                    panic!(
                        "SSE frame {} does not match {component}: {failure}",
                        frame.data
                    );
                }
            }
        }
        Sse {
            status,
            headers: response_headers,
            frames,
            raw,
            aborted,
        }
    }
}

pub fn intent_body(to_agent: &str) -> Value {
    json!({"intent_type": "tests.task.v1", "to_agent": to_agent, "payload": {"job": "x"}})
}

/// One SSE frame (normal LF framing).
#[derive(Clone, Debug)]
pub struct Frame {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

#[derive(Debug)]
pub struct Sse {
    pub status: u16,
    pub headers: HeaderMap,
    pub frames: Vec<Frame>,
    pub raw: String,
    /// The connection ended with an error instead of a clean close.
    pub aborted: bool,
}

impl Sse {
    /// Frames that carry intent events (everything but `stream.timeout`).
    pub fn events(&self) -> Vec<&Frame> {
        self.frames
            .iter()
            .filter(|f| f.event != "stream.timeout")
            .collect()
    }

    pub fn seqs(&self) -> Vec<i64> {
        self.events().iter().filter_map(|f| f.id).collect()
    }

    pub fn timeout(&self) -> Option<&Frame> {
        self.frames.iter().find(|f| f.event == "stream.timeout")
    }
}

/// Parses complete frames of the normal framing; comments and partial frames are skipped.
pub fn parse_frames(text: &str) -> Vec<Frame> {
    let text = text.trim_start_matches('\u{feff}');
    let mut frames = Vec::new();
    let complete = match text.rfind("\n\n") {
        Some(end) => &text[..end],
        None => return frames,
    };
    for block in complete.split("\n\n") {
        let (mut id, mut event, mut data) = (None, String::new(), String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.parse().ok();
            } else if let Some(v) = line.strip_prefix("event: ") {
                event = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push_str(v);
            }
        }
        if !event.is_empty() {
            frames.push(Frame {
                id,
                event,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
            });
        }
    }
    frames
}
