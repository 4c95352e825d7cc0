//! Fault injection (spec/faults.md): every action asserted on what a client sees, rule matching by
//! method, route and attempt, the request journal, and isolation between credentials.

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{intent_body, spec, Api, TestServer};

// ---------------------------------------------------------------------------------------------------
// Helpers: a raw HTTP client (no spec validation) and a complete SSE parser for every valid framing.
// ---------------------------------------------------------------------------------------------------

/// A response read in full by a raw client.
#[derive(Debug)]
pub struct RawResp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl RawResp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Sends a request with `x-api-key` and raw body bytes; panics on a transport error.
pub async fn raw_send(
    api: &Api,
    method: Method,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> RawResp {
    let result = raw_try(api, method.clone(), path, body, headers).await;
    result.unwrap_or_else(|e| panic!("{method} {path}: transport error {e}"))
}

pub async fn raw_try(
    api: &Api,
    method: Method,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<RawResp, reqwest::Error> {
    let mut req = api
        .http
        .request(method, format!("{}{path}", api.base))
        .header("x-api-key", &api.key);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await?;
    Ok(RawResp {
        status,
        headers,
        text,
    })
}

/// An SSE response body as received: every body frame, and whether it ended with an error.
#[derive(Debug)]
pub struct RawStream {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub chunks: Vec<Bytes>,
    pub aborted: bool,
}

impl RawStream {
    pub fn bytes(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.bytes()).expect("SSE body is UTF-8")
    }

    pub fn parsed(&self) -> ParsedSse {
        parse_sse(&self.bytes())
    }
}

/// Reads an SSE stream until the server ends it (cleanly or not), or until `stop` holds for the events
/// parsed so far; the whole read is bounded so a broken server fails the test instead of hanging.
pub async fn raw_stream_until(
    api: &Api,
    path: &str,
    headers: &[(&str, &str)],
    stop: impl Fn(&[WireEvent]) -> bool,
) -> RawStream {
    let mut req = api
        .http
        .get(format!("{}{path}", api.base))
        .header("x-api-key", &api.key);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("stream opened");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut chunks = Vec::new();
    let mut aborted = false;
    let mut body = resp.bytes_stream();
    let read = async {
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(bytes) => chunks.push(bytes),
                Err(_) => {
                    aborted = true;
                    break;
                }
            }
            if stop(&parse_sse(&chunks.concat()).events) {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(70), read)
        .await
        .expect("stream ended in time");
    RawStream {
        status,
        headers,
        chunks,
        aborted,
    }
}

pub async fn raw_stream(api: &Api, path: &str) -> RawStream {
    raw_stream_until(api, path, &[], |_| false).await
}

/// One dispatched SSE event.
#[derive(Clone, Debug, PartialEq)]
pub struct WireEvent {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

#[derive(Clone, Debug, Default)]
pub struct ParsedSse {
    pub events: Vec<WireEvent>,
    /// Comment lines (`:` …) seen.
    pub comments: usize,
    /// `data:` lines of each dispatched event.
    pub data_lines: Vec<usize>,
    /// Whether a comment line sat inside the block of a dispatched event.
    pub comment_inside_event: bool,
}

/// Parses an event stream the way the HTML standard says a client must: an optional leading BOM, lines
/// ended by CR LF, LF or a lone CR, comments, `data` lines joined with LF, dispatch on a blank line. A
/// trailing incomplete line or event is ignored.
pub fn parse_sse(bytes: &[u8]) -> ParsedSse {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut current));
            }
            '\n' => lines.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    let mut parsed = ParsedSse::default();
    let (mut id, mut event, mut data) = (None, String::new(), Vec::<String>::new());
    let mut comment_in_block = false;
    for line in lines {
        if line.is_empty() {
            if !data.is_empty() {
                let joined = data.join("\n");
                let value = serde_json::from_str(&joined)
                    .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {joined:?}"));
                let name = if event.is_empty() {
                    "message".to_string()
                } else {
                    std::mem::take(&mut event)
                };
                parsed.data_lines.push(data.len());
                parsed.events.push(WireEvent {
                    id,
                    event: name,
                    data: value,
                });
                parsed.comment_inside_event |= comment_in_block;
            }
            id = None;
            event.clear();
            data.clear();
            comment_in_block = false;
            continue;
        }
        if line.starts_with(':') {
            parsed.comments += 1;
            comment_in_block = true;
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (
                field.to_string(),
                value.strip_prefix(' ').unwrap_or(value).to_string(),
            ),
            None => (line.clone(), String::new()),
        };
        match field.as_str() {
            "id" => {
                id = Some(
                    value
                        .parse()
                        .unwrap_or_else(|_| panic!("id {value:?} is not a number")),
                )
            }
            "event" => event = value,
            "data" => data.push(value),
            _ => {}
        }
    }
    parsed
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn fingerprint(key: &str) -> String {
    format!("fp:{}", &sha256_hex(key.as_bytes())[..12])
}

async fn add_rules_raw(ts: &TestServer, credential_id: &str, body: Value) -> RawResp {
    let api = ts.anonymous();
    let resp = api
        .http
        .post(format!(
            "{}/_faults/credentials/{credential_id}/rules",
            ts.base
        ))
        .json(&body)
        .send()
        .await
        .expect("rules request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    RawResp {
        status,
        headers,
        text: resp.text().await.expect("body"),
    }
}

/// Intents visible to a credential.
async fn intent_count(api: &Api) -> usize {
    let listed = api.get("/v1/intents?limit=200").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.body["intents"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default()
}

fn create_body() -> String {
    intent_body("agent://tests/worker").to_string()
}

// ---------------------------------------------------------------------------------------------------
// respond
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn respond_503_with_retry_after_seconds_and_a_body() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("respond-503").await;
    let body = json!({"error": {"code": "unavailable", "message": "try later", "details": {"why": "test"}}, "detail": "try later"});
    ts.add_rules(
        &cred,
        json!([{"match": {"method": "POST", "route": "/v1/intents", "attempt": 1},
                "action": {"type": "respond", "status": 503, "headers": {"Retry-After": "2"}, "body": body}}]),
    )
    .await;

    let faulted = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(faulted.status, 503, "{}", faulted.text);
    assert_eq!(faulted.header("retry-after"), Some("2"));
    assert!(faulted
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/json"));
    assert!(
        faulted
            .header("x-request-id")
            .is_some_and(|v| !v.is_empty()),
        "x-request-id is still added"
    );
    assert_eq!(faulted.json(), body);
    assert_eq!(
        intent_count(&api).await,
        0,
        "a faulted create executes nothing"
    );

    let served = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(served.status, 200, "{}", served.text);
    assert_eq!(served.header("retry-after"), None);
    assert_eq!(intent_count(&api).await, 1);
}

#[tokio::test]
async fn respond_503_with_retry_after_as_an_http_date() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("respond-date").await;
    let date = "Sun, 22 Nov 2026 05:29:26 GMT";
    ts.add_rules(
        &cred,
        json!([{"match": {"method": "GET", "route": "/v1/intents/{intent_id}"},
                "action": {"type": "respond", "status": 503, "headers": {"Retry-After": date, "X-Test-Fault": "yes"},
                           "body": {"error": {"code": "unavailable", "message": "maintenance", "details": {}}, "detail": "maintenance"}}}]),
    )
    .await;
    let intent_id = api.create().await;
    for _ in 0..2 {
        let faulted = raw_send(
            &api,
            Method::GET,
            &format!("/v1/intents/{intent_id}"),
            None,
            &[],
        )
        .await;
        assert_eq!(faulted.status, 503);
        assert_eq!(faulted.header("retry-after"), Some(date));
        assert!(
            httpdate::parse_http_date(faulted.header("retry-after").unwrap_or_default()).is_ok()
        );
        assert_eq!(faulted.header("x-test-fault"), Some("yes"));
        assert_eq!(faulted.json()["error"]["message"], "maintenance");
    }
}

#[tokio::test]
async fn respond_429_and_500_with_the_usual_error_bodies() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("respond-4xx-5xx").await;
    ts.add_rules(
        &cred,
        json!([
            {"match": {"method": "POST", "route": "/v1/intents", "attempt": 1},
             "action": {"type": "respond", "status": 429, "headers": {"Retry-After": 1}}},
            {"match": {"method": "POST", "route": "/v1/intents", "attempt": 2},
             "action": {"type": "respond", "status": 500}},
        ]),
    )
    .await;
    let limited = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    let failed = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(failed.status, 500);
    for (resp, code) in [(&limited, "rate_limited"), (&failed, "internal_error")] {
        let body = resp.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(body["error"]["details"].is_object(), "{body}");
        assert_eq!(body["detail"], body["error"]["message"], "{body}");
        if let Err(failure) = spec().validate_response("POST", "/v1/intents", resp.status, &body) {
            panic!(
                "injected {} does not match the spec's error body: {failure}\n{body}",
                resp.status
            );
        }
    }
    assert_eq!(intent_count(&api).await, 0);
    let served = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(served.status, 200, "{}", served.text);
}

// ---------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn rules_match_by_method_route_and_attempt() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("matching").await;
    ts.add_rules(
        &cred,
        json!([
            {"match": {"method": "post", "route": "/v1/intents", "attempt": 1}, "action": {"type": "respond", "status": 503}},
            {"match": {"method": "GET", "route": "/v1/intents/{intent_id}", "attempt": 2}, "action": {"type": "respond", "status": 500}},
            {"match": {"method": "GET", "route": "/v1/intents/{intent_id}/events"}, "action": {"type": "respond", "status": 502}},
        ]),
    )
    .await;

    // POST /v1/intents: attempt 1 faulted, attempt 2 served, attempt 3 served.
    let first = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(first.status, 503);
    let second = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let a = second.json()["intent_id"]
        .as_str()
        .expect("intent_id")
        .to_string();
    let third = raw_send(&api, Method::POST, "/v1/intents", Some(&create_body()), &[]).await;
    assert_eq!(third.status, 200);
    let b = third.json()["intent_id"]
        .as_str()
        .expect("intent_id")
        .to_string();

    // GET /v1/intents is another method+route: its first attempt is not the POST's.
    assert_eq!(
        raw_send(&api, Method::GET, "/v1/intents", None, &[])
            .await
            .status,
        200
    );

    // GET /v1/intents/{intent_id}: counted per route template, across concrete ids.
    assert_eq!(
        raw_send(&api, Method::GET, &format!("/v1/intents/{a}"), None, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        raw_send(&api, Method::GET, &format!("/v1/intents/{b}"), None, &[])
            .await
            .status,
        500
    );
    assert_eq!(
        raw_send(&api, Method::GET, &format!("/v1/intents/{a}"), None, &[])
            .await
            .status,
        200
    );

    // No attempt: every request of that method+route.
    for id in [&a, &b, &a] {
        assert_eq!(
            raw_send(
                &api,
                Method::GET,
                &format!("/v1/intents/{id}/events"),
                None,
                &[]
            )
            .await
            .status,
            502
        );
    }
    // Another method on a faulted route is not matched.
    let resolved = raw_send(
        &api,
        Method::POST,
        &format!("/v1/intents/{a}/resolve"),
        Some(r#"{"status":"COMPLETED"}"#),
        &[],
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);

    let log = ts.requests(&cred).await;
    let seen: Vec<(String, String, u64, u64)> = log
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or_default().to_string(),
                r["route"].as_str().unwrap_or_default().to_string(),
                r["attempt"].as_u64().unwrap_or_default(),
                r["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, u64)> = [
        ("POST", "/v1/intents", 1, 503),
        ("POST", "/v1/intents", 2, 200),
        ("POST", "/v1/intents", 3, 200),
        ("GET", "/v1/intents", 1, 200),
        ("GET", "/v1/intents/{intent_id}", 1, 200),
        ("GET", "/v1/intents/{intent_id}", 2, 500),
        ("GET", "/v1/intents/{intent_id}", 3, 200),
        ("GET", "/v1/intents/{intent_id}/events", 1, 502),
        ("GET", "/v1/intents/{intent_id}/events", 2, 502),
        ("GET", "/v1/intents/{intent_id}/events", 3, 502),
        ("POST", "/v1/intents/{intent_id}/resolve", 1, 200),
    ]
    .into_iter()
    .map(|(m, r, a, s)| (m.to_string(), r.to_string(), a, s))
    .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn clearing_rules_stops_faults_but_keeps_the_journal() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("clear").await;
    ts.add_rules(&cred, json!([{"match": {}, "action": {"type": "respond", "status": 503}}, {"match": {"route": "/nope"}, "action": {"type": "reset"}}])).await;
    assert_eq!(
        raw_send(&api, Method::GET, "/v1/intents", None, &[])
            .await
            .status,
        503
    );
    let cleared = ts
        .anonymous()
        .http
        .delete(format!("{}/_faults/credentials/{cred}/rules", ts.base))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status().as_u16(), 200);
    let cleared: Value = cleared.json().await.expect("json");
    assert_eq!(cleared, json!({"ok": true, "cleared": 2}));
    if let Err(failure) = spec().validate_response(
        "DELETE",
        &format!("/_faults/credentials/{cred}/rules"),
        200,
        &cleared,
    ) {
        panic!("{failure}");
    }
    assert_eq!(
        raw_send(&api, Method::GET, "/v1/intents", None, &[])
            .await
            .status,
        200
    );
    let log = ts.requests(&cred).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["attempt"], 2);
}

// ---------------------------------------------------------------------------------------------------
// delay and reset
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn delay_holds_the_request_then_serves_it() {
    const DELAY_MS: u64 = 400;
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("delay").await;
    let intent_id = api.create().await;
    ts.add_rules(&cred, json!([{"match": {"method": "GET", "route": "/v1/intents/{intent_id}", "attempt": 1}, "action": {"type": "delay", "ms": DELAY_MS}}]))
        .await;
    let path = format!("/v1/intents/{intent_id}");
    let started = Instant::now();
    let delayed = raw_send(&api, Method::GET, &path, None, &[]).await;
    let delayed_rtt = started.elapsed();
    assert_eq!(delayed.status, 200, "served normally after the delay");
    assert_eq!(delayed.json()["intent"]["intent_id"], intent_id.as_str());
    assert!(
        delayed_rtt.as_millis() >= u128::from(DELAY_MS),
        "round trip {delayed_rtt:?} < {DELAY_MS} ms"
    );

    // The next request was sent after the delayed one was answered, so it arrived at least the delay later.
    let plain = raw_send(&api, Method::GET, &path, None, &[]).await;
    assert_eq!(plain.status, 200);
    let log = ts.requests(&cred).await;
    let (first, second) = (&log[log.len() - 2], &log[log.len() - 1]);
    assert_eq!(
        (first["attempt"].as_u64(), second["attempt"].as_u64()),
        (Some(1), Some(2))
    );
    let gap = second["elapsed_ms"].as_f64().expect("elapsed_ms")
        - first["elapsed_ms"].as_f64().expect("elapsed_ms");
    assert!(
        gap >= DELAY_MS as f64,
        "journal gap {gap} ms < {DELAY_MS} ms"
    );
    assert_eq!(first["status"], 200);
}

#[tokio::test]
async fn reset_drops_the_connection_without_a_response() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("reset").await;
    ts.add_rules(&cred, json!([{"match": {"method": "POST", "route": "/v1/intents", "attempt": 1}, "action": {"type": "reset"}}])).await;
    let body = create_body();
    let outcome = raw_try(
        &api,
        Method::POST,
        "/v1/intents",
        Some(&body),
        &[("Idempotency-Key", "reset-1")],
    )
    .await;
    let err = match outcome {
        Ok(resp) => panic!(
            "expected a connection error, got HTTP {} {}",
            resp.status, resp.text
        ),
        Err(err) => err,
    };
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    assert_eq!(
        intent_count(&api).await,
        0,
        "a reset request executes nothing"
    );

    // The retry with the same key is served and creates the intent once.
    let retried = raw_send(
        &api,
        Method::POST,
        "/v1/intents",
        Some(&body),
        &[("Idempotency-Key", "reset-1")],
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), None);
    assert_eq!(intent_count(&api).await, 1);

    let log = ts.requests(&cred).await;
    let creates: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(creates.len(), 2, "{log:?}");
    assert_eq!(
        creates[0]["status"],
        Value::Null,
        "a reset request has no status: {}",
        creates[0]
    );
    assert_eq!(creates[1]["status"], 200);
    assert_eq!(creates[0]["headers"]["idempotency-key"], json!(["reset-1"]));
    assert_eq!(
        creates[0]["headers"]["idempotency-key"],
        creates[1]["headers"]["idempotency-key"]
    );
    assert_eq!(creates[0]["body_sha256"], creates[1]["body_sha256"]);
    assert_eq!(creates[0]["ended"], "fault_reset", "{}", creates[0]);
    assert_eq!(creates[1]["ended"], "completed", "{}", creates[1]);
}

/// The journal entry at `index` once `ended` is set (the end is recorded when the connection's
/// task lets go of the request, which may be a moment after the client has).
async fn ended_entry(ts: &TestServer, cred: &str, index: usize) -> Value {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let log = ts.requests(cred).await;
        if let Some(entry) = log.get(index).filter(|e| !e["ended"].is_null()) {
            return entry.clone();
        }
        assert!(
            Instant::now() < deadline,
            "entry {index} never ended: {log:?}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_client_that_gives_up_during_a_delay_is_journaled_as_client_closed() {
    const DELAY_MS: u64 = 30_000;
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("client-closed").await;
    let intent_id = api.create().await;
    ts.add_rules(&cred, json!([{"match": {"method": "GET", "route": "/v1/intents/{intent_id}"}, "action": {"type": "delay", "ms": DELAY_MS}}]))
        .await;
    let before = ts.requests(&cred).await.len();
    let path = format!("/v1/intents/{intent_id}");
    let call = tokio::spawn({
        let api = api.clone();
        async move { raw_try(&api, Method::GET, &path, None, &[]).await }
    });
    // Wait until the server holds the request, then give up on it: the connection closes.
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while ts.requests(&cred).await.len() == before {
        assert!(Instant::now() < deadline, "the request never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    call.abort();
    let entry = ended_entry(&ts, &cred, before).await;
    assert_eq!(entry["ended"], "client_closed", "{entry}");
    assert_eq!(entry["status"], Value::Null, "{entry}");
    let held = entry["ended_ms"].as_f64().unwrap() - entry["elapsed_ms"].as_f64().unwrap();
    assert!(
        (0.0..DELAY_MS as f64).contains(&held),
        "ended {held} ms after arrival, before the delayed answer"
    );
}

#[tokio::test]
async fn a_stream_closed_mid_window_is_client_closed_and_a_finished_one_completed() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("stream-closed").await;
    let open = api.create().await;
    let done = finished_intent(&api).await;
    let before = ts.requests(&cred).await.len();

    // A stream that ends by itself after the terminal event.
    let finished = api.sse(&stream_path(&done), &[]).await;
    assert!(!finished.events().is_empty());
    let entry = ended_entry(&ts, &cred, before).await;
    assert_eq!(
        (entry["ended"].as_str(), entry["status"].as_u64()),
        (Some("completed"), Some(200))
    );

    // A window left open (nothing terminal), read until the backlog is in, then dropped.
    let resp = api
        .http
        .get(format!("{}{}", api.base, stream_path(&open)))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.bytes_stream();
    let first = body.next().await.expect("a first frame").unwrap();
    assert!(!first.is_empty());
    drop(body);
    let entry = ended_entry(&ts, &cred, before + 1).await;
    assert_eq!(
        (entry["ended"].as_str(), entry["status"].as_u64()),
        (Some("client_closed"), Some(200))
    );
    let open_for = entry["ended_ms"].as_f64().unwrap() - entry["elapsed_ms"].as_f64().unwrap();
    assert!(
        open_for < 10_000.0,
        "closed after {open_for} ms, before the 10 s window ended"
    );
}

// ---------------------------------------------------------------------------------------------------
// SSE
// ---------------------------------------------------------------------------------------------------

/// A completed intent (4 events: created, submitted, delivered, completed), so its stream ends by
/// itself right after the terminal event.
async fn finished_intent(api: &Api) -> String {
    let intent_id = api.create().await;
    let resolved = api.resolve(&intent_id, "COMPLETED").await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    intent_id
}

fn stream_path(intent_id: &str) -> String {
    format!("/v1/intents/{intent_id}/events/stream?since=0&wait_seconds=10")
}

fn seqs(events: &[WireEvent]) -> Vec<i64> {
    events.iter().filter_map(|e| e.id).collect()
}

#[tokio::test]
async fn sse_drop_after_events_cuts_the_connection() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("sse-drop").await;
    let intent_id = finished_intent(&api).await;
    ts.add_rules(
        &cred,
        json!([
            {"match": {"route": "/v1/intents/{intent_id}/events/stream", "attempt": 1}, "action": {"type": "sse", "drop_after_events": 2}},
            {"match": {"route": "/v1/intents/{intent_id}/events/stream", "attempt": 2}, "action": {"type": "sse", "drop_after_events": 0}},
        ]),
    )
    .await;

    let cut = api.sse(&stream_path(&intent_id), &[]).await;
    assert_eq!(cut.status, 200);
    assert!(
        cut.aborted,
        "the connection ends with an error, not a clean close: {:?}",
        cut.raw
    );
    assert_eq!(cut.seqs(), vec![1, 2]);
    assert!(
        cut.timeout().is_none(),
        "no stream.timeout on a dropped stream"
    );

    let at_once = api.sse(&stream_path(&intent_id), &[]).await;
    assert_eq!(at_once.status, 200);
    assert!(at_once.aborted);
    assert!(at_once.frames.is_empty(), "{:?}", at_once.raw);

    // The resume by Last-Event-ID is served in full and ends cleanly.
    let resumed = api
        .sse(&stream_path(&intent_id), &[("Last-Event-ID", "2")])
        .await;
    assert!(!resumed.aborted);
    assert_eq!(resumed.seqs(), vec![3, 4]);
    let log = ts.requests(&cred).await;
    assert_eq!(log[log.len() - 1]["headers"]["last-event-id"], json!(["2"]));
}

#[tokio::test]
async fn sse_duplicate_events_sends_each_frame_twice() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("sse-dup").await;
    let intent_id = finished_intent(&api).await;
    let normal = raw_stream(&api, &stream_path(&intent_id)).await;
    ts.add_rules(&cred, json!([{"match": {"route": "/v1/intents/{intent_id}/events/stream"}, "action": {"type": "sse", "duplicate_events": true}}])).await;
    let doubled = raw_stream(&api, &stream_path(&intent_id)).await;
    assert!(!doubled.aborted);
    let events = doubled.parsed().events;
    assert_eq!(seqs(&events), vec![1, 1, 2, 2, 3, 3, 4, 4]);
    for pair in events.chunks(2) {
        assert_eq!(pair[0], pair[1], "same id, same data");
    }
    let expected: Vec<WireEvent> = normal
        .parsed()
        .events
        .into_iter()
        .flat_map(|e| [e.clone(), e])
        .collect();
    assert_eq!(events, expected);
}

#[tokio::test]
async fn sse_framings_are_valid_and_carry_the_same_events() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("sse-framing").await;
    let intent_id = finished_intent(&api).await;
    let normal = raw_stream(&api, &stream_path(&intent_id)).await;
    let normal_text = normal.text();
    let baseline = normal.parsed();
    assert_eq!(seqs(&baseline.events), vec![1, 2, 3, 4]);
    assert!(!normal_text.contains('\r') && !normal_text.starts_with('\u{feff}'));
    assert!(
        baseline.data_lines.iter().all(|n| *n == 1),
        "normal framing has one-line data"
    );
    assert_eq!(baseline.comments, 0);
    assert!(normal.chunks.iter().any(|c| c.len() > 1));

    let framings = ["crlf", "cr", "bom", "comments", "multiline", "bytewise"];
    let rules: Vec<Value> = framings
        .iter()
        .enumerate()
        .map(|(i, framing)| json!({"match": {"method": "GET", "route": "/v1/intents/{intent_id}/events/stream", "attempt": i + 2}, "action": {"type": "sse", "framing": framing}}))
        .collect();
    ts.add_rules(&cred, Value::Array(rules)).await;

    for framing in framings {
        let stream = raw_stream(&api, &stream_path(&intent_id)).await;
        assert_eq!(stream.status, 200, "{framing}");
        assert!(!stream.aborted, "{framing}");
        assert_eq!(
            stream
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream"),
            "{framing}"
        );
        let bytes = stream.bytes();
        let text = stream.text();
        let parsed = stream.parsed();
        assert_eq!(
            parsed.events, baseline.events,
            "{framing}: a correct client sees the same events"
        );
        match framing {
            "crlf" => {
                assert!(text.contains("\r\n\r\n"), "{text:?}");
                let bare_lf = text
                    .match_indices('\n')
                    .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] != b'\r');
                let bare_cr = text
                    .match_indices('\r')
                    .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'));
                assert!(!bare_lf && !bare_cr, "every line ends with CR LF: {text:?}");
            }
            "cr" => {
                assert!(text.contains("\r\r"), "{text:?}");
                assert!(!text.contains('\n'), "lone CR only: {text:?}");
            }
            "bom" => {
                assert!(
                    bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
                    "leading U+FEFF: {:?}",
                    &bytes[..8.min(bytes.len())]
                );
                assert_eq!(
                    &text['\u{feff}'.len_utf8()..],
                    normal_text,
                    "otherwise the normal framing"
                );
            }
            "comments" => {
                assert!(parsed.comments >= baseline.events.len(), "{text:?}");
                assert!(text.lines().any(|l| l.starts_with(':')), "{text:?}");
                assert!(
                    parsed.comment_inside_event,
                    "a comment line inside an event: {text:?}"
                );
            }
            "multiline" => {
                assert!(
                    parsed.data_lines.iter().all(|n| *n > 1),
                    "several data: lines per event: {:?}",
                    parsed.data_lines
                );
                let first_event_block = text.split("\n\n").next().unwrap_or_default();
                assert!(
                    first_event_block.matches("\ndata: ").count() > 1,
                    "{first_event_block:?}"
                );
            }
            "bytewise" => {
                assert_eq!(
                    bytes,
                    normal.bytes(),
                    "the same bytes as the normal framing"
                );
                assert!(
                    stream.chunks.len() >= bytes.len() / 2,
                    "{} body frames for {} bytes",
                    stream.chunks.len(),
                    bytes.len()
                );
                assert!(
                    stream.chunks.iter().all(|c| c.len() == 1),
                    "one byte per chunk"
                );
            }
            _ => unreachable!(),
        }
    }
    let log = ts.requests(&cred).await;
    assert_eq!(
        log.len(),
        1 + framings.len() + 2,
        "create, resolve, 7 streams"
    );
}

#[tokio::test]
async fn sse_rules_apply_to_the_agent_listen_stream_by_its_template() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("sse-listen").await;
    for _ in 0..3 {
        api.create_to("agent://tests/listen/worker").await;
    }
    let route = "/v1/agents/{address}/intents/stream";
    ts.add_rules(&cred, json!([{"match": {"method": "GET", "route": route, "attempt": 1}, "action": {"type": "sse", "drop_after_events": 1, "framing": "crlf"}}])).await;
    let path = "/v1/agents/tests/listen/worker/intents/stream?since=0&wait_seconds=1";
    let cut = raw_stream(&api, path).await;
    assert_eq!(cut.status, 200);
    assert!(cut.aborted, "{:?}", cut.text());
    assert!(cut.text().contains("\r\n"));
    assert_eq!(cut.parsed().events.len(), 1);

    let whole = raw_stream(&api, path).await;
    assert!(!whole.aborted);
    let events = whole.parsed().events;
    assert_eq!(
        events.len(),
        4,
        "3 deliveries and stream.timeout: {events:?}"
    );
    assert_eq!(events[3].event, "stream.timeout");

    let log = ts.requests(&cred).await;
    let streams: Vec<&Value> = log.iter().filter(|r| r["method"] == "GET").collect();
    assert_eq!(streams.len(), 2);
    for (i, entry) in streams.iter().enumerate() {
        assert_eq!(entry["route"], route, "{entry}");
        assert_eq!(
            entry["path"],
            "/v1/agents/tests/listen/worker/intents/stream"
        );
        assert_eq!(entry["query"], "since=0&wait_seconds=1");
        assert_eq!(entry["attempt"], i + 1);
        assert_eq!(entry["status"], 200);
    }
}

// ---------------------------------------------------------------------------------------------------
// The journal
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn journal_records_each_request_without_secrets() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("journal").await;
    let body = r#"{"intent_type":"tests.task.v1","to_agent":"agent://tests/worker","payload":{"n":1,"text":"journal"}}"#;
    let created = raw_send(
        &api,
        Method::POST,
        "/v1/intents",
        Some(body),
        &[
            ("Idempotency-Key", "journal-key-1"),
            ("X-Axme-Client", "axme-sdk-rust/0.3.0"),
            ("X-Trace-Id", "trace-1"),
        ],
    )
    .await;
    assert_eq!(created.status, 200);
    let intent_id = created.json()["intent_id"]
        .as_str()
        .expect("intent_id")
        .to_string();
    let replayed = raw_send(
        &api,
        Method::POST,
        "/v1/intents",
        Some(body),
        &[("Idempotency-Key", "journal-key-1")],
    )
    .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));

    // Bearer instead of x-api-key, with a query string.
    let bearer = api
        .http
        .get(format!("{}/v1/intents?limit=5&status=DELIVERED", ts.base))
        .header("Authorization", format!("Bearer {}", api.key))
        .send()
        .await
        .expect("bearer request");
    assert_eq!(bearer.status().as_u16(), 200);
    assert_eq!(
        raw_send(
            &api,
            Method::GET,
            &format!("/v1/intents/{intent_id}"),
            None,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        raw_send(&api, Method::GET, "/v1/no/such/route", None, &[])
            .await
            .status,
        404
    );

    let journal = ts
        .anonymous()
        .get(&format!("/_faults/credentials/{cred}/requests"))
        .await;
    assert_eq!(journal.status, 200);
    if let Err(failure) = spec().validate_response(
        "GET",
        &format!("/_faults/credentials/{cred}/requests"),
        200,
        &journal.body,
    ) {
        panic!(
            "journal does not match spec/openapi.yaml: {failure}\n{}",
            journal.body
        );
    }
    let text = journal.body.to_string();
    let secret = api.key.rsplit('_').next().expect("secret part");
    assert!(
        !text.contains(&api.key),
        "the raw key never appears in the journal"
    );
    assert!(!text.contains(secret), "nor its secret part");

    let log = journal.body["requests"]
        .as_array()
        .expect("requests")
        .clone();
    assert_eq!(log.len(), 5, "{log:#?}");
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(entry["index"], i);
        let at = entry["at"].as_str().expect("at");
        assert!(
            at.ends_with('Z') && at.len() == "2026-11-22T05:29:24.123456Z".len(),
            "{at}"
        );
        assert_eq!(
            entry["headers"]["x-api-key"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(1),
            1
        );
    }
    let elapsed: Vec<f64> = log
        .iter()
        .map(|e| e["elapsed_ms"].as_f64().expect("elapsed_ms"))
        .collect();
    assert!(elapsed.windows(2).all(|w| w[0] <= w[1]), "{elapsed:?}");

    let fp = fingerprint(&api.key);
    let (create, replay, listed, read, unknown) = (&log[0], &log[1], &log[2], &log[3], &log[4]);
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/v1/intents");
    assert_eq!(create["route"], "/v1/intents");
    assert_eq!(create["query"], Value::Null);
    assert_eq!(create["attempt"], 1);
    assert_eq!(create["status"], 200);
    assert_eq!(create["headers"]["x-api-key"], json!([fp]));
    assert_eq!(
        create["headers"]["idempotency-key"],
        json!(["journal-key-1"])
    );
    assert_eq!(
        create["headers"]["x-axme-client"],
        json!(["axme-sdk-rust/0.3.0"])
    );
    assert_eq!(create["headers"]["x-trace-id"], json!(["trace-1"]));
    assert_eq!(
        create["headers"]["content-type"],
        json!(["application/json"])
    );
    assert_eq!(create["body_sha256"], sha256_hex(body.as_bytes()));

    assert_eq!(replay["attempt"], 2);
    assert_eq!(replay["status"], 200);
    assert_eq!(
        replay["headers"]["idempotency-key"],
        create["headers"]["idempotency-key"]
    );
    assert_eq!(replay["body_sha256"], create["body_sha256"]);

    assert_eq!(listed["method"], "GET");
    assert_eq!(listed["route"], "/v1/intents");
    assert_eq!(listed["query"], "limit=5&status=DELIVERED");
    assert_eq!(
        listed["headers"]["authorization"],
        json!([format!("Bearer {fp}")])
    );
    assert!(listed["headers"].get("x-api-key").is_none());
    assert_eq!(listed["body_sha256"], Value::Null);
    assert_eq!(listed["attempt"], 1);

    assert_eq!(read["path"], format!("/v1/intents/{intent_id}"));
    assert_eq!(read["route"], "/v1/intents/{intent_id}");
    assert_eq!(read["query"], Value::Null);
    assert_eq!(read["status"], 200);

    assert_eq!(unknown["path"], "/v1/no/such/route");
    assert_eq!(unknown["route"], Value::Null, "no operation matched");
    assert_eq!(unknown["status"], 404);
}

#[tokio::test]
async fn credentials_do_not_see_each_others_rules_logs_or_intents() {
    let ts = TestServer::start().await;
    let (cred_a, a) = ts.credential("isolated-a").await;
    let (cred_b, b) = ts.credential("isolated-b").await;
    assert_ne!(cred_a, cred_b);
    assert_ne!(a.key, b.key);
    ts.add_rules(&cred_a, json!([{"match": {"method": "POST", "route": "/v1/intents"}, "action": {"type": "respond", "status": 503}}])).await;

    assert_eq!(
        raw_send(&a, Method::POST, "/v1/intents", Some(&create_body()), &[])
            .await
            .status,
        503
    );
    let b_intent = b.create().await;
    b.create().await;
    // The dev credential is not fault-managed: no rule applies and nothing is journaled for it.
    ts.api().create().await;

    assert_eq!(a.get(&format!("/v1/intents/{b_intent}")).await.status, 404);
    assert_eq!(intent_count(&a).await, 0);
    assert_eq!(intent_count(&b).await, 2);

    let log_a = ts.requests(&cred_a).await;
    let log_b = ts.requests(&cred_b).await;
    let keys = |log: &[Value]| -> Vec<Value> {
        log.iter()
            .map(|r| r["headers"]["x-api-key"][0].clone())
            .collect()
    };
    assert_eq!(log_a.len(), 3, "{log_a:#?}");
    assert!(keys(&log_a).iter().all(|k| *k == fingerprint(&a.key)));
    assert_eq!(log_b.len(), 3, "{log_b:#?}");
    assert!(keys(&log_b).iter().all(|k| *k == fingerprint(&b.key)));
    assert_eq!(
        log_b[0]["attempt"], 1,
        "attempts are counted per credential"
    );
    assert_eq!(log_b[0]["status"], 200);
}

#[tokio::test]
async fn bad_rules_are_refused_whole_with_a_message_naming_the_rule() {
    let ts = TestServer::start().await;
    let (cred, api) = ts.credential("bad-rules").await;
    let valid = json!({"match": {"method": "GET", "route": "/v1/intents"}, "action": {"type": "respond", "status": 503}});
    let cases = [
        (
            json!({"rules": [valid, {"match": {}, "action": {"type": "explode"}}]}),
            "rules[1]",
        ),
        (
            json!({"rules": [{"match": {"attempt": 0}, "action": {"type": "reset"}}]}),
            "rules[0]",
        ),
        (
            json!({"rules": [valid, valid, {"action": {"type": "sse", "framing": "wobbly"}}]}),
            "rules[2]",
        ),
        (
            json!({"rules": [{"match": {}, "action": {"type": "respond", "status": 99}}]}),
            "rules[0]",
        ),
        (
            json!({"rules": [{"match": {}, "action": {"type": "delay", "ms": -5}}]}),
            "rules[0]",
        ),
        (json!({"rules": [{"match": {}}]}), "rules[0]"),
        (
            json!({"rules": [{"match": "POST", "action": {"type": "reset"}}]}),
            "rules[0]",
        ),
    ];
    for (body, names) in cases {
        let resp = add_rules_raw(&ts, &cred, body.clone()).await;
        assert_eq!(resp.status, 422, "{body} -> {}", resp.text);
        let error = resp.json();
        assert_eq!(error["error"]["code"], "validation_error");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(names),
            "{body}: message {message:?} should name {names}"
        );
    }
    let not_a_list = add_rules_raw(&ts, &cred, json!({"rule": []})).await;
    assert_eq!(not_a_list.status, 422);

    // Nothing was added: the valid rules of the refused calls do not apply.
    assert_eq!(
        raw_send(&api, Method::GET, "/v1/intents", None, &[])
            .await
            .status,
        200
    );

    let added = add_rules_raw(&ts, &cred, json!({"rules": [valid, valid]})).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let ids = added.json()["rule_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);

    // Unknown credentials are 404 on every control operation.
    let unknown = add_rules_raw(&ts, "cred_nope", json!({"rules": [valid]})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["code"], "not_found");
    let journal = ts
        .anonymous()
        .get("/_faults/credentials/cred_nope/requests")
        .await;
    assert_eq!(journal.status, 404);
    assert_eq!(journal.code(), "not_found");
}

#[tokio::test]
async fn the_control_api_is_absent_without_faults() {
    let mut ts = TestServer::start_with(|config| config.faults = false).await;
    let anonymous = ts.anonymous();
    let created = anonymous
        .call(
            Method::POST,
            "/_faults/credentials",
            Some(json!({"name": "x"})),
            &[],
        )
        .await;
    assert_eq!(created.status, 404, "{}", created.body);
    assert_eq!(created.code(), "route_not_found");
    for (method, path) in [
        (Method::POST, "/_faults/credentials/cred_1/rules"),
        (Method::DELETE, "/_faults/credentials/cred_1/rules"),
        (Method::GET, "/_faults/credentials/cred_1/requests"),
    ] {
        let resp = anonymous.call(method.clone(), path, None, &[]).await;
        assert_eq!(resp.status, 404, "{method} {path}: {}", resp.body);
    }
    // Requests of the dev credential are served plainly.
    assert_eq!(ts.api().get("/v1/intents").await.status, 200);
    ts.stop().await;
}
