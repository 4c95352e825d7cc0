//! `axme-conformance server` against the reference server: the real binary, a real server started
//! in-process on port 0 with its own data dir, and the JSON report it writes. The reference server
//! passes every check; a fault rule that breaks two routes fails exactly the checks using them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use axme_server::domain::agents::{CallbackAllowlist, HostRule};
use axme_server::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};
use tempfile::TempDir;

/// A reference server with fault injection, allowed to call back the checker's loopback receiver
/// (as `axme-server --faults --allow-callback-host 127.0.0.1` would be).
async fn reference_server(dir: &TempDir) -> RunningServer {
    let mut config = ServerConfig::new(dir.path());
    config.listen = "127.0.0.1:0".into();
    config.faults = true;
    config.agents.callback_hosts =
        CallbackAllowlist(vec![HostRule::parse("127.0.0.1").expect("host rule")]);
    start(config).await.expect("the reference server starts")
}

/// Runs the real binary (off the async runtime, so the in-process server keeps serving).
async fn conformance(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_axme-conformance"))
            .args(&args)
            .env_remove("AXME_API_KEY")
            .output()
            .expect("axme-conformance runs")
    })
    .await
    .expect("the runner thread")
}

/// A fresh fault credential with these rules (spec/faults.md); its API key.
async fn fault_key(base: &str, rules: Value) -> String {
    let http = reqwest::Client::new();
    let credential: Value = http
        .post(format!("{base}/_faults/credentials"))
        .json(&json!({"name": "server-mode"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = credential["credential_id"].as_str().unwrap();
    let added = http
        .post(format!("{base}/_faults/credentials/{id}/rules"))
        .json(&json!({ "rules": rules }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200, "{}", added.text().await.unwrap());
    credential["api_key"].as_str().unwrap().to_string()
}

fn server_args(base: &str, key: &str, report: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["server", "--base-url", base, "--api-key", key, "--json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(report.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn rows(report: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(report).expect("the JSON report was written");
    let parsed: Value = serde_json::from_str(&text).expect("the report is JSON");
    parsed["results"].as_array().cloned().expect("results")
}

fn names_with(rows: &[Value], outcome: &str) -> BTreeSet<String> {
    rows.iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["case"].as_str().unwrap().to_string())
        .collect()
}

fn output_text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let server = reference_server(&dir).await;
    let key = std::fs::read_to_string(dir.path().join("dev-api-key"))
        .expect("DATA_DIR/dev-api-key")
        .trim()
        .to_string();
    let report = dir.path().join("report.json");
    let out = conformance(server_args(&server.base_url(), &key, &report, &[])).await;
    let rows = rows(&report);
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r["outcome"] != "pass")
        .map(|r| format!("{}: {}", r["case"], r["detail"]))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}\n{}", output_text(&out));
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(rows.len() >= 50, "only {} checks ran", rows.len());
    assert!(rows.iter().all(|r| r["sdk"] == "server"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with('[')).count(),
        rows.len(),
        "one progress line per check"
    );
    // The public checks are all there under their upstream names.
    let names = names_with(&rows, "pass");
    for upstream in [
        "http/intent_create_idempotency",
        "http/inbox_changes_pagination",
        "http/webhooks_events",
        "mcp/tools_call",
    ] {
        assert!(names.contains(upstream), "{upstream} missing");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_route_fails_exactly_the_checks_that_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = reference_server(&dir).await;
    let base = server.base_url();
    // Capabilities answer 200 with the lists emptied; every schema upsert answers 500.
    let key = fault_key(
        &base,
        json!([
            {"match": {"method": "GET", "route": "/v1/capabilities"},
             "action": {"type": "respond", "status": 200,
                        "body": {"ok": true, "capabilities": [], "supported_intent_types": []}}},
            {"match": {"method": "POST", "route": "/v1/schemas"},
             "action": {"type": "respond", "status": 500}},
        ]),
    )
    .await;

    let report = dir.path().join("report.json");
    let out = conformance(server_args(&base, &key, &report, &[])).await;
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let rows = rows(&report);
    let failed = names_with(&rows, "fail");
    let expected: BTreeSet<String> = [
        "http/capabilities_get",
        "http/schemas_get",
        "http/schemas_upsert",
    ]
    .map(String::from)
    .into();
    assert_eq!(failed, expected, "{}", output_text(&out));
    assert_eq!(names_with(&rows, "pass").len(), rows.len() - 3);
    let detail = |case: &str| {
        rows.iter()
            .find(|r| r["case"] == case)
            .and_then(|r| r["detail"].as_str())
            .unwrap()
            .to_string()
    };
    assert!(
        detail("http/schemas_upsert").contains("expected HTTP 200, got 500"),
        "{}",
        detail("http/schemas_upsert")
    );
    assert!(
        detail("http/capabilities_get").contains("capability names"),
        "{}",
        detail("http/capabilities_get")
    );
    // The matrix shows the failures with their details.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 fail"), "{stdout}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_filters_select_a_subset_and_bad_arguments_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let server = reference_server(&dir).await;
    let key = std::fs::read_to_string(dir.path().join("dev-api-key"))
        .unwrap()
        .trim()
        .to_string();
    let report = dir.path().join("listen.json");
    let out = conformance(server_args(
        &server.base_url(),
        &key,
        &report,
        &["--check", "listen_", "--check", "mcp/session"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let names: BTreeSet<String> = rows(&report)
        .iter()
        .map(|r| r["case"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = [
        "http/listen_connected_after",
        "http/listen_connected_before",
        "http/listen_redelivery_from_zero",
        "mcp/session_2025_11_25",
    ]
    .map(String::from)
    .into();
    assert_eq!(names, expected);

    let none = conformance(server_args(
        &server.base_url(),
        &key,
        &report,
        &["--check", "nothing-like-this"],
    ))
    .await;
    assert_eq!(none.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&none.stderr);
    assert!(
        stderr.contains("matches no check") && stderr.contains("http/health"),
        "{stderr}"
    );
    let bad_url = conformance(server_args("localhost:8100", &key, &report, &[])).await;
    assert_eq!(bad_url.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("--base-url"));

    // The key as Bearer, as the upstream harness sends it.
    let bearer = conformance(server_args(
        &server.base_url(),
        &key,
        &report,
        &[
            "--key-header",
            "bearer",
            "--check",
            "http/intent",
            "--check",
            "error_bad_key",
        ],
    ))
    .await;
    assert_eq!(bearer.status.code(), Some(0), "{}", output_text(&bearer));
    assert!(rows(&report).len() >= 8);

    // A wrong key fails checks (it is the server's answer that is judged), it does not crash.
    let wrong = conformance(server_args(
        &server.base_url(),
        "axme_sa_wrong_key",
        &report,
        &["--check", "http/intent_create"],
    ))
    .await;
    assert_eq!(wrong.status.code(), Some(1), "{}", output_text(&wrong));
    let rows = rows(&report);
    assert!(
        rows[0]["detail"].as_str().unwrap().contains("got 401"),
        "{}",
        rows[0]["detail"]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_odd_sse_framing_passes_and_duplicated_events_fail_the_resume_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = reference_server(&dir).await;
    let base = server.base_url();
    let stream_checks = [
        "--check",
        "intents_stream",
        "--check",
        "deadline",
        "--check",
        "listen_",
    ];
    // Lone-CR line ends on the event stream, multi-line data on the listen stream: still valid SSE.
    let framed = fault_key(
        &base,
        json!([
            {"match": {"route": "/v1/intents/{intent_id}/events/stream"}, "action": {"type": "sse", "framing": "cr"}},
            {"match": {"route": "/v1/agents/{address}/intents/stream"}, "action": {"type": "sse", "framing": "multiline"}},
        ]),
    )
    .await;
    let report = dir.path().join("framed.json");
    let out = conformance(server_args(&base, &framed, &report, &stream_checks)).await;
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert_eq!(rows(&report).len(), 8);

    // Every event sent twice: a resumed stream sees duplicates, which the checks must catch.
    let doubled = fault_key(
        &base,
        json!([{"match": {"route": "/v1/intents/{intent_id}/events/stream"},
                "action": {"type": "sse", "duplicate_events": true}}]),
    )
    .await;
    let report = dir.path().join("doubled.json");
    let out = conformance(server_args(&base, &doubled, &report, &stream_checks)).await;
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let rows = rows(&report);
    let expected: BTreeSet<String> = [
        "http/intents_stream_last_event_id",
        "http/intents_stream_window_end",
    ]
    .map(String::from)
    .into();
    assert_eq!(names_with(&rows, "fail"), expected, "{}", output_text(&out));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_server_fails_the_check_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let server = reference_server(&dir).await;
    let base = server.base_url();
    let slow = fault_key(
        &base,
        json!([{"match": {"method": "GET", "route": "/health"}, "action": {"type": "delay", "ms": 30000}}]),
    )
    .await;
    let report = dir.path().join("hung.json");
    let started = std::time::Instant::now();
    let out = conformance(server_args(
        &base,
        &slow,
        &report,
        &[
            "--check",
            "http/trace_header",
            "--check",
            "http/capabilities_get",
            "--timeout-seconds",
            "1",
        ],
    ))
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the run waited for the server"
    );
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let rows = rows(&report);
    let hung = rows
        .iter()
        .find(|r| r["case"] == "http/trace_header")
        .unwrap();
    assert_eq!(hung["outcome"], "fail");
    assert!(
        hung["detail"]
            .as_str()
            .unwrap()
            .contains("not finished within 1 s"),
        "{}",
        hung["detail"]
    );
    let fine = rows
        .iter()
        .find(|r| r["case"] == "http/capabilities_get")
        .unwrap();
    assert_eq!(fine["outcome"], "pass", "the next check runs normally");
    server.shutdown().await;
}
