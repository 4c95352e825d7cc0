//! `POST /mcp` (JSON-RPC 2.0): the three upstream checks, the plain 2024-11-05 protocol without
//! sessions, the 2025-11-25 protocol with `Mcp-Session-Id`, and protocol errors.

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use super::harness::{ensure, short, CheckResult, Ctx};

/// One MCP exchange's answer.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn result(&self) -> &Value {
        &self.body["result"]
    }

    fn describe(&self) -> String {
        format!("HTTP {} {}", self.status, short(&self.body))
    }
}

/// An MCP client: the key as Bearer (as upstream clients send it), and after a 2025-11-25
/// `initialize` the session and protocol headers.
struct Mcp {
    c: Ctx,
    session: Option<String>,
    version: Option<String>,
    next_id: u64,
}

impl Mcp {
    fn new(c: &Ctx) -> Mcp {
        Mcp {
            c: c.clone(),
            session: None,
            version: None,
            next_id: 0,
        }
    }

    async fn post(&self, message: &Value) -> Result<Answer, String> {
        let mut req = self
            .c
            .client()
            .post(format!("{}/mcp", self.c.base))
            .header("authorization", format!("Bearer {}", self.c.key()))
            .header("accept", "application/json, text/event-stream")
            .json(message);
        if let Some(session) = &self.session {
            req = req.header("mcp-session-id", session);
        }
        if let Some(version) = &self.version {
            req = req.header("mcp-protocol-version", version);
        }
        let what = format!("POST /mcp {}", message["method"]);
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{what}: request failed: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        self.c.note_request_id("POST /mcp", &headers);
        let is_sse = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/event-stream"));
        let text = resp
            .text()
            .await
            .map_err(|e| format!("{what}: reading the body failed: {e}"))?;
        // A 2025-11-25 server may answer a request as a one-event SSE stream.
        let json_text = if is_sse {
            text.lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text
        };
        let body = if json_text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&json_text).unwrap_or(Value::String(json_text))
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Answer, String> {
        self.next_id += 1;
        let message =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        self.post(&message).await
    }

    /// A request that must succeed with a result object.
    async fn result(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let answer = self.request(method, params).await?;
        ensure!(
            answer.status == 200 && answer.result().is_object(),
            "MCP {method}: expected HTTP 200 with a result object, got {}",
            answer.describe()
        );
        Ok(answer.result().clone())
    }

    async fn initialize(&mut self, version: &str) -> Result<Answer, String> {
        let params = json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "axme-conformance", "version": env!("CARGO_PKG_VERSION")}});
        let answer = self.request("initialize", params).await?;
        if let Some(session) = answer
            .headers
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
        {
            self.session = Some(session.to_string());
            self.version = answer.result()["protocolVersion"]
                .as_str()
                .map(str::to_owned);
        }
        Ok(answer)
    }
}

pub async fn initialize(c: Ctx) -> CheckResult {
    let mut mcp = Mcp::new(&c);
    let answer = mcp.initialize("2024-11-05").await?;
    ensure!(
        answer.status == 200 && answer.result()["protocolVersion"].is_string(),
        "MCP initialize 2024-11-05: expected result.protocolVersion, got {}",
        answer.describe()
    );
    Ok(())
}

pub async fn tools_list(c: Ctx) -> CheckResult {
    let result = Mcp::new(&c).result("tools/list", json!({})).await?;
    let tools = result["tools"].as_array().cloned().unwrap_or_default();
    ensure!(
        !tools.is_empty()
            && tools
                .iter()
                .all(|t| t["name"].is_string() && t["inputSchema"].is_object()),
        "MCP tools/list: expected tools with name and inputSchema, got {}",
        short(&result)
    );
    ensure!(
        tools.iter().any(|t| t["name"] == json!("axme.check_nick")),
        "MCP tools/list: expected the tool axme.check_nick, got {:?}",
        tools.iter().map(|t| t["name"].clone()).collect::<Vec<_>>()
    );
    Ok(())
}

pub async fn tools_call(c: Ctx) -> CheckResult {
    let params = json!({"name": "axme.check_nick", "arguments": {"nick": format!("@conformance_mcp_{}", c.run)}});
    let result = Mcp::new(&c).result("tools/call", params).await?;
    ensure!(
        result["tool"].is_string() && result["status"].is_string(),
        "MCP tools/call axme.check_nick: expected result.tool and result.status strings, got {}",
        short(&result)
    );
    ensure!(
        result["isError"] != json!(true),
        "MCP tools/call axme.check_nick: expected a successful call, got isError = true: {}",
        short(&result)
    );
    Ok(())
}

pub async fn plain_2024_11_05(c: Ctx) -> CheckResult {
    let mut mcp = Mcp::new(&c);
    let init = mcp.initialize("2024-11-05").await?;
    ensure!(
        init.result()["protocolVersion"] == json!("2024-11-05"),
        "MCP initialize 2024-11-05: expected that version back, got {}",
        init.describe()
    );
    ensure!(
        mcp.session.is_none(),
        "MCP initialize 2024-11-05: expected no Mcp-Session-Id (that protocol has no sessions), got {:?}",
        mcp.session
    );
    let note = mcp
        .post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await?;
    ensure!(
        note.status == 202 || note.status == 200 || note.status == 204,
        "MCP notifications/initialized: expected HTTP 202 (accepted, no body), got {}",
        note.describe()
    );
    let ping = mcp.result("ping", json!({})).await?;
    ensure!(
        ping == json!({}),
        "MCP ping: expected an empty result, got {}",
        short(&ping)
    );
    Ok(())
}

pub async fn session_2025_11_25(c: Ctx) -> CheckResult {
    let mut mcp = Mcp::new(&c);
    let init = mcp.initialize("2025-11-25").await?;
    ensure!(
        init.status == 200 && init.result()["protocolVersion"] == json!("2025-11-25"),
        "MCP initialize 2025-11-25: expected HTTP 200 with that version, got {}",
        init.describe()
    );
    let Some(session) = mcp.session.clone() else {
        return Err(
            "MCP initialize 2025-11-25: expected an Mcp-Session-Id header, got none".into(),
        );
    };
    let note = mcp
        .post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await?;
    ensure!(
        note.status == 202,
        "MCP notifications/initialized in session: expected HTTP 202, got {}",
        note.describe()
    );
    let params = json!({"name": "axme.check_nick", "arguments": {"nick": format!("@conformance_session_{}", c.run)}});
    let called = mcp.result("tools/call", params).await?;
    ensure!(
        called["isError"] != json!(true) && called["content"].is_array(),
        "MCP tools/call in session: expected a successful result with content, got {}",
        short(&called)
    );
    let mut no_session = Mcp::new(&c);
    no_session.version = mcp.version.clone();
    let refused = no_session.request("ping", json!({})).await?;
    ensure!(
        refused.status == 400,
        "MCP 2025-11-25 request without Mcp-Session-Id: expected HTTP 400, got {}",
        refused.describe()
    );
    let ended = c
        .client()
        .delete(format!("{}/mcp", c.base))
        .header("authorization", format!("Bearer {}", c.key()))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .map_err(|e| format!("DELETE /mcp: request failed: {e}"))?;
    c.note_request_id("DELETE /mcp", ended.headers());
    ensure!(
        ended.status().is_success(),
        "DELETE /mcp (end the session): expected 2xx, got HTTP {}",
        ended.status().as_u16()
    );
    let gone = mcp.request("ping", json!({})).await?;
    ensure!(
        gone.status == 404,
        "MCP request in an ended session: expected HTTP 404, got {}",
        gone.describe()
    );
    Ok(())
}

pub async fn protocol_errors(c: Ctx) -> CheckResult {
    let mut mcp = Mcp::new(&c);
    let unknown = mcp.request("no/such_method", json!({})).await?;
    ensure!(
        unknown.body["error"]["code"] == json!(-32601),
        "MCP unknown method: expected error.code -32601, got {}",
        unknown.describe()
    );
    let parse = c
        .client()
        .post(format!("{}/mcp", c.base))
        .header("authorization", format!("Bearer {}", c.key()))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .map_err(|e| format!("POST /mcp: request failed: {e}"))?;
    let status = parse.status().as_u16();
    let body: Value = parse.json().await.unwrap_or(Value::Null);
    ensure!(
        body["error"]["code"] == json!(-32700),
        "MCP body that is not JSON: expected error.code -32700, got HTTP {status} {}",
        short(&body)
    );
    Ok(())
}
