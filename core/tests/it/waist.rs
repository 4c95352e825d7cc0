//! The waist from the outside, as every binding uses it: JSON text and records in, JSON text out,
//! the blocking face driven from plain threads, cancellation from another thread, every error kind
//! as an [`ErrorRecord`], and the live-handle count back at zero after streams and calls end.

use std::time::{Duration, Instant};

use axme_core::waist::{
    BlockingClient, CallOptions, CancelToken, ClientConfig, ErrorKind, ErrorRecord,
    HeartbeatOptions, Metric, StreamOptions,
};
use serde_json::{json, Value};

use crate::support::{header, Credential, Harness};

/// A plain thread for the blocking face (it refuses to block a thread driving a runtime).
fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().expect("thread")
}

fn config(h: &Harness, cred: &Credential) -> ClientConfig {
    ClientConfig::from_json(
        &json!({"base_url": h.base_url, "api_key": cred.api_key, "client_language": "python",
                "client_version": "9.9.9"})
        .to_string(),
    )
    .unwrap()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn none() -> CallOptions {
    CallOptions::default()
}

const INTENT: &str =
    r#"{"intent_type":"demo.task.v1","to_agent":"agent://acme/bot","payload":{"n":1}}"#;

/// Waits until `check` holds on the credential's request log (the server saw something).
async fn journal_until(
    h: &Harness,
    cred: &Credential,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = h.requests(cred, None).await;
        if check(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "journal never matched: {log:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_face_runs_every_call() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let cfg = config(&h, &cred);
    let (id, identity) = on_thread(move || {
        let c = BlockingClient::new(cfg).unwrap();
        let keyed = CallOptions {
            idempotency_key: Some("waist-key-1".into()),
            ..none()
        };
        let id = c.send_intent(INTENT, &keyed, None).unwrap();
        let events = c.observe(&id, &StreamOptions::default(), None).unwrap();
        for expected in ["intent.created", "intent.submitted", "intent.delivered"] {
            let event = parse(&events.next().unwrap().unwrap());
            assert_eq!(event["event_type"], expected);
        }
        let canceled = parse(&c.cancel_intent(&id, Some("done"), &none(), None).unwrap());
        assert_eq!(canceled["ok"], true, "{canceled}");
        assert_eq!(
            parse(&events.next().unwrap().unwrap())["status"],
            "CANCELED"
        );
        assert_eq!(
            events.next().unwrap(),
            None,
            "the stream ends after the terminal event"
        );
        let terminal = parse(&c.wait_for(&id, &StreamOptions::default(), None).unwrap());
        assert_eq!(terminal["status"], "CANCELED");
        let got = parse(
            &c.call(
                "get_intent",
                &json!({"intent_id": id}).to_string(),
                &none(),
                None,
            )
            .unwrap(),
        );
        assert_eq!(got["intent"]["status"], "CANCELED");

        // Raw bodies both ways: upload bytes, download them again.
        let content = b"\x00waist\xff".to_vec();
        let upload = parse(
            &c.call(
                "create_media_upload",
                &json!({"body": {"owner_agent": "agent://acme/bot", "filename": "w.bin",
                    "mime_type": "application/octet-stream", "size_bytes": content.len()}})
                .to_string(),
                &none(),
                None,
            )
            .unwrap(),
        );
        let upload_id = upload["upload_id"].as_str().unwrap().to_string();
        let args = json!({"upload_id": upload_id}).to_string();
        c.call_with_content(
            "upload_media_content",
            &args,
            content.clone().into(),
            &none(),
            None,
        )
        .unwrap();
        let finalize = json!({"body": {"upload_id": upload_id, "size_bytes": content.len()}});
        c.call(
            "finalize_media_upload",
            &finalize.to_string(),
            &none(),
            None,
        )
        .unwrap();
        let bytes = c
            .call_bytes("download_media", &args, &none(), None)
            .unwrap();
        assert_eq!(bytes.as_ref(), content.as_slice());
        let identity = c.async_client().client_identity().to_string();
        assert_eq!(c.async_client().live_handles(), 0);
        (id, identity)
    });
    assert_eq!(identity, "axme-sdk-python/9.9.9");
    let log = h.requests(&cred, Some("/v1/intents")).await;
    assert_eq!(
        header(&log[0], "idempotency-key").as_deref(),
        Some("waist-key-1")
    );
    assert_eq!(
        header(&log[0], "x-axme-client").as_deref(),
        Some("axme-sdk-python/9.9.9")
    );
    assert!(!id.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_and_mesh_through_the_blocking_face() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = std::sync::Arc::new(BlockingClient::new(config(&h, &cred)).unwrap());
    let hb = on_thread({
        let c = c.clone();
        move || {
            let init = parse(&c.mcp_initialize(Some("2025-11-25"), &none(), None).unwrap());
            assert_eq!(init["protocolVersion"], "2025-11-25");
            assert!(c.async_client().mcp_session_id().is_some());
            let tools = parse(&c.mcp_list_tools(&none(), None).unwrap());
            assert!(tools["tools"].as_array().unwrap().len() > 3);
            let e = c
                .mcp_call_tool("axme.check_nick", "{}", &none(), None)
                .unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::InvalidArgument,
                "checked against the cached schema"
            );
            let unchecked = CallOptions {
                validate_input_schema: Some(false),
                ..none()
            };
            let refused = c.mcp_call_tool("axme.check_nick", "{}", &unchecked, None);
            assert!(refused.is_ok() || refused.unwrap_err().kind() == ErrorKind::Mcp);
            let nick = parse(
                &c.mcp_call_tool("axme.check_nick", r#"{"nick":"waist"}"#, &none(), None)
                    .unwrap(),
            );
            assert!(nick["tool"].is_string(), "{nick}");

            c.mesh_report_metric(&Metric {
                latency_ms: Some(7.0),
                cost_usd: Some(0.5),
                ..Metric::default()
            })
            .unwrap();
            assert_eq!(
                parse(&c.mesh_buffered_metrics().unwrap())["intents_total"],
                1
            );
            let beat = parse(&c.mesh_flush_metrics(&none(), None).unwrap());
            assert_eq!(beat["ok"], true, "{beat}");
            assert_eq!(c.mesh_buffered_metrics(), None);
            c.mesh_heartbeat(Some(r#"{"intents_total":1}"#), &none(), None)
                .unwrap();
            let bad = Metric {
                latency_ms: Some(-1.0),
                ..Metric::default()
            };
            assert_eq!(
                c.mesh_report_metric(&bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
            let hb = c
                .mesh_start_heartbeat(&HeartbeatOptions {
                    interval_seconds: 0.02,
                    include_metrics: false,
                })
                .unwrap();
            assert!(c.mesh_heartbeat_running() && hb.is_running());
            hb
        }
    });
    // The flush, the plain heartbeat, then the background ones.
    journal_until(&h, &cred, |log| {
        log.iter()
            .filter(|r| r["route"] == "/v1/mesh/heartbeat")
            .count()
            >= 4
    })
    .await;
    on_thread(move || c.mesh_stop_heartbeat().unwrap());
    assert!(!hb.is_running());
}

/// The kind of the error a blocking call returns, as the record bindings receive.
fn kind_of(r: Result<String, axme_core::Error>) -> ErrorRecord {
    ErrorRecord::from(r.expect_err("an error"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_kind_arrives_as_a_record() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let intent_id = h
        .client(&cred)
        .send_intent(serde_json::from_str(INTENT).unwrap(), &none())
        .await
        .unwrap();
    h.rules(
        &cred,
        json!([
            {"match": {"method": "GET", "route": "/v1/intents", "attempt": 1}, "action": {"type": "respond", "status": 429, "headers": {"Retry-After": "7"}}},
            {"match": {"method": "GET", "route": "/v1/capabilities"}, "action": {"type": "respond", "status": 503}},
            {"match": {"method": "GET", "route": "/health"}, "action": {"type": "respond", "status": 200, "body": "not json"}},
            {"match": {"method": "GET", "route": "/v1/inbox"}, "action": {"type": "delay", "ms": 5000}},
            {"match": {"method": "POST", "route": "/mcp"}, "action": {"type": "respond", "status": 200,
                "body": {"jsonrpc": "2.0", "id": null, "error": {"code": -32603, "message": "tool crashed"}}}},
        ]),
    )
    .await;
    let base = config(&h, &cred);
    let id = intent_id.clone();
    on_thread(move || {
        let no_retries = ClientConfig {
            max_retries: 0,
            ..base.clone()
        };
        let c = BlockingClient::new(no_retries).unwrap();
        let r = kind_of(c.call("get_intent", "{}", &none(), None));
        assert_eq!(r.kind, ErrorKind::InvalidArgument);
        let r = kind_of(c.call(
            "get_intent",
            &json!({"intent_id": "0f0e5b0c-7f2d-4d7b-9d89-6c1d5c1f0000"}).to_string(),
            &none(),
            None,
        ));
        assert_eq!((r.kind, r.status), (ErrorKind::NotFound, Some(404)));
        assert!(r.request_id.is_some() && r.trace_id.is_some() && r.body.is_some());
        let r = kind_of(c.call(
            "create_intent",
            r#"{"body":{"intent_type":"x"}}"#,
            &none(),
            None,
        ));
        assert_eq!(r.kind, ErrorKind::Validation);
        let resolve =
            |status: &str| json!({"intent_id": id, "body": {"status": status}}).to_string();
        c.call("resolve_intent", &resolve("COMPLETED"), &none(), None)
            .unwrap();
        let r = kind_of(c.call("resolve_intent", &resolve("FAILED"), &none(), None));
        assert_eq!(r.kind, ErrorKind::Conflict);
        let r = kind_of(c.call("list_intents", "{}", &none(), None));
        assert_eq!(
            (r.kind, r.retry_after_seconds),
            (ErrorKind::RateLimit, Some(7.0))
        );
        assert!(r.retryable);
        let r = kind_of(c.call("get_capabilities", "{}", &none(), None));
        assert_eq!((r.kind, r.status), (ErrorKind::Server, Some(503)));
        let r = kind_of(c.call("health", "{}", &none(), None));
        assert_eq!(r.kind, ErrorKind::Protocol);
        let quick = CallOptions {
            timeout_seconds: Some(0.2),
            ..none()
        };
        let r = kind_of(c.call(
            "list_inbox",
            r#"{"owner_agent":"agent://acme/o"}"#,
            &quick,
            None,
        ));
        assert_eq!(r.kind, ErrorKind::Timeout);
        let r = kind_of(c.mcp_call_tool("axme.check_nick", "{}", &none(), None));
        assert_eq!(
            (r.kind, r.code.as_deref()),
            (ErrorKind::Mcp, Some("-32603"))
        );

        let bad_key = ClientConfig {
            api_key: Some("axme_sa_nobody_secret".into()),
            ..base.clone()
        };
        let c = BlockingClient::new(bad_key).unwrap();
        let r = kind_of(c.call("list_intents", "{}", &none(), None));
        assert_eq!((r.kind, r.status), (ErrorKind::Auth, Some(401)));

        let nowhere = ClientConfig {
            base_url: Some("http://127.0.0.1:9".into()),
            ..base
        };
        let c = BlockingClient::new(nowhere).unwrap();
        let r = kind_of(c.call("list_intents", "{}", &none(), None));
        assert_eq!(r.kind, ErrorKind::Connection);
        let token = CancelToken::new();
        token.cancel();
        let r = kind_of(c.call("list_intents", "{}", &none(), Some(&token)));
        assert_eq!(r.kind, ErrorKind::Canceled);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_call_cancelled_from_another_thread_closes_its_connection() {
    const DELAY_MS: u64 = 20_000;
    let h = Harness::start().await;
    let cred = h.credential().await;
    h.rules(&cred, json!([{"match": {"method": "GET", "route": "/v1/intents"}, "action": {"type": "delay", "ms": DELAY_MS}}])).await;
    let c = std::sync::Arc::new(BlockingClient::new(config(&h, &cred)).unwrap());
    let token = CancelToken::new();
    let call = std::thread::spawn({
        let (c, token) = (c.clone(), token.clone());
        move || c.call("list_intents", "{}", &none(), Some(&token))
    });
    journal_until(&h, &cred, |log| !log.is_empty()).await;
    assert_eq!(c.async_client().live_handles(), 1, "the call is in flight");
    let canceller = std::thread::spawn(move || token.cancel());
    canceller.join().unwrap();
    let e = call.join().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Canceled);
    assert_eq!(c.async_client().live_handles(), 0);
    let log = journal_until(&h, &cred, |log| !log[0]["ended"].is_null()).await;
    assert_eq!(log[0]["ended"], "client_closed", "{}", log[0]);
    let held = log[0]["ended_ms"].as_f64().unwrap() - log[0]["elapsed_ms"].as_f64().unwrap();
    assert!(
        held < DELAY_MS as f64,
        "closed after {held} ms, before the delayed answer"
    );
    assert_eq!(log.len(), 1, "a cancelled call is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_call_past_its_deadline_closes_its_connection_at_once() {
    // The calling thread's connections run only while it drives its runtime: without settling,
    // the abandoned request would hold its connection (and the server's handler) until the
    // thread's next call, which a foreign thread may never make.
    // Longer than journal_until waits, so only a close before the answer can pass.
    const DELAY_MS: u64 = 60_000;
    let h = Harness::start().await;
    let cred = h.credential().await;
    h.rules(&cred, json!([{"match": {"method": "GET", "route": "/v1/intents"}, "action": {"type": "delay", "ms": DELAY_MS}}])).await;
    let mut cfg = config(&h, &cred);
    cfg.max_retries = 0;
    // Kept alive past the call: dropping the client would close its connections anyway.
    let c = std::sync::Arc::new(BlockingClient::new(cfg).unwrap());
    let quick = CallOptions {
        timeout_seconds: Some(0.3),
        ..none()
    };
    let caller = c.clone();
    let e =
        std::thread::spawn(move || caller.call("list_intents", "{}", &quick, None).unwrap_err())
            .join()
            .unwrap();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let log = journal_until(&h, &cred, |log| {
        !log.is_empty() && !log[0]["ended"].is_null()
    })
    .await;
    assert_eq!(log[0]["ended"], "client_closed", "{}", log[0]);
    let held = log[0]["ended_ms"].as_f64().unwrap() - log[0]["elapsed_ms"].as_f64().unwrap();
    assert!(
        held < DELAY_MS as f64,
        "closed after {held} ms, before the delayed answer"
    );
    drop(c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_when_cancelled_or_closed_from_another_thread() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = std::sync::Arc::new(BlockingClient::new(config(&h, &cred)).unwrap());
    let token = CancelToken::new();
    let quiet = StreamOptions {
        wait_seconds: 30,
        ..StreamOptions::default()
    };
    let cancelled = c
        .listen("agent://acme/nobody", &quiet, Some(&token))
        .unwrap();
    let closed = c.listen("agent://acme/nobody-else", &quiet, None).unwrap();
    assert_eq!(c.async_client().live_handles(), 2);
    let reading = |s: axme_core::waist::BlockingStream| std::thread::spawn(move || s.next());
    let (a, b) = (reading(cancelled), reading(closed.clone()));
    journal_until(&h, &cred, |log| log.len() == 2).await;
    std::thread::spawn(move || token.cancel()).join().unwrap();
    std::thread::spawn(move || closed.close()).join().unwrap();
    assert_eq!(a.join().unwrap().unwrap_err().kind(), ErrorKind::Canceled);
    assert_eq!(
        b.join().unwrap().unwrap(),
        None,
        "a closed stream ends quietly"
    );
    assert_eq!(
        c.async_client().live_handles(),
        0,
        "both released without being dropped"
    );
    let log = journal_until(&h, &cred, |log| log.iter().all(|r| !r["ended"].is_null())).await;
    for entry in log {
        assert_eq!(entry["ended"], "client_closed", "{entry}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_client_cancels_calls_and_ends_streams() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    h.rules(&cred, json!([{"match": {"method": "GET", "route": "/v1/intents"}, "action": {"type": "delay", "ms": 20000}}])).await;
    let c = std::sync::Arc::new(BlockingClient::new(config(&h, &cred)).unwrap());
    let stream = c
        .listen("agent://acme/nobody", &StreamOptions::default(), None)
        .unwrap();
    let call = std::thread::spawn({
        let c = c.clone();
        move || c.call("list_intents", "{}", &none(), None)
    });
    let reader = std::thread::spawn(move || stream.next());
    journal_until(&h, &cred, |log| log.len() == 2).await;
    c.close();
    assert_eq!(
        call.join().unwrap().unwrap_err().kind(),
        ErrorKind::Canceled
    );
    assert_eq!(reader.join().unwrap().unwrap(), None);
    assert!(c.is_closed());
    let after = on_thread({
        let c = c.clone();
        move || c.call("list_intents", "{}", &none(), None).unwrap_err()
    });
    assert_eq!(
        after.kind(),
        ErrorKind::Canceled,
        "a closed client makes no calls"
    );
    assert_eq!(c.async_client().live_handles(), 0);
}

#[test]
fn the_blocking_face_refuses_to_block_inside_a_runtime() {
    let c = BlockingClient::new(ClientConfig {
        base_url: Some("http://127.0.0.1:9".into()),
        api_key: Some("k".into()),
        ..ClientConfig::default()
    })
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = rt
        .block_on(async { c.call("list_intents", "{}", &none(), None) })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let stream = c.observe("i", &StreamOptions::default(), None).unwrap();
    let e = rt.block_on(async { stream.next() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let refused = c.observe(" ", &StreamOptions::default(), None).unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::InvalidArgument,
        "bad arguments are refused at once"
    );
}
