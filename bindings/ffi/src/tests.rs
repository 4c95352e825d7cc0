//! The uniffi surface against the reference server (in-process, port 0, fault injection on), and
//! the C ABI itself for what only it can show: a panic arrives as an error status, never as an
//! unwind into the caller.
// Calling the exported symbols as a foreign caller does needs raw FFI calls.
#![allow(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uniffi::{Lift, RustBuffer, RustCallStatus, RustCallStatusCode};

use super::*;

struct Server {
    _running: axme_server::RunningServer,
    _dir: tempfile::TempDir,
    base_url: String,
    rt: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = axme_server::ServerConfig::new(dir.path());
        cfg.listen = "127.0.0.1:0".into();
        cfg.faults = true;
        let running = rt.block_on(axme_server::start(cfg)).unwrap();
        Server {
            base_url: running.base_url(),
            _running: running,
            _dir: dir,
            rt,
        }
    }

    /// A fault-managed credential: (id, key).
    fn credential(&self) -> (String, String) {
        let v = self.http("POST", "/_faults/credentials", Some(json!({"name": "ffi"})));
        (
            v["credential_id"].as_str().unwrap().into(),
            v["api_key"].as_str().unwrap().into(),
        )
    }

    /// A plain HTTP request to the fault control API (the SDK under test never makes these).
    fn http(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base_url);
        self.rt.block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = reqwest::Client::new().request(method, url);
            if let Some(b) = body {
                req = req.json(&b);
            }
            req.send().await.unwrap().json().await.unwrap()
        })
    }

    fn journal(&self, cred: &str) -> Vec<Value> {
        let v = self.http(
            "GET",
            &format!("/_faults/credentials/{cred}/requests"),
            None,
        );
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    fn client(&self, key: &str) -> Arc<Client> {
        Client::new(ClientConfig {
            base_url: Some(self.base_url.clone()),
            api_key: Some(key.into()),
            client_language: "go".into(),
            ..ClientConfig::default()
        })
        .unwrap()
    }
}

fn kind(r: std::result::Result<impl std::fmt::Debug, AxmeError>) -> ErrorKind {
    match r {
        Err(AxmeError::Failed { error }) => error.kind,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

fn none() -> CallOptions {
    CallOptions::default()
}

const INTENT: &str = r#"{"intent_type":"demo.task.v1","to_agent":"agent://acme/bot","payload":{}}"#;

#[test]
fn every_call_of_the_surface() {
    let s = Server::start();
    let (_, key) = s.credential();
    let c = s.client(&key);
    assert_eq!(
        c.client_identity(),
        format!("axme-sdk-go/{}", core_version())
    );
    assert_eq!(c.base_url(), s.base_url);
    let id = c.send_intent(INTENT.into(), none(), None).unwrap();
    let events = c
        .observe(id.clone(), StreamOptions::default(), None)
        .unwrap();
    let first: Value = serde_json::from_str(&events.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event_type"], "intent.created");
    let got = c
        .call(
            "get_intent".into(),
            json!({"intent_id": id}).to_string(),
            none(),
            None,
        )
        .unwrap();
    assert!(got.contains(&id));
    c.cancel_intent(id.clone(), Some("test".into()), none(), None)
        .unwrap();
    let done = c
        .wait_for(id.clone(), StreamOptions::default(), None)
        .unwrap();
    assert!(done.contains("CANCELED"), "{done}");
    while events.next().unwrap().is_some() {}
    assert_eq!(c.live_handles(), 0);

    let upload: Value = serde_json::from_str(
        &c.call(
            "create_media_upload".into(),
            json!({"body": {"owner_agent": "agent://acme/bot", "filename": "f.bin",
                "mime_type": "application/octet-stream", "size_bytes": 3}})
            .to_string(),
            none(),
            None,
        )
        .unwrap(),
    )
    .unwrap();
    let upload_id = upload["upload_id"].as_str().unwrap();
    let args = json!({"upload_id": upload_id}).to_string();
    c.call_with_content(
        "upload_media_content".into(),
        args.clone(),
        vec![1, 0, 255],
        none(),
        None,
    )
    .unwrap();
    let finalize = json!({"body": {"upload_id": upload_id, "size_bytes": 3}}).to_string();
    c.call("finalize_media_upload".into(), finalize, none(), None)
        .unwrap();
    assert_eq!(
        c.call_bytes("download_media".into(), args, none(), None)
            .unwrap(),
        vec![1, 0, 255]
    );

    c.mcp_initialize(Some("2025-11-25".into()), none(), None)
        .unwrap();
    assert!(c.mcp_session_id().is_some());
    assert!(c
        .mcp_list_tools(none(), None)
        .unwrap()
        .contains("axme.check_nick"));
    let nick = c.mcp_call_tool(
        "axme.check_nick".into(),
        r#"{"nick":"ffi"}"#.into(),
        none(),
        None,
    );
    assert!(nick.unwrap().contains("tool"));

    c.mesh_report_metric(Metric {
        latency_ms: Some(3.0),
        ..Metric::default()
    })
    .unwrap();
    assert!(c.mesh_buffered_metrics().unwrap().contains("intents_total"));
    c.mesh_flush_metrics(none(), None).unwrap();
    c.mesh_heartbeat(None, none(), None).unwrap();
    let hb = c
        .mesh_start_heartbeat(HeartbeatOptions {
            interval_seconds: 60.0,
            include_metrics: true,
        })
        .unwrap();
    assert!(hb.is_running() && c.mesh_heartbeat_running());
    c.mesh_stop_heartbeat().unwrap();
    assert!(!hb.is_running());
    c.close();
    assert!(c.is_closed());
    assert_eq!(
        kind(c.call("list_intents".into(), "{}".into(), none(), None)),
        ErrorKind::Canceled
    );
}

#[test]
fn errors_arrive_with_their_record() {
    let s = Server::start();
    let (_, key) = s.credential();
    let c = s.client(&key);
    assert_eq!(
        kind(c.call("no_such_op".into(), "{}".into(), none(), None)),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(c.call("get_intent".into(), "[1]".into(), none(), None)),
        ErrorKind::InvalidArgument
    );
    let missing = json!({"intent_id": "0f0e5b0c-7f2d-4d7b-9d89-6c1d5c1f0000"}).to_string();
    match c.call("get_intent".into(), missing, none(), None) {
        Err(AxmeError::Failed { error }) => {
            assert_eq!((error.kind, error.status), (ErrorKind::NotFound, Some(404)));
            assert!(error.request_id.is_some() && error.trace_id.is_some());
            assert!(error.body.unwrap().contains("not_found"));
        }
        other => panic!("{other:?}"),
    }
    let bad = Client::new(ClientConfig {
        api_key: Some(" ".into()),
        ..ClientConfig::default()
    });
    assert_eq!(kind(bad), ErrorKind::InvalidArgument);
    let unknown = s.client("axme_sa_unknown_secret");
    assert_eq!(
        kind(unknown.call("list_intents".into(), "{}".into(), none(), None)),
        ErrorKind::Auth
    );
    let refused = c.observe("".into(), StreamOptions::default(), None);
    assert_eq!(
        kind(refused.map(|_| ())),
        ErrorKind::InvalidArgument,
        "refused at once"
    );
    assert_eq!(
        kind(c.mesh_report_metric(Metric {
            cost_usd: Some(f64::NAN),
            ..Metric::default()
        })),
        ErrorKind::InvalidArgument
    );
}

/// Waits until the credential's journal holds `n` requests.
fn await_requests(s: &Server, cred: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.journal(cred).len() < n {
        assert!(Instant::now() < deadline, "{n} requests never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn calls_and_streams_cancelled_from_another_thread() {
    let s = Server::start();
    let (cred, key) = s.credential();
    s.http(
        "POST",
        &format!("/_faults/credentials/{cred}/rules"),
        Some(json!({"rules": [{"match": {"method": "GET", "route": "/v1/intents"}, "action": {"type": "delay", "ms": 20000}}]})),
    );
    let c = s.client(&key);
    let token = CancelToken::new();
    let call = std::thread::spawn({
        let (c, token) = (c.clone(), token.clone());
        move || c.call("list_intents".into(), "{}".into(), none(), Some(token))
    });
    let stream = c
        .listen(
            "agent://acme/nobody".into(),
            StreamOptions::default(),
            Some(token.clone()),
        )
        .unwrap();
    let reader = std::thread::spawn({
        let stream = stream.clone();
        move || stream.next()
    });
    await_requests(&s, &cred, 2);
    std::thread::spawn(move || token.cancel()).join().unwrap();
    assert_eq!(kind(call.join().unwrap()), ErrorKind::Canceled);
    assert_eq!(kind(reader.join().unwrap()), ErrorKind::Canceled);
    assert_eq!(c.live_handles(), 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = s.journal(&cred);
        if log.iter().all(|r| r["ended"] == "client_closed") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "connections never closed: {log:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

extern "C" {
    fn uniffi_axme_ffi_fn_func_panic_inside_a_call(status: &mut RustCallStatus) -> RustBuffer;
    fn uniffi_axme_ffi_fn_func_panic_outside_the_waist(status: &mut RustCallStatus) -> u32;
}

#[test]
fn a_panic_never_crosses_the_c_abi() {
    let mut status = RustCallStatus::default();
    // SAFETY: the scaffolding function of `panic_inside_a_call`, called as a foreign caller would.
    unsafe { uniffi_axme_ffi_fn_func_panic_inside_a_call(&mut status) };
    assert_eq!(
        status.code,
        RustCallStatusCode::Error,
        "an error, not a panic status"
    );
    let buf = std::mem::ManuallyDrop::into_inner(status.error_buf);
    match <AxmeError as Lift<crate::UniFfiTag>>::try_lift_from_rust_buffer(buf).unwrap() {
        AxmeError::Failed { error } => {
            assert_eq!(error.kind, ErrorKind::Internal);
            assert!(
                error.message.contains("boom inside a call"),
                "{}",
                error.message
            );
        }
    }

    let mut status = RustCallStatus::default();
    // SAFETY: as above; this one panics outside the waist's guard, where uniffi catches it.
    unsafe { uniffi_axme_ffi_fn_func_panic_outside_the_waist(&mut status) };
    assert_eq!(status.code, RustCallStatusCode::UnexpectedError);
    let message = std::mem::ManuallyDrop::into_inner(status.error_buf).destroy_into_vec();
    assert!(String::from_utf8_lossy(&message).contains("boom outside the waist"));
}
