//! A small JSON-RPC 2.0 MCP client over HTTP (reqwest), as the tests need it: plain POSTs for protocol
//! 2024-11-05, the session headers for 2025-11-25. Every JSON answer is checked against the spec.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

/// One answer: HTTP status, headers, JSON body (`Null` when there is none).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn result(&self) -> &Value {
        &self.body["result"]
    }

    pub fn error_code(&self) -> Option<i64> {
        self.body["error"]["code"].as_i64()
    }
}

#[derive(Clone)]
pub struct McpClient {
    http: reqwest::Client,
    url: String,
    /// Sent as `Authorization: Bearer`, as the upstream conformance harness does.
    pub bearer: Option<String>,
    pub session: Option<String>,
    /// `MCP-Protocol-Version` to send (set by a 2025-11-25 initialize).
    pub version: Option<String>,
    pub origin: Option<String>,
    next_id: u64,
}

impl McpClient {
    pub fn new(base: &str, bearer: Option<&str>) -> McpClient {
        McpClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            url: format!("{base}/mcp"),
            bearer: bearer.map(str::to_owned),
            session: None,
            version: None,
            origin: None,
            next_id: 0,
        }
    }

    fn headers(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut builder = builder.header("accept", "application/json, text/event-stream");
        if let Some(key) = &self.bearer {
            builder = builder.header("authorization", format!("Bearer {key}"));
        }
        if let Some(session) = &self.session {
            builder = builder.header("mcp-session-id", session);
        }
        if let Some(version) = &self.version {
            builder = builder.header("mcp-protocol-version", version);
        }
        if let Some(origin) = &self.origin {
            builder = builder.header("origin", origin);
        }
        builder
    }

    async fn answer(method: &str, resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if body.is_object() || body.is_array() {
            crate::support::spec()
                .validate_response(method, "/mcp", status, &body)
                .unwrap_or_else(|e| {
                    panic!("{method} /mcp -> {status} does not match the spec: {e}\n{body}")
                });
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    /// POSTs any JSON (a message, a batch, or junk).
    pub async fn post(&self, body: &Value) -> Answer {
        let builder = self.headers(self.http.post(&self.url)).json(body);
        Self::answer("POST", builder.send().await.unwrap()).await
    }

    /// POSTs JSON with extra headers.
    pub async fn post_with(&self, body: &Value, extra: &[(&str, &str)]) -> Answer {
        let mut builder = self.headers(self.http.post(&self.url)).json(body);
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        Self::answer("POST", builder.send().await.unwrap()).await
    }

    /// POSTs raw bytes.
    pub async fn post_raw(&self, bytes: &'static str) -> Answer {
        let builder = self
            .headers(self.http.post(&self.url))
            .header("content-type", "application/json")
            .body(bytes);
        Self::answer("POST", builder.send().await.unwrap()).await
    }

    /// A request with a fresh id.
    pub async fn request(&mut self, method: &str, params: Value) -> Answer {
        self.next_id += 1;
        let message =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        self.post(&message).await
    }

    pub async fn notify(&self, method: &str) -> Answer {
        self.post(&json!({"jsonrpc": "2.0", "method": method}))
            .await
    }

    /// `initialize`; a 2025-11-25 answer's session and version are used from then on.
    pub async fn initialize(&mut self, version: &str) -> Answer {
        let answer = self
            .request("initialize", json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "axme-tests", "version": "1"}}))
            .await;
        if let Some(session) = answer.headers.get("mcp-session-id") {
            self.session = Some(session.to_str().unwrap().to_string());
            self.version = answer.result()["protocolVersion"]
                .as_str()
                .map(str::to_owned);
        }
        answer
    }

    pub async fn call_tool(&mut self, name: &str, arguments: Value) -> Answer {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }

    /// `DELETE /mcp` of the current session.
    pub async fn end(&self) -> Answer {
        Self::answer(
            "DELETE",
            self.headers(self.http.delete(&self.url))
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}
