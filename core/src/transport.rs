//! The HTTP transport: the only module that touches reqwest.
//!
//! [`Transport`] owns one connection pool, the validated config and the retry budget shared by all
//! its requests. It knows nothing of the features built on it (streams, MCP, mesh). Every request goes through one retry loop: reads are always retry-safe, writes
//! only with an `Idempotency-Key` (the same key on every attempt, minted in `request`). Each
//! request runs in a `tracing` span carrying its operation id and trace id; credentials are
//! marked sensitive and never logged. Redirects are not followed, so `x-api-key` can never be
//! forwarded to another host.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tracing::Instrument;

use crate::config::ResolvedConfig;
use crate::error::{Error, ErrorKind, ResponseMeta};
use crate::operations::{self, HttpMethod, OperationDescriptor};
use crate::records::ClientConfig;
use crate::request::{prepare, prepare_with_content, PreparedRequest};
use crate::retry::{
    parse_retry_after, should_retry_header, Jitter, RetryBudget, RetryCause, RetryPolicy,
};

/// A stream of response body chunks; dropping it closes the connection.
pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

struct Inner {
    config: ResolvedConfig,
    policy: RetryPolicy,
    budget: RetryBudget,
    base_headers: HeaderMap,
}

/// A successful (2xx) response kept raw, for callers that need its headers (MCP).
#[derive(Debug)]
pub(crate) struct RawResponse {
    /// HTTP status.
    pub(crate) status: u16,
    /// `Content-Type`, lower-cased (empty when absent).
    pub(crate) content_type: String,
    /// `Mcp-Session-Id`.
    pub(crate) session_id: Option<String>,
    /// `x-request-id` / `request-id`.
    pub(crate) request_id: Option<String>,
    /// The whole body.
    pub(crate) body: Bytes,
}

/// The HTTP side of a client. Cheap to clone; clones share the pool and the retry budget.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
    /// The connection pool. Its connections are driven by the runtime they were opened on.
    http: reqwest::Client,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Refuses an operation the JSON calls cannot answer: an event stream, or raw bytes.
fn answers_json(op: &OperationDescriptor) -> Result<(), Error> {
    if op.streaming {
        return Err(Error::invalid_argument(format!(
            "{} is an event stream; use observe or listen",
            op.id
        )));
    }
    if let Some(media) = op.raw_response {
        return Err(Error::invalid_argument(format!(
            "{} answers raw bytes ({media}), not JSON; use the bytes call",
            op.id
        )));
    }
    Ok(())
}

/// The HTTP client every connection pool is built with: no redirects (credentials never reach
/// another host), `TCP_NODELAY`, the connect timeout and the `User-Agent` of the config.
fn http_client(config: &ResolvedConfig) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.timeout)
        .tcp_nodelay(true)
        .user_agent(config.client_identity.clone())
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Connection,
                format!("cannot build HTTP client: {e}"),
            )
        })
}

impl Transport {
    /// Resolve and validate `config`, then build the transport (no request is sent).
    pub fn new(config: ClientConfig) -> Result<Transport, Error> {
        Transport::from_resolved(config.resolve()?, None)
    }

    /// Build from an already resolved config; `jitter` replaces the random backoff source (tests).
    pub fn from_resolved(
        config: ResolvedConfig,
        jitter: Option<Jitter>,
    ) -> Result<Transport, Error> {
        reqwest::Url::parse(&config.base_url).map_err(|e| {
            Error::invalid_argument(format!("base_url {:?} is malformed: {e}", config.base_url))
        })?;
        let mut policy = RetryPolicy {
            max_retries: config.max_retries,
            base: config.backoff_base,
            cap: config.backoff_cap,
            ..RetryPolicy::default()
        };
        if let Some(j) = jitter {
            policy.jitter = j;
        }
        let mut base_headers = HeaderMap::new();
        let mut put = |name: &'static str, value: &str, secret: bool| -> Result<(), Error> {
            let mut v = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_argument(format!("{name} is not a valid header value"))
            })?;
            v.set_sensitive(secret);
            base_headers.insert(HeaderName::from_static(name), v);
            Ok(())
        };
        if let Some(k) = &config.api_key {
            put("x-api-key", k, true)?;
        }
        if let Some(t) = &config.actor_token {
            put("authorization", &format!("Bearer {t}"), true)?;
        }
        put("x-axme-client", &config.client_identity, false)?;
        let http = http_client(&config)?;
        let budget = RetryBudget::new(config.retry_budget);
        Ok(Transport {
            http,
            inner: Arc::new(Inner {
                config,
                policy,
                budget,
                base_headers,
            }),
        })
    }

    /// A clone with a connection pool of its own; the config and the retry budget stay shared.
    /// For a runtime other than the one this transport's connections run on, such as one per
    /// calling thread (the waist's calling-thread engines).
    pub fn with_own_connections(&self) -> Result<Transport, Error> {
        Ok(Transport {
            inner: Arc::clone(&self.inner),
            http: http_client(&self.inner.config)?,
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &ResolvedConfig {
        &self.inner.config
    }

    /// The retry policy (also used for stream reconnect backoff).
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// The retry budget shared by this client's requests.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// Call an operation: `args` holds its path/query/header parameters by name, `body`, and the
    /// per-call options. Returns the JSON response (`null` for an empty body).
    pub async fn call(&self, op: &OperationDescriptor, args: Value) -> Result<Value, Error> {
        answers_json(op)?;
        let req = prepare(op, &args, &self.inner.config)?;
        self.execute(&req).await
    }

    /// [`Transport::call`] for an operation whose request body is not JSON (a media upload):
    /// `content` is sent as it is with the operation's media type; `args` holds everything else.
    pub async fn call_with_content(
        &self,
        op: &OperationDescriptor,
        args: Value,
        content: Bytes,
    ) -> Result<Value, Error> {
        answers_json(op)?;
        let req = prepare_with_content(op, &args, Some(content), &self.inner.config)?;
        self.execute(&req).await
    }

    /// [`Transport::call`] (with `content`, [`Transport::call_with_content`]) returning the JSON
    /// response as text (`null` for an empty body) for callers that parse it in their own
    /// language: the body is checked to be JSON but never decoded into a [`Value`] and encoded
    /// again.
    pub async fn call_text(
        &self,
        op: &OperationDescriptor,
        args: Value,
        content: Option<Bytes>,
    ) -> Result<String, Error> {
        answers_json(op)?;
        let req = prepare_with_content(op, &args, content, &self.inner.config)?;
        self.with_retries(&req, || self.attempt_json_text(&req))
            .await
    }

    /// Call an operation whose success response is raw bytes (`raw_response`: a media download)
    /// and return them; `content` is a raw request body as in [`Transport::call_text`]. Error
    /// responses are JSON and become errors as usual.
    pub async fn call_bytes(
        &self,
        op: &OperationDescriptor,
        args: Value,
        content: Option<Bytes>,
    ) -> Result<Bytes, Error> {
        let Some(accept) = op.raw_response else {
            return Err(Error::invalid_argument(format!(
                "{} answers JSON, not raw bytes; use call",
                op.id
            )));
        };
        let req = prepare_with_content(op, &args, content, &self.inner.config)?;
        let raw = self
            .with_retries(&req, || self.attempt_raw(&req, accept))
            .await?;
        Ok(raw.body)
    }

    /// Send a prepared request with retries and decode its JSON response.
    pub(crate) async fn execute(&self, req: &PreparedRequest) -> Result<Value, Error> {
        self.with_retries(req, || self.attempt_json(req)).await
    }

    /// Send a prepared request with retries and return the raw 2xx response (non-2xx statuses
    /// are errors as usual). `accept` is the `Accept` header.
    pub(crate) async fn execute_raw(
        &self,
        req: &PreparedRequest,
        accept: &'static str,
    ) -> Result<RawResponse, Error> {
        self.execute_raw_checked(req, accept, Ok).await
    }

    /// [`Self::execute_raw`] with `check` applied to each attempt's 2xx response inside the
    /// retry loop, so an error it finds in a successful HTTP exchange (a JSON-RPC error) is
    /// retried by the same rules as an HTTP one.
    pub(crate) async fn execute_raw_checked<T>(
        &self,
        req: &PreparedRequest,
        accept: &'static str,
        check: impl Fn(RawResponse) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.with_retries(req, || async {
            check(self.attempt_raw(req, accept).await?)
        })
        .await
    }

    /// Open an SSE response (retrying the connect phase like any read) and return its body.
    pub(crate) async fn open_sse(
        &self,
        req: &PreparedRequest,
        last_event_id: Option<u64>,
    ) -> Result<ByteStream, Error> {
        let resp = self
            .with_retries(req, || self.attempt_sse(req, last_event_id))
            .await?;
        let trace = req.trace_id.clone();
        Ok(Box::pin(resp.bytes_stream().map(move |r| {
            r.map_err(|e| map_reqwest(e, "reading the event stream").with_trace_id(trace.clone()))
        })))
    }

    async fn with_retries<T, F, Fut>(
        &self,
        req: &PreparedRequest,
        mut attempt_fn: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let span = tracing::info_span!(
            "axme.request",
            op = req.op_id,
            method = req.method.as_str(),
            trace_id = req.trace_id.as_deref().unwrap_or("")
        );
        async {
            let inner = &self.inner;
            let mut retries = 0;
            loop {
                let err = match attempt_fn().await {
                    Ok(v) => {
                        inner.budget.on_success();
                        return Ok(v);
                    }
                    Err(e) => e.with_trace_id(req.trace_id.clone()),
                };
                if retries >= inner.policy.max_retries || !req.retry_safe || !err.is_retryable() {
                    tracing::debug!(kind = %err.kind(), status = ?err.status(), retries, "request failed");
                    return Err(err);
                }
                let cause = if err.kind() == ErrorKind::Timeout { RetryCause::Timeout } else { RetryCause::Error };
                if !inner.budget.try_acquire(cause) {
                    tracing::warn!(kind = %err.kind(), "retry budget exhausted; not retrying");
                    return Err(err);
                }
                let delay = inner.policy.delay(retries, err.retry_after());
                tracing::debug!(kind = %err.kind(), status = ?err.status(), ?delay, retry = retries + 1, "retrying");
                tokio::time::sleep(delay).await;
                retries += 1;
            }
        }
        .instrument(span)
        .await
    }

    fn builder(&self, req: &PreparedRequest) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.inner.config.base_url, req.path_and_query);
        let method = match req.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut headers = self.inner.base_headers.clone();
        for (name, value) in &req.headers {
            // Values were checked to be printable ASCII in `request::prepare`.
            if let (Ok(n), Ok(mut v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                v.set_sensitive(*name == "authorization");
                headers.insert(n, v);
            }
        }
        let mut b = self.http.request(method, url).headers(headers);
        if let Some(body) = &req.body {
            b = b
                .header(
                    "content-type",
                    req.content_type.unwrap_or("application/json"),
                )
                .body(body.clone());
        }
        b
    }

    async fn attempt_json(&self, req: &PreparedRequest) -> Result<Value, Error> {
        let body = self.attempt_json_body(req).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body)
            .map_err(|e| Error::protocol(format!("response to {} is not JSON: {e}", req.op_id)))
    }

    async fn attempt_json_text(&self, req: &PreparedRequest) -> Result<String, Error> {
        let body = self.attempt_json_body(req).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok("null".to_string());
        }
        let not_json = |e: &dyn std::fmt::Display| {
            Error::protocol(format!("response to {} is not JSON: {e}", req.op_id))
        };
        serde_json::from_slice::<serde::de::IgnoredAny>(&body).map_err(|e| not_json(&e))?;
        String::from_utf8(body.to_vec()).map_err(|e| not_json(&e))
    }

    /// One attempt of a request answered with JSON: the 2xx body, or the error of another status.
    async fn attempt_json_body(&self, req: &PreparedRequest) -> Result<Bytes, Error> {
        let timeout = req.timeout.unwrap_or(self.inner.config.timeout);
        let resp = self
            .builder(req)
            .header("accept", "application/json")
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| map_reqwest(e, "sending the request"))?;
        let status = resp.status().as_u16();
        let meta = response_meta(resp.headers());
        let body = resp
            .bytes()
            .await
            .map_err(|e| map_reqwest(e, "reading the response"))?;
        if !(200..300).contains(&status) {
            return Err(Error::from_response(status, meta, &body));
        }
        Ok(body)
    }

    async fn attempt_raw(
        &self,
        req: &PreparedRequest,
        accept: &'static str,
    ) -> Result<RawResponse, Error> {
        let timeout = req.timeout.unwrap_or(self.inner.config.timeout);
        let resp = self
            .builder(req)
            .header("accept", accept)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| map_reqwest(e, "sending the request"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers();
        let meta = response_meta(headers);
        let get = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = get("content-type").unwrap_or_default().to_ascii_lowercase();
        let session_id = get("mcp-session-id");
        let body = resp
            .bytes()
            .await
            .map_err(|e| map_reqwest(e, "reading the response"))?;
        if !(200..300).contains(&status) {
            return Err(Error::from_response(status, meta, &body));
        }
        Ok(RawResponse {
            status,
            content_type,
            session_id,
            request_id: meta.request_id,
            body,
        })
    }

    async fn attempt_sse(
        &self,
        req: &PreparedRequest,
        last_event_id: Option<u64>,
    ) -> Result<reqwest::Response, Error> {
        let timeout = req.timeout.unwrap_or(self.inner.config.timeout);
        let mut b = self.builder(req).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            b = b.header("last-event-id", id.to_string());
        }
        let resp = match tokio::time::timeout(timeout, b.send()).await {
            Ok(r) => r.map_err(|e| map_reqwest(e, "opening the event stream"))?,
            Err(_) => return Err(timed_out(timeout)),
        };
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let meta = response_meta(resp.headers());
            let body = match tokio::time::timeout(timeout, resp.bytes()).await {
                Ok(Ok(b)) => b,
                _ => Bytes::new(),
            };
            return Err(Error::from_response(status, meta, &body));
        }
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ctype.to_ascii_lowercase().starts_with("text/event-stream") {
            return Err(Error::protocol(format!(
                "{} answered {status} with content-type {ctype:?}, not text/event-stream",
                req.op_id
            )));
        }
        Ok(resp)
    }
}

/// The descriptor of an operation id, or an `invalid_argument` naming it.
pub fn find_op(op_id: &str) -> Result<&'static OperationDescriptor, Error> {
    operations::find(op_id)
        .ok_or_else(|| Error::invalid_argument(format!("unknown operation {op_id:?}")))
}

fn timed_out(after: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!("request timed out after {after:?}"),
    )
}

fn response_meta(h: &HeaderMap) -> ResponseMeta {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    ResponseMeta {
        request_id: get("x-request-id")
            .or_else(|| get("request-id"))
            .map(str::to_string),
        retry_after: parse_retry_after(
            get("retry-after-ms"),
            get("retry-after"),
            SystemTime::now(),
        ),
        should_retry: should_retry_header(get("x-should-retry")),
    }
}

/// Map a reqwest error to a kind; the message keeps the cause chain (never headers).
fn map_reqwest(e: reqwest::Error, doing: &str) -> Error {
    let mut msg = format!("{doing}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_builder() {
        ErrorKind::InvalidArgument
    } else {
        // Body read failures surface as "decode" errors in reqwest; they are broken connections.
        ErrorKind::Connection
    };
    Error::new(kind, msg)
}
