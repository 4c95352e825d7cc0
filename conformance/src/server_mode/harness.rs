//! The small harness every server check uses: one HTTP client bound to the server under test and its
//! key, responses kept whole (status, headers, JSON body) so a failure can say what came back, and
//! the `ensure!` macro that turns an unmet expectation into the check's failure detail.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

/// `Ok` = pass; `Err(detail)` = fail, the detail saying what was expected and what came back.
pub type CheckResult = Result<(), String>;

/// One named check. `run` gets its own clone of the context (cheap: the client is shared).
pub struct Check {
    pub name: &'static str,
    pub run: fn(Ctx) -> BoxFuture<'static, CheckResult>,
}

/// Fails the check with a formatted detail unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}
pub(crate) use ensure;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// The key under test, in the header chosen with `--key-header`.
    Key,
    /// The key under test as `Authorization: Bearer` (the upstream conformance harness's form).
    Bearer,
    /// The key under test as `x-api-key`.
    XApiKey,
    /// No credential at all.
    None,
    /// Some other value in `x-api-key` (a wrong key).
    OtherKey(&'a str),
}

/// A request body.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    None,
    Json(&'a Value),
    /// Raw bytes sent as `application/json` (for malformed-body checks).
    Raw(&'a str),
}

/// A whole response.
#[derive(Debug)]
pub struct Resp {
    /// `METHOD path` of the request, for failure details.
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    /// The JSON body, `Value::String` of the text when it is not JSON, `Null` when empty.
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of an error body, or "" when there is none.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// `what -> status body` with the body cut short, for failure details.
    pub fn describe(&self) -> String {
        format!("{} -> {} {}", self.what, self.status, short(&self.body))
    }

    /// The response when its status is the expected one; otherwise the failure detail.
    pub fn expect(self, status: u16) -> Result<Resp, String> {
        if self.status == status {
            Ok(self)
        } else {
            Err(format!(
                "{}: expected HTTP {status}, got {} {}",
                self.what,
                self.status,
                short(&self.body)
            ))
        }
    }

    /// The body of a 200 answer.
    pub fn ok_body(self) -> Result<Value, String> {
        Ok(self.expect(200)?.body)
    }
}

/// A JSON value as compact text, cut at 300 characters.
pub fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Which header carries the key on ordinary requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyHeader {
    /// `x-api-key: <key>`
    XApiKey,
    /// `Authorization: Bearer <key>` (what the upstream conformance harness sends)
    Bearer,
}

/// Where the webhook receiver listens and which URL the server is told to call.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// Address the checker binds (port 0 = any free port).
    pub bind: String,
    /// Base URL the server should call instead of `http://<bound address>` (for remote servers).
    pub public_url: Option<String>,
}

/// Everything a check needs: the server, the key, and a run id that keeps fixtures of different
/// runs (and of different checks) apart on a server that keeps its data.
#[derive(Clone)]
pub struct Ctx {
    http: reqwest::Client,
    pub base: String,
    key: String,
    key_header: KeyHeader,
    /// Short unique id of this run, part of every address, nick and key the checks make up.
    pub run: String,
    pub receiver: ReceiverConfig,
    /// `METHOD route` of every response seen without `x-request-id` (checked by one check at the end).
    missing_request_id: Arc<Mutex<BTreeSet<String>>>,
}

impl Ctx {
    pub fn new(
        base: &str,
        key: &str,
        key_header: KeyHeader,
        receiver: ReceiverConfig,
    ) -> anyhow::Result<Ctx> {
        // No overall client timeout: SSE windows stay open for their `wait_seconds`; every check
        // runs under its own timeout instead.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Ctx {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            key_header,
            run: uuid::Uuid::new_v4().simple().to_string()[..8].to_string(),
            receiver,
            missing_request_id: Arc::default(),
        })
    }

    /// An agent address unique to this run: `agent://conformance/<name>-<run>`.
    pub fn address(&self, name: &str) -> String {
        format!("agent://conformance/{name}-{}", self.run)
    }

    /// The key under test (for checks that speak another protocol over HTTP, e.g. MCP).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.http
    }

    fn with_key(&self, req: reqwest::RequestBuilder, key: &str) -> reqwest::RequestBuilder {
        match self.key_header {
            KeyHeader::XApiKey => req.header("x-api-key", key),
            KeyHeader::Bearer => req.header("authorization", format!("Bearer {key}")),
        }
    }

    /// A request builder with the credential applied.
    pub fn builder(&self, method: Method, path: &str, auth: Auth) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match auth {
            Auth::Key => self.with_key(req, &self.key),
            Auth::Bearer => req.header("authorization", format!("Bearer {}", self.key)),
            Auth::XApiKey => req.header("x-api-key", &self.key),
            Auth::None => req,
            Auth::OtherKey(key) => self.with_key(req, key),
        }
    }

    /// Remembers a response without `x-request-id`.
    pub fn note_request_id(&self, what: &str, headers: &HeaderMap) {
        if !headers.contains_key("x-request-id") {
            let route = what.split('?').next().unwrap_or(what).to_string();
            self.missing_request_id
                .lock()
                .expect("request-id log")
                .insert(route);
        }
    }

    pub fn responses_without_request_id(&self) -> Vec<String> {
        self.missing_request_id
            .lock()
            .expect("request-id log")
            .iter()
            .cloned()
            .collect()
    }

    /// Sends a request and reads the whole response.
    pub async fn send_as(
        &self,
        auth: Auth<'_>,
        method: Method,
        path: &str,
        body: Body<'_>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let what = format!("{method} {path}");
        let mut req = self.builder(method, path, auth);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(v),
            Body::Raw(text) => req
                .header("content-type", "application/json")
                .body(text.to_string()),
        };
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{what}: request failed: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("{what}: reading the body failed: {e}"))?;
        self.note_request_id(&what, &headers);
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Resp {
            what,
            status,
            headers,
            body,
        })
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let body = body.map_or(Body::None, Body::Json);
        self.send_as(Auth::Key, method, path, body, headers).await
    }

    pub async fn get(&self, path: &str) -> Result<Resp, String> {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Resp, String> {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// GET that must answer 200; its body.
    pub async fn get_ok(&self, path: &str) -> Result<Value, String> {
        self.get(path).await?.ok_body()
    }

    /// POST that must answer 200; its body.
    pub async fn post_ok(&self, path: &str, body: &Value) -> Result<Value, String> {
        self.post(path, body).await?.ok_body()
    }
}

pub fn is_uuid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

/// The value at a JSON pointer, for details: `/intent/status = "WAITING"`.
pub fn at(v: &Value, pointer: &str) -> String {
    format!(
        "{pointer} = {}",
        short(v.pointer(pointer).unwrap_or(&Value::Null))
    )
}
