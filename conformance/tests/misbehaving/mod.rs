//! A case that is wrong must fail: for each area of cases, one case run against a driver built to
//! misbehave the way a faulty SDK would (`driver.py` between the runner and the honest Rust
//! driver: a stream left open after a cancel, one key for every write, integers turned into
//! doubles, a timeout reported as a connection error, …). The case must fail, and for the reason
//! it exists, which the detail names.

use std::path::Path;

use serde_json::Value;

use super::{report, run, text, EXE};

/// Run `case` on the driver misbehaving in `mode`; its result row.
fn run_misbehaving(mode: &str, case: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/misbehaving/driver.py");
    let drivers = tmp.path().join("drivers.yaml");
    let spec = serde_json::json!({"misbehaving": {
        "command": ["python3", script.to_str().unwrap(), mode, EXE],
        "prepare": "python3 must be on PATH",
    }});
    std::fs::write(&drivers, spec.to_string()).unwrap();
    // No expected failures: the misbehaving SDK has none listed.
    let xf = tmp.path().join("xf");
    std::fs::create_dir_all(&xf).unwrap();
    let json = tmp.path().join("r.json");
    let out = run(
        &[
            "--sdk",
            "misbehaving",
            "--case",
            case,
            "--drivers-file",
            drivers.to_str().unwrap(),
            "--expected-failures-dir",
            xf.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{mode}: {}", text(&out));
    let rows = report(&json);
    let row = rows
        .iter()
        .find(|r| r["case"] == case)
        .unwrap_or_else(|| panic!("{case} not in the report: {rows:?}"))
        .clone();
    assert_eq!(row["outcome"], "fail", "{mode} on {case}: {row}");
    row
}

fn assert_detail(row: &Value, needles: &[&str]) {
    let detail = row["detail"].as_str().unwrap();
    for n in needles {
        assert!(detail.contains(n), "expected {n:?} in the detail: {detail}");
    }
}

#[test]
fn cancellation_a_call_left_running_after_cancel() {
    let row = run_misbehaving("ignore_cancel", "cancellation/call_during_server_delay");
    assert_detail(&row, &["wait_journal", "client_closed"]);
}

#[test]
fn concurrency_one_key_for_every_write() {
    let row = run_misbehaving("one_key", "concurrency/retries_keep_their_own_keys");
    // The calls collide on the shared key: the server refuses the reuse for another body.
    assert_detail(&row, &["send_intent ×10", "idempotency_key_reused"]);
}

#[test]
fn payloads_integers_held_as_doubles() {
    let row = run_misbehaving("doubles", "payloads/integers_beyond_2_53");
    assert_detail(&row, &["above_safe: expected 9007199254740993"]);
}

#[test]
fn human_a_refused_answer_reported_as_a_server_error() {
    let row = run_misbehaving("validation_as_server", "human/form_answer_refused");
    assert_detail(
        &row,
        &["error.kind: expected \"validation\", got \"server\""],
    );
}

#[test]
fn inbox_a_conflict_reported_as_validation() {
    let row = run_misbehaving("conflict_as_validation", "inbox/approve");
    assert_detail(
        &row,
        &["error.kind: expected \"conflict\", got \"validation\""],
    );
}

#[test]
fn scenarios_a_watch_that_misses_the_last_event() {
    let row = run_misbehaving("drop_last_event", "scenarios/apply_then_watch");
    assert_detail(&row, &["await watch", "expected 8 element(s), got 7"]);
}

#[test]
fn config_an_unusable_base_url_accepted() {
    let row = run_misbehaving("lenient_config", "config/bad_base_url_refused");
    assert_detail(&row, &["client.new", "expected a failure"]);
}

#[test]
fn timeouts_a_timeout_reported_as_a_connection_error() {
    let row = run_misbehaving(
        "timeout_as_connection",
        "timeouts/per_call_timeout_read_retried",
    );
    assert_detail(
        &row,
        &["error.kind: expected \"timeout\", got \"connection\""],
    );
}

#[test]
fn mcp_a_json_rpc_error_reported_as_a_server_error() {
    let row = run_misbehaving("mcp_as_server", "mcp/tool_error_is_mcp_kind");
    assert_detail(&row, &["error.kind: expected \"mcp\", got \"server\""]);
}

#[test]
fn mesh_a_refused_listen_reported_as_not_found() {
    let row = run_misbehaving("auth_as_not_found", "mesh/killed_agent_listen_refused");
    assert_detail(&row, &["error.kind: expected \"auth\", got \"not_found\""]);
}

#[test]
fn the_report_keeps_what_was_expected_what_came_back_and_the_request_log() {
    let row = run_misbehaving(
        "timeout_as_connection",
        "timeouts/per_call_timeout_read_retried",
    );
    assert_eq!(row["expected"]["error"]["kind"], "timeout", "{row}");
    assert_eq!(row["got"]["error"]["kind"], "connection", "{row}");
    let journal: Vec<&str> = row["journal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        journal.iter().any(|l| l.contains("GET /v1/intents/")),
        "{journal:?}"
    );
    assert!(row["description"]
        .as_str()
        .unwrap()
        .contains("per-call timeout"));
}
