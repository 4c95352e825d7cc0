//! The protocol rules of the MCP endpoint, without I/O: JSON-RPC 2.0 messages, protocol versions and
//! the `Origin` allow-list (wire facts §1.8, §7).
//!
//! Two protocol versions are served. `2024-11-05` is what the upstream SDKs and conformance checks
//! speak: plain POSTs, no session, any method may come first. `2025-11-25` is the Streamable HTTP
//! transport: `initialize` opens a session (`Mcp-Session-Id`) and every later request carries it and
//! `MCP-Protocol-Version`.

use serde_json::{json, Value};

pub const LEGACY_VERSION: &str = "2024-11-05";
pub const SESSION_VERSION: &str = "2025-11-25";
pub const VERSIONS: [&str; 2] = [LEGACY_VERSION, SESSION_VERSION];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const AUTH_REQUIRED: i64 = -32001;
/// Too many `tools/call`s (the SDKs raise it as a 429).
pub const RATE_LIMITED: i64 = -32004;

/// The version to answer an `initialize` with: the one asked for when served, else the newest (the
/// client then decides whether it can speak it).
pub fn negotiate(requested: &str) -> &'static str {
    if requested == LEGACY_VERSION {
        LEGACY_VERSION
    } else {
        SESSION_VERSION
    }
}

/// A JSON-RPC error, with the id of the request it answers (`null` when unknown).
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub id: Value,
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
        RpcError {
            id,
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        json!({"jsonrpc": "2.0", "id": self.id, "error": error})
    }
}

/// A successful response.
pub fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// One incoming JSON-RPC message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification {
        method: String,
    },
    /// A response to a server-initiated request; this server sends none, so it is acknowledged only.
    Response,
}

/// Classifies a message, or says why it is not a valid JSON-RPC 2.0 message.
pub fn classify(value: &Value) -> Result<Message, RpcError> {
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let invalid = |why: &str| {
        let id = if id.is_string() || id.is_number() {
            id.clone()
        } else {
            Value::Null
        };
        RpcError::new(
            id,
            INVALID_REQUEST,
            format!("invalid JSON-RPC 2.0 message: {why}"),
        )
    };
    let Some(object) = value.as_object() else {
        return Err(invalid("expected a JSON object"));
    };
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(invalid("`jsonrpc` must be \"2.0\""));
    }
    let Some(method) = object.get("method") else {
        if object.contains_key("result") || object.contains_key("error") {
            return Ok(Message::Response);
        }
        return Err(invalid("`method` is missing"));
    };
    let Some(method) = method.as_str() else {
        return Err(invalid("`method` must be a string"));
    };
    let params = match object.get("params") {
        None | Some(Value::Null) => json!({}),
        Some(p @ Value::Object(_)) => p.clone(),
        Some(_) => return Err(invalid("`params` must be an object")),
    };
    match object.get("id") {
        None => Ok(Message::Notification {
            method: method.to_string(),
        }),
        // MCP: a request id is a string or an integer, never null.
        Some(Value::String(_)) => Ok(Message::Request {
            id,
            method: method.to_string(),
            params,
        }),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Message::Request {
            id,
            method: method.to_string(),
            params,
        }),
        Some(_) => Err(invalid("`id` must be a string or an integer")),
    }
}

/// Whether a browser `Origin` may call the endpoint (DNS-rebinding protection): loopback origins on any
/// port, plus the configured ones (exact match, e.g. `https://app.example.com`). `Origin: null` is
/// only accepted when configured.
pub fn origin_allowed(origin: &str, configured: &[String]) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if configured
        .iter()
        .any(|c| c.trim().trim_end_matches('/').eq_ignore_ascii_case(&origin))
    {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https") || rest.contains(['/', '@', '?', '#']) {
        return false;
    }
    let host = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, port)) if port.is_empty() || port.starts_with(':') => format!("[{addr}]"),
            _ => return false,
        }
    } else {
        rest.split(':').next().unwrap_or_default().to_string()
    };
    let port_ok = match rest.rsplit_once(':') {
        Some((_, port)) if !rest.ends_with(']') => port.parse::<u16>().is_ok(),
        _ => true,
    };
    port_ok && matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

/// A session id: 32 random bytes in hex (visible ASCII, as the transport requires).
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_messages() {
        let req = json!({"jsonrpc": "2.0", "id": "a", "method": "ping"});
        assert!(matches!(classify(&req), Ok(Message::Request { .. })));
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        assert!(matches!(classify(&note), Ok(Message::Notification { .. })));
        let resp = json!({"jsonrpc": "2.0", "id": 1, "result": {}});
        assert_eq!(classify(&resp), Ok(Message::Response));
        for bad in [
            json!({"id": 1, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": 1, "method": 5}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": [1]}),
            json!([1]),
        ] {
            assert_eq!(classify(&bad).unwrap_err().code, INVALID_REQUEST, "{bad}");
        }
    }

    #[test]
    fn negotiation_and_origins() {
        assert_eq!(negotiate("2024-11-05"), LEGACY_VERSION);
        assert_eq!(negotiate("2025-06-18"), SESSION_VERSION);
        let none: Vec<String> = Vec::new();
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://[::1]:8443",
            "http://LOCALHOST",
        ] {
            assert!(origin_allowed(ok, &none), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://localhost.evil.example",
            "null",
            "http://127.0.0.1.nip.io",
            "file://localhost",
        ] {
            assert!(!origin_allowed(bad, &none), "{bad}");
        }
        let configured = vec!["https://app.example.com".to_string()];
        assert!(origin_allowed("https://app.example.com/", &configured));
        assert!(!origin_allowed("https://app.example.com:8443", &configured));
    }
}
