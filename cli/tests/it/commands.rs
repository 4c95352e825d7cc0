//! Help for every command, global options anywhere, output modes, errors and their hints, `raw`,
//! `completions`, `agents` and `inbox`.

use serde_json::Value;

use crate::support::{Cli, TestServer};

/// Every command that does something, as its words.
const COMMANDS: &[&[&str]] = &[
    &["server"],
    &["context", "set"],
    &["context", "use"],
    &["context", "list"],
    &["context", "show"],
    &["intents", "send"],
    &["intents", "get"],
    &["intents", "list"],
    &["intents", "events"],
    &["intents", "watch"],
    &["intents", "cancel"],
    &["intents", "resolve"],
    &["tasks", "list"],
    &["tasks", "get"],
    &["tasks", "approve"],
    &["tasks", "reject"],
    &["tasks", "submit"],
    &["inbox", "list"],
    &["inbox", "show"],
    &["inbox", "approve"],
    &["inbox", "reject"],
    &["inbox", "reply"],
    &["scenarios", "validate"],
    &["scenarios", "apply"],
    &["agents", "list"],
    &["agents", "show"],
    &["mesh", "agents"],
    &["mesh", "kill"],
    &["mesh", "resume"],
    &["mesh", "events"],
    &["mesh", "dashboard"],
    &["raw"],
    &["completions"],
];

#[test]
fn every_command_has_help_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    let top = Cli::new(dir.path()).run(["--help"]).ok();
    for group in [
        "server",
        "context",
        "intents",
        "tasks",
        "inbox",
        "scenarios",
        "agents",
        "mesh",
        "raw",
        "completions",
    ] {
        assert!(
            top.contains(&format!("  {group} ")),
            "{group} missing from:\n{top}"
        );
    }
    assert!(top.contains("Exit codes: 0 ok"), "{top}");
    for words in COMMANDS {
        let mut args: Vec<&str> = words.to_vec();
        args.push("--help");
        let help = Cli::new(dir.path()).run(&args).ok();
        assert!(
            help.contains("Example"),
            "`axme {}` help has no example:\n{help}",
            words.join(" ")
        );
        assert!(help.contains("Global options:"), "{help}");
    }
    let version = Cli::new(dir.path()).run(["--version"]).ok();
    assert_eq!(version, format!("axme {}", env!("CARGO_PKG_VERSION")));
    let bad = Cli::new(dir.path())
        .run(["intents", "frobnicate"])
        .expect(2);
    assert!(
        bad.stderr.contains("unrecognized subcommand"),
        "{}",
        bad.stderr
    );
}

#[test]
fn global_options_go_before_or_after_the_command() {
    let ts = TestServer::start();
    let before = ts
        .axme()
        .run(["--json", "intents", "list"])
        .expect(0)
        .json();
    let after = ts
        .axme()
        .run(["intents", "list", "--json"])
        .expect(0)
        .json();
    assert_eq!(before["ok"], true);
    assert_eq!(before, after);
    // --base-url and --api-key work after the command too, over the environment.
    let flags = ts
        .bare()
        .env("AXME_BASE_URL", "http://127.0.0.1:9")
        .run([
            "intents",
            "list",
            "--base-url",
            &ts.url,
            "--api-key",
            &ts.key,
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(flags["ok"], true);
}

#[test]
fn tables_are_aligned_plain_when_piped_and_coloured_when_forced() {
    let ts = TestServer::start();
    let id = ts
        .axme()
        .run([
            "intents",
            "send",
            "--to",
            "agent://acme/billing",
            "--type",
            "invoice.create.v1",
            "--set",
            "amount=42",
        ])
        .ok();
    let plain = ts.axme().run(["intents", "list"]).ok();
    assert!(
        !plain.contains('\x1b'),
        "escape codes when piped: {plain:?}"
    );
    let lines: Vec<&str> = plain.lines().collect();
    assert!(
        lines[0].starts_with("ID  ") && lines[0].contains("STATUS"),
        "{plain}"
    );
    let col = lines[0].find("STATUS").unwrap();
    assert_eq!(
        lines[1].find("DELIVERED"),
        Some(col),
        "columns align:\n{plain}"
    );
    assert!(lines[1].starts_with(&id));
    let coloured = ts
        .axme()
        .env("CLICOLOR_FORCE", "1")
        .run(["intents", "list"])
        .ok();
    assert!(coloured.contains("\x1b[1mID\x1b[0m"), "{coloured:?}");
    assert!(
        coloured.contains("\x1b[34mDELIVERED\x1b[0m"),
        "{coloured:?}"
    );
    let no_color = ts
        .axme()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run(["intents", "list"])
        .ok();
    assert!(!no_color.contains('\x1b'));
}

#[test]
fn errors_print_kind_message_request_id_and_hint() {
    let ts = TestServer::start();
    let missing = ts
        .axme()
        .run(["intents", "get", "0198c6d2-0000-7000-8000-000000000000"])
        .expect(1);
    assert!(
        missing.stderr.starts_with("error: not_found: "),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains("status:     404 (intent_not_found)"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("request id: "),
        "{}",
        missing.stderr
    );
    let json = ts
        .axme()
        .run([
            "intents",
            "get",
            "0198c6d2-0000-7000-8000-000000000000",
            "--json",
        ])
        .expect(1);
    let err: Value = serde_json::from_str(missing_line(&json.stderr)).unwrap();
    assert_eq!(err["error"]["kind"], "not_found");
    assert_eq!(err["error"]["code"], "intent_not_found");
    assert!(err["error"]["request_id"].is_string());

    // Nothing listens on port 9: the hint names the URL and `axme server`.
    let down = ts
        .bare()
        .env("AXME_API_KEY", "k")
        .env("AXME_BASE_URL", "http://127.0.0.1:9")
        .run(["intents", "list"])
        .expect(1);
    assert!(
        down.stderr.starts_with("error: connection: "),
        "{}",
        down.stderr
    );
    assert!(
        down.stderr
            .contains("hint: the server is not reachable at http://127.0.0.1:9"),
        "{}",
        down.stderr
    );

    let no_key = ts
        .bare()
        .env("AXME_BASE_URL", &ts.url)
        .run(["intents", "list"])
        .expect(1);
    assert!(
        no_key
            .stderr
            .contains("error: config: no API key configured"),
        "{}",
        no_key.stderr
    );
    assert!(no_key.stderr.contains("axme server"), "{}", no_key.stderr);

    let bad_key = ts
        .axme()
        .env("AXME_API_KEY", "axme_sa_nobody_secret")
        .run(["intents", "list"])
        .expect(1);
    assert!(
        bad_key.stderr.contains("status:     401 (invalid_api_key)"),
        "{}",
        bad_key.stderr
    );
    assert!(
        bad_key.stderr.contains("API key from AXME_API_KEY"),
        "{}",
        bad_key.stderr
    );

    // A bad argument is refused before any request.
    let usage = ts
        .axme()
        .run([
            "intents",
            "send",
            "--to",
            "x",
            "--type",
            "a.b.v1",
            "--payload",
            "[1]",
        ])
        .expect(2);
    assert!(
        usage.stderr.contains("--payload must be a JSON object"),
        "{}",
        usage.stderr
    );
}

fn missing_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or(stderr)
}

#[test]
fn raw_calls_any_operation_through_the_core() {
    let ts = TestServer::start();
    let caps = ts
        .axme()
        .run(["raw", "GET", "/v1/capabilities"])
        .expect(0)
        .json();
    assert_eq!(caps["protocol_version"], "axp.v1");
    let created = ts
        .axme()
        .run([
            "raw",
            "post",
            "/v1/intents",
            "--data",
            r#"{"intent_type": "notify.message.v1", "to_agent": "agent://acme/billing", "payload": {"text": "hi"}}"#,
        ])
        .expect(0)
        .json();
    let id = created["intent_id"].as_str().unwrap();
    let events = ts
        .axme()
        .run(["raw", "GET", &format!("/v1/intents/{id}/events?since=1")])
        .expect(0)
        .json();
    assert_eq!(
        events["events"][0]["seq"], 2,
        "since is exclusive and typed as an integer"
    );
    let unknown = ts.axme().run(["raw", "GET", "/v1/nothing"]).expect(2);
    assert!(
        unknown.stderr.contains("not an operation of the AXP API"),
        "{}",
        unknown.stderr
    );
    let stream = ts
        .axme()
        .run(["raw", "GET", &format!("/v1/intents/{id}/events/stream")])
        .expect(2);
    assert!(
        stream.stderr.contains("axme intents watch"),
        "{}",
        stream.stderr
    );
    let server_error = ts
        .axme()
        .run(["raw", "POST", "/v1/intents", "--data", "{}"])
        .expect(1);
    assert!(
        server_error.stderr.contains("error: validation:"),
        "{}",
        server_error.stderr
    );
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = Cli::new(dir.path()).run(["completions", shell]).ok();
        assert!(script.contains("axme"), "{shell}");
        assert!(script.contains("intents"), "{shell}");
    }
    Cli::new(dir.path()).run(["completions", "tcsh"]).expect(2);
}

#[test]
fn agents_list_and_show() {
    let ts = TestServer::start();
    ts.axme()
        .run([
            "intents",
            "send",
            "--to",
            "agent://acme/prod/billing",
            "--type",
            "invoice.create.v1",
        ])
        .ok();
    let list = ts.axme().run(["agents", "list"]).ok();
    assert!(
        list.lines().next().unwrap().starts_with("ADDRESS"),
        "{list}"
    );
    assert!(list.contains("agent://acme/prod/billing"), "{list}");
    let show = ts
        .axme()
        .run(["agents", "show", "agent://acme/prod/billing"])
        .ok();
    assert!(show.contains("address:"), "{show}");
    assert!(show.contains("agt_"), "{show}");
    let json = ts
        .axme()
        .run(["agents", "show", "acme/prod/billing", "--json"])
        .expect(0)
        .json();
    assert_eq!(json["agent"]["address"], "agent://acme/prod/billing");
    ts.axme()
        .run(["agents", "show", "agent://acme/none"])
        .expect(1);
}

#[test]
fn inbox_threads_from_reply_to_completions() {
    let ts = TestServer::start();
    let owner = "agent://dev/default/ops";
    let send = |n: u32| {
        ts.axme()
            .run([
                "intents",
                "send",
                "--to",
                "agent://acme/billing",
                "--type",
                "invoice.create.v1",
                "--reply-to",
                owner,
                "--set",
                &format!("n={n}"),
            ])
            .ok()
    };
    let (first, second) = (send(1), send(2));
    for id in [&first, &second] {
        ts.axme()
            .run([
                "intents",
                "resolve",
                id,
                "--result",
                r#"{"invoice": "INV-1"}"#,
            ])
            .ok();
    }
    let list = ts.axme().run(["inbox", "list", "--owner", owner]).ok();
    assert!(list.contains(&first) && list.contains(&second), "{list}");
    assert!(list.contains("inbox of agent://dev/default/ops"), "{list}");
    let json = ts
        .axme()
        .run(["inbox", "list", "--owner", owner, "--json"])
        .expect(0)
        .json();
    assert_eq!(json["threads"].as_array().unwrap().len(), 2);

    let show = ts
        .axme()
        .run(["inbox", "show", &first, "--owner", owner])
        .ok();
    assert!(
        show.contains(&format!("thread:  {first}")) || show.contains(&first),
        "{show}"
    );
    assert!(show.contains("intent.completed"), "{show}");

    let reply = ts
        .axme()
        .run(["inbox", "reply", &first, "thanks, filed", "--owner", owner])
        .ok();
    assert!(
        reply.contains("message.sent") && reply.contains("thanks, filed"),
        "{reply}"
    );
    let approved = ts
        .axme()
        .run([
            "inbox",
            "approve",
            &first,
            "--comment",
            "looks right",
            "--owner",
            owner,
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(approved["thread"]["decision"]["decision"], "approve");
    assert_eq!(approved["thread"]["status"], "done");
    let rejected = ts
        .axme()
        .run(["inbox", "reject", &second, "--owner", owner])
        .ok();
    assert!(
        rejected.contains("decision:") && rejected.contains("reject"),
        "{rejected}"
    );
    // The owner may also come from the context.
    ts.axme()
        .run([
            "context",
            "set",
            "ops",
            "--base-url",
            &ts.url,
            "--owner-agent",
            owner,
            "--use",
        ])
        .ok();
    let from_context = ts.axme().run(["inbox", "list", "--json"]).expect(0).json();
    assert_eq!(from_context["owner_agent"], owner);
}
