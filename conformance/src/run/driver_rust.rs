//! The Rust driver (`axme-conformance driver-rust`): performs driver-protocol requests
//! (conformance/docs/driver-protocol.md) with axme-core's async `Client` on tokio.
//!
//! Every request runs in its own task so a stream can be open while another request resolves the
//! intent. `cancel` aborts the target's task (dropping its stream or future, which is how core
//! cancels) and answers for it with kind `canceled`. Exactly one answer per request is
//! guaranteed by the `running` map: whoever removes the entry answers.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::driver_rust_ops::{self, Clients};

/// Features this driver supports (driver-protocol.md, Features).
const FEATURES: &[&str] = &[
    "intents",
    "observe",
    "wait_for",
    "listen",
    "cancel",
    "mcp",
    "mesh",
    "generic_call",
    "config.retry_budget",
];

type Running = Arc<Mutex<HashMap<u64, tokio::task::AbortHandle>>>;

pub fn main() -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(serve())?;
    // Abandon requests still running when stdin closed (driver-protocol.md, End).
    rt.shutdown_background();
    Ok(ExitCode::SUCCESS)
}

async fn serve() -> anyhow::Result<()> {
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Value>();
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(v) = out_rx.recv().await {
            let mut line = v.to_string();
            line.push('\n');
            if stdout.write_all(line.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
                break;
            }
        }
    });
    let _ = out_tx.send(json!({
        "type": "hello", "protocol": 1, "sdk": "rust",
        "sdk_version": axme_core_version(), "features": FEATURES,
    }));
    let clients = Clients::default();
    let running: Running = Arc::default();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let req: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("driver-rust: ignoring a line that is not JSON ({e}): {line}");
                continue;
            }
        };
        let Some(id) = req["id"].as_u64() else {
            eprintln!("driver-rust: ignoring a request without an integer id: {line}");
            continue;
        };
        if req["op"] == "cancel" {
            let target = req["args"]["target"].as_u64();
            let handle = target.and_then(|t| lock(&running).remove(&t));
            if let (Some(t), Some(h)) = (target, handle) {
                h.abort();
                let _ = out_tx.send(json!({"id": t, "ok": false, "error": canceled()}));
            }
            let _ = out_tx.send(json!({"id": id, "ok": true, "result": {}}));
            continue;
        }
        // Hold the lock while spawning so the task cannot finish before it is registered.
        let mut guard = lock(&running);
        let (clients, out, running2) = (clients.clone(), out_tx.clone(), running.clone());
        let task = tokio::spawn(async move {
            let answer = match driver_rust_ops::perform(&clients, &req).await {
                Ok(result) => json!({"id": id, "ok": true, "result": result}),
                Err(error) => json!({"id": id, "ok": false, "error": error}),
            };
            // Answer only if `cancel` has not answered for this request already.
            if lock(&running2).remove(&id).is_some() {
                let _ = out.send(answer);
            }
        });
        guard.insert(id, task.abort_handle());
    }
    drop(out_tx);
    // Flush what is already queued; running tasks hold senders, so do not wait for them.
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), writer).await;
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn canceled() -> Value {
    json!({"kind": "canceled", "status": null, "code": null, "message": "canceled by request",
           "request_id": null, "trace_id": null, "retry_after_ms": null})
}

fn axme_core_version() -> &'static str {
    // axme-core shares the workspace version with this crate.
    env!("CARGO_PKG_VERSION")
}
