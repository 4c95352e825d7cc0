//! `axme intents send|get|list|events|watch|cancel|resolve`, and the exit codes of `watch`.

use serde_json::Value;

use crate::support::TestServer;

/// The value of a `key:  value` line of `get`.
fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {key:?} in:\n{text}"))
}

fn send(ts: &TestServer, extra: &[&str]) -> String {
    let mut args = vec![
        "intents",
        "send",
        "--to",
        "agent://acme/billing",
        "--type",
        "invoice.create.v1",
    ];
    args.extend_from_slice(extra);
    ts.axme().run(&args).ok()
}

#[test]
fn send_builds_the_body_from_options_and_files() {
    let ts = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload.json");
    std::fs::write(&payload, r#"{"amount": 42, "lines": [1, 2]}"#).unwrap();
    let id = send(
        &ts,
        &[
            "--payload",
            &format!("@{}", payload.display()),
            "--set",
            "currency=EUR",
            "--set",
            "meta.urgent=true",
            "--deadline",
            "1h",
            "--correlation-id",
            "0198c6d2-aaaa-7bbb-8ccc-000000000001",
        ],
    );
    let got = ts
        .axme()
        .run(["intents", "get", &id, "--json"])
        .expect(0)
        .json();
    let intent = &got["intent"];
    assert_eq!(
        intent["payload"],
        serde_json::json!({"amount": 42, "lines": [1, 2], "currency": "EUR", "meta": {"urgent": true}})
    );
    assert_eq!(
        intent["correlation_id"],
        "0198c6d2-aaaa-7bbb-8ccc-000000000001"
    );
    assert!(intent["deadline_at"].is_string());

    // --file is the whole body; options change it.
    let body = dir.path().join("intent.json");
    std::fs::write(
        &body,
        r#"{"intent_type": "notify.message.v1", "to_agent": "agent://acme/support", "payload": {"text": "hi"}}"#,
    )
    .unwrap();
    let from_file = ts
        .axme()
        .run([
            "intents",
            "send",
            "--file",
            body.to_str().unwrap(),
            "--set",
            "lang=en",
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(from_file["status"], "DELIVERED");
    let got = ts
        .axme()
        .run([
            "intents",
            "get",
            from_file["intent_id"].as_str().unwrap(),
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(got["intent"]["to_agent"], "agent://acme/support");
    assert_eq!(
        got["intent"]["payload"],
        serde_json::json!({"text": "hi", "lang": "en"})
    );

    // The same idempotency key gives the same intent (the correlation id is derived from it);
    // the same key with another body is a conflict.
    let a = send(&ts, &["--idempotency-key", "order-17"]);
    let b = send(&ts, &["--idempotency-key", "order-17"]);
    assert_eq!(a, b);
    let other = ts
        .axme()
        .run([
            "intents",
            "send",
            "--to",
            "agent://acme/billing",
            "--type",
            "invoice.create.v1",
            "--idempotency-key",
            "order-17",
            "--set",
            "amount=1",
        ])
        .expect(1);
    assert!(
        other.stderr.contains("409 (idempotency_key_reused)"),
        "{}",
        other.stderr
    );
    let missing = ts.axme().run(["intents", "send", "--to", "x"]).expect(2);
    assert!(missing.stderr.contains("--type"), "{}", missing.stderr);
}

#[test]
fn get_list_and_events_print_tables_and_the_servers_json() {
    let ts = TestServer::start();
    let id = send(&ts, &["--set", "amount=42"]);
    let text = ts.axme().run(["intents", "get", &id]).ok();
    for (key, want) in [
        ("intent", id.as_str()),
        ("type", "invoice.create.v1"),
        ("status", "DELIVERED"),
        ("to", "agent://acme/billing"),
        ("pending with", "agent://acme/billing (agent)"),
        ("payload", "{\"amount\":42}"),
    ] {
        assert_eq!(field(&text, key), want, "{key} in:\n{text}");
    }
    let list = ts
        .axme()
        .run(["intents", "list", "--status", "DELIVERED", "--limit", "5"])
        .ok();
    assert!(list.contains(&id), "{list}");
    let events = ts.axme().run(["intents", "events", &id]).ok();
    let rows: Vec<&str> = events.lines().collect();
    assert!(rows[0].starts_with("SEQ  TIME"), "{events}");
    assert_eq!(rows.len(), 4, "created, submitted, delivered:\n{events}");
    assert!(rows[3].contains("intent.delivered"), "{events}");
    let since = ts
        .axme()
        .run(["intents", "events", &id, "--since", "2", "--json"])
        .expect(0)
        .json();
    assert_eq!(since["events"].as_array().unwrap().len(), 1);
    assert_eq!(since["events"][0]["seq"], 3);
}

#[test]
fn watch_exits_with_a_code_for_each_ending() {
    let ts = TestServer::start();
    // COMPLETED: 0, with every event on its own line and the result.
    let done = send(&ts, &[]);
    let resolved = ts
        .axme()
        .run([
            "intents",
            "resolve",
            &done,
            "--result",
            r#"{"invoice": "INV-7"}"#,
        ])
        .ok();
    assert_eq!(resolved, format!("intent {done} COMPLETED"));
    let out = ts.axme().run(["intents", "watch", &done]).expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", out.stdout);
    assert!(
        lines[0].contains("#1") && lines[0].contains("intent.created"),
        "{}",
        out.stdout
    );
    assert!(
        lines[3].contains("intent.completed") && lines[3].contains(r#"result {"invoice":"INV-7"}"#),
        "{}",
        out.stdout
    );
    assert_eq!(lines[4], format!("intent {done} COMPLETED"));

    // FAILED: 3.
    let failed = send(&ts, &[]);
    ts.axme()
        .run([
            "intents",
            "resolve",
            &failed,
            "--status",
            "FAILED",
            "--error",
            r#"{"code": "card_declined"}"#,
        ])
        .ok();
    ts.axme().run(["intents", "watch", &failed]).expect(3);

    // CANCELED: 4.
    let canceled = send(&ts, &[]);
    assert_eq!(
        ts.axme()
            .run(["intents", "cancel", &canceled, "--reason", "sent twice"])
            .ok(),
        format!("intent {canceled} CANCELED")
    );
    ts.axme().run(["intents", "watch", &canceled]).expect(4);

    // TIMED_OUT: 5 (the deadline passes while watching; `send --watch` follows it).
    let timed = ts.axme().run([
        "intents",
        "send",
        "--to",
        "agent://acme/billing",
        "--type",
        "invoice.create.v1",
        "--deadline",
        "1s",
        "--watch",
    ]);
    let timed = timed.expect(5);
    assert!(
        timed.stdout.contains("intent.timed_out"),
        "{}",
        timed.stdout
    );

    // Still running when --timeout passes: 6, with a hint.
    let pending = send(&ts, &[]);
    let gave_up = ts
        .axme()
        .run(["intents", "watch", &pending, "--timeout", "0.5"])
        .expect(6);
    assert!(
        gave_up.stderr.contains("error: timeout:"),
        "{}",
        gave_up.stderr
    );
    assert!(
        gave_up.stderr.contains("still DELIVERED"),
        "{}",
        gave_up.stderr
    );

    // --json: the server's events, one per line.
    let json = ts
        .axme()
        .run(["intents", "watch", &done, "--json", "--since", "1"])
        .expect(0);
    let events: Vec<Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [2, 3, 4]);
    assert_eq!(events[2]["status"], "COMPLETED");
}

#[test]
fn watch_shows_events_as_they_happen() {
    let ts = TestServer::start();
    let id = send(&ts, &[]);
    let mut watch = ts.axme().spawn(["intents", "watch", &id]);
    // The backlog first; the resolution arrives while the watch waits.
    watch.line_until(|l| l.contains("intent.delivered"));
    ts.axme()
        .run([
            "intents",
            "resolve",
            &id,
            "--status",
            "CANCELED",
            "--reason",
            "no longer needed",
        ])
        .ok();
    let line = watch.line_until(|l| l.contains("intent.canceled"));
    assert!(line.contains("no longer needed"), "{line}");
    watch.finish().expect(4);
}
