//! `axme-conformance run` as a user runs it: the real binary, the real reference server, the Rust
//! driver. Every case passes on the Rust SDK (or is a listed expected failure); a wrong
//! expectation fails the run; a stale expected failure fails the run; setup errors are clear.

mod misbehaving;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_axme-conformance");

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(EXE);
    cmd.arg("run").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the runner starts")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn report(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("report written"))
        .expect("report is JSON");
    v["results"].as_array().expect("results").clone()
}

/// Case ids of a cases directory.
fn case_ids(dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for area in std::fs::read_dir(dir).unwrap() {
        let area = area.unwrap().path();
        for f in std::fs::read_dir(&area).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            let area_name = area.file_name().unwrap().to_string_lossy().into_owned();
            ids.push(format!("{area_name}/{name}"));
        }
    }
    ids.sort();
    ids
}

fn strs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

fn write_case(dir: &Path, id: &str, text: &str) {
    let path = dir.join(format!("{id}.yaml"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const PASSING: &str = "description: health answers ok\nrequires: [intents]\nsteps:\n  - op: health\n    expect: {result: {ok: true}}\njournal:\n  - select: {route: /health}\n    count: 1\n";

#[test]
fn every_case_passes_on_the_rust_sdk() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("report.json");
    let junit = tmp.path().join("report.xml");
    let out = run(
        &[
            "--sdk",
            "rust",
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let rows = report(&json);
    let ids = case_ids(&conformance_dir().join("cases"));
    let reported: Vec<String> = rows
        .iter()
        .map(|r| r["case"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reported, ids, "every case is reported once");
    let expected = std::fs::read_to_string(conformance_dir().join("expected-failures/rust.yaml"))
        .unwrap_or_default();
    for r in &rows {
        assert_eq!(r["sdk"], "rust");
        let outcome = r["outcome"].as_str().unwrap();
        let case = r["case"].as_str().unwrap();
        let ok = outcome == "pass" || outcome == "expected-fail" && expected.contains(case);
        assert!(ok, "{case}: {outcome}: {}", r["detail"]);
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"axme-conformance.rust\""),
        "{xml}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("retries/retry_after_seconds"),
        "the matrix lists cases: {stdout}"
    );
}

#[test]
fn every_case_file_validates_and_is_listed() {
    let out = run(&["--list"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(listed, case_ids(&conformance_dir().join("cases")));
    let out = run(&["--list", "--case", "retries/"], &[]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listed.lines().count() >= 5 && listed.lines().all(|l| l.starts_with("retries/")),
        "{listed}"
    );
}

#[test]
fn a_wrong_expectation_fails_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    write_case(&cases, "demo/passes", PASSING);
    write_case(
        &cases,
        "demo/wrong_result",
        "description: expects health to say ok false\nsteps:\n  - op: health\n    expect: {result: {ok: false}}\n",
    );
    write_case(
        &cases,
        "demo/wrong_journal",
        "description: expects two health requests\nsteps:\n  - op: health\njournal:\n  - select: {route: /health}\n    count: 2\n",
    );
    let json = tmp.path().join("r.json");
    let out = run(
        &[
            "--sdk",
            "rust",
            "--cases-dir",
            cases.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = report(&json);
    let by_case = |c: &str| rows.iter().find(|r| r["case"] == c).unwrap().clone();
    assert_eq!(by_case("demo/passes")["outcome"], "pass");
    let wrong = by_case("demo/wrong_result");
    assert_eq!(wrong["outcome"], "fail");
    let detail = wrong["detail"].as_str().unwrap();
    assert!(
        detail.contains("result.ok: expected false, got true"),
        "{detail}"
    );
    let journal = by_case("demo/wrong_journal");
    assert_eq!(journal["outcome"], "fail");
    assert!(journal["detail"]
        .as_str()
        .unwrap()
        .contains("expected 2 request(s), got 1"));
}

#[test]
fn expected_failures_are_reported_and_stale_ones_fail_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    write_case(&cases, "demo/passes", PASSING);
    write_case(
        &cases,
        "demo/known_bug",
        "description: a failure listed as expected\nsteps:\n  - op: health\n    expect: {ok: false}\n",
    );
    let xf = tmp.path().join("xf");
    std::fs::create_dir_all(&xf).unwrap();
    let args = |json: &Path| {
        vec![
            "--sdk".to_string(),
            "rust".into(),
            "--cases-dir".into(),
            cases.to_str().unwrap().into(),
            "--expected-failures-dir".into(),
            xf.to_str().unwrap().into(),
            "--json".into(),
            json.to_str().unwrap().into(),
        ]
    };

    // Listed and failing: expected-fail, and the run passes.
    std::fs::write(
        xf.join("rust.yaml"),
        "- {case: demo/known_bug, reason: \"health is fine\"}\n",
    )
    .unwrap();
    let json = tmp.path().join("a.json");
    let a = args(&json);
    let out = run(&strs(&a), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let rows = report(&json);
    let bug = rows.iter().find(|r| r["case"] == "demo/known_bug").unwrap();
    assert_eq!(bug["outcome"], "expected-fail");
    assert!(bug["detail"].as_str().unwrap().contains("health is fine"));

    // Listed but passing: stale, and the run fails.
    std::fs::write(
        xf.join("rust.yaml"),
        "- {case: demo/known_bug, reason: \"health is fine\"}\n- {case: demo/passes, reason: \"was broken once\"}\n",
    )
    .unwrap();
    let json = tmp.path().join("b.json");
    let b = args(&json);
    let out = run(&strs(&b), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = report(&json);
    let stale = rows.iter().find(|r| r["case"] == "demo/passes").unwrap();
    assert_eq!(stale["outcome"], "stale");
    assert!(String::from_utf8_lossy(&out.stdout).contains("demo/passes [rust] stale"));

    // An entry without a reason, or naming no case, stops the run before it starts.
    std::fs::write(xf.join("rust.yaml"), "- {case: demo/passes}\n").unwrap();
    let out = run(&strs(&b), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("needs a reason"), "{}", text(&out));
    std::fs::write(xf.join("rust.yaml"), "- {case: demo/nope, reason: x}\n").unwrap();
    let out = run(&strs(&b), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("unknown case \"demo/nope\""),
        "{}",
        text(&out)
    );
}

#[test]
fn setup_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    write_case(&cases, "demo/passes", PASSING);
    let dir = cases.to_str().unwrap();

    // A driver that cannot start names the prepare step.
    let out = run(
        &["--sdk", "python", "--cases-dir", dir],
        &[("AXME_CONFORMANCE_PYTHON", "/nonexistent/python")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("./dev build-python"), "{}", text(&out));

    let out = run(&["--sdk", "cobol", "--cases-dir", dir], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown SDK \"cobol\""),
        "{}",
        text(&out)
    );

    // An invalid case file stops the run, naming the file and the place.
    write_case(
        &cases,
        "demo/broken",
        "description: a step with a typo\nsteps:\n  - op: health\n    expekt: {}\n",
    );
    let out = run(&["--sdk", "rust", "--cases-dir", dir], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("demo/broken.yaml") && t.contains("/steps/0"),
        "{t}"
    );
}

#[test]
fn the_rust_driver_speaks_the_protocol() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let mut child = Command::new(EXE)
        .arg("driver-rust")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let hello = next();
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["sdk"], "rust");
    assert!(hello["features"]
        .as_array()
        .unwrap()
        .contains(&Value::from("cancel")));
    let requests = [
        r#"{"id":1,"op":"client.new","args":{"name":"default","config":{"base_url":"http://127.0.0.1:9","api_key":"k_1","max_retriez":1}}}"#,
        r#"{"id":2,"op":"health"}"#,
        r#"{"id":3,"op":"client.new","args":{"name":"default","config":{"base_url":"http://127.0.0.1:9","api_key":"k_1"}}}"#,
        r#"{"id":4,"op":"teleport","args":{}}"#,
        r#"{"id":5,"op":"cancel","args":{"target":99}}"#,
        r#"{"id":6,"op":"get_intent","args":{"intent_id":""}}"#,
    ];
    // One at a time: requests are concurrent in the driver, and these depend on each other.
    let mut answers = Vec::new();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
        stdin.flush().unwrap();
        answers.push(next());
    }
    let kind = |i: usize| {
        answers[i]["error"]["kind"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        kind(0),
        "invalid_argument",
        "unknown config field: {}",
        answers[0]
    );
    assert!(answers[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("max_retriez"));
    assert_eq!(kind(1), "driver_error", "no client yet: {}", answers[1]);
    assert_eq!(
        answers[2],
        serde_json::json!({"id": 3, "ok": true, "result": {}})
    );
    assert_eq!(kind(3), "unsupported");
    assert_eq!(
        answers[4]["ok"], true,
        "cancelling a finished request is a no-op"
    );
    assert_eq!(kind(5), "invalid_argument");
    assert!(answers[5]["error"]
        .as_object()
        .unwrap()
        .contains_key("retry_after_ms"));
    drop(stdin);
    assert!(child.wait().unwrap().success(), "exits when stdin closes");
}

#[test]
fn missing_features_skip_and_a_dying_driver_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = tmp.path().join("cases");
    write_case(&cases, "demo/needs_intents", PASSING);
    write_case(
        &cases,
        "demo/needs_nothing",
        "description: runs on any driver\nsteps:\n  - op: health\n",
    );
    // A driver that says hello with no features and then stops answering (it exits at once).
    let hello = r#"{"type":"hello","protocol":1,"sdk":"fake","sdk_version":"0","features":[]}"#;
    let drivers = tmp.path().join("drivers.yaml");
    // JSON is YAML too, and spares the quoting.
    let script = format!("echo '{hello}'; echo 'fake driver gives up' >&2");
    let spec = serde_json::json!({"fake": {"command": ["sh", "-c", script], "prepare": "nothing to prepare"}});
    std::fs::write(&drivers, spec.to_string()).unwrap();
    let json = tmp.path().join("r.json");
    let out = run(
        &[
            "--sdk",
            "fake",
            "--cases-dir",
            cases.to_str().unwrap(),
            "--drivers-file",
            drivers.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = report(&json);
    let skipped = rows
        .iter()
        .find(|r| r["case"] == "demo/needs_intents")
        .unwrap();
    assert_eq!(skipped["outcome"], "skipped");
    assert!(skipped["detail"]
        .as_str()
        .unwrap()
        .contains("lacks feature(s): intents"));
    let failed = rows
        .iter()
        .find(|r| r["case"] == "demo/needs_nothing")
        .unwrap();
    assert_eq!(failed["outcome"], "fail");
    let detail = failed["detail"].as_str().unwrap();
    assert!(
        detail.contains("client.new") && detail.contains("fake driver gives up"),
        "{detail}"
    );

    // A driver that never answers runs into the case's timeout and is stopped.
    write_case(
        &cases,
        "demo/needs_nothing",
        "description: runs on any driver\ntimeout_s: 1\nsteps:\n  - op: health\n",
    );
    std::fs::remove_file(cases.join("demo/needs_intents.yaml")).unwrap();
    let script = format!("echo '{hello}'; cat >&2");
    let spec = serde_json::json!({"fake": {"command": ["sh", "-c", script], "prepare": "-"}});
    std::fs::write(&drivers, spec.to_string()).unwrap();
    let out = run(
        &[
            "--sdk",
            "fake",
            "--cases-dir",
            cases.to_str().unwrap(),
            "--drivers-file",
            drivers.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = report(&json);
    let detail = rows[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("timed out after 1s during creating the default client"),
        "{detail}"
    );
}
