//! `axme server`: starts the reference server, prints its URL and key, saves them as a context the
//! other commands use, refuses a data dir in use, and stops on SIGTERM.

use crate::support::{Cli, TestServer};

#[test]
fn server_saves_a_context_that_other_commands_use() {
    let config = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("axme-data");
    let data_arg = data_dir.to_str().unwrap();
    let mut server = Cli::new(config.path()).spawn([
        "server",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_arg,
    ]);
    let url_line = server.line_until(|l| l.starts_with("url:"));
    let url = url_line.split_whitespace().nth(1).unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url_line}");
    let key_line = server.line_until(|l| l.starts_with("api key:"));
    let key = key_line.split_whitespace().nth(2).unwrap().to_string();
    assert_eq!(
        std::fs::read_to_string(data_dir.join("dev-api-key"))
            .unwrap()
            .trim(),
        key
    );
    let context = server.line_until(|l| l.starts_with("context:"));
    assert!(context.contains("local (current"), "{context}");

    // Another terminal: no flags, no environment; the saved context connects.
    let id = Cli::new(config.path())
        .run([
            "intents",
            "send",
            "--to",
            "agent://acme/billing",
            "--type",
            "invoice.create.v1",
        ])
        .ok();
    assert_eq!(id.len(), 36, "piped, send prints only the id: {id:?}");
    let shown = Cli::new(config.path())
        .run(["context", "show", "--json"])
        .expect(0)
        .json();
    assert_eq!(shown["context"], "local");
    assert_eq!(shown["base_url"]["value"], url.as_str());

    // The same data dir cannot be served twice.
    let second = Cli::new(config.path())
        .run([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data_arg,
            "--no-save",
        ])
        .expect(1);
    assert!(
        second.stderr.contains("in use by another axme-server"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("hint:"), "{}", second.stderr);

    let stopped = server.terminate();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert!(stopped.stderr.contains("stopping"), "{}", stopped.stderr);

    // A restart on the same data dir keeps the key and says so as JSON.
    let mut again = Cli::new(config.path()).spawn([
        "server",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_arg,
        "--json",
    ]);
    let line = again.line_until(|l| l.starts_with('{'));
    let started: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(started["api_key"], key.as_str());
    assert_eq!(started["context"], "local");
    assert_eq!(started["current"], true);
    again.terminate().expect(0);
}

#[test]
fn server_does_not_take_over_another_current_context() {
    let ts = TestServer::start();
    ts.bare()
        .run([
            "context",
            "set",
            "staging",
            "--base-url",
            &ts.url,
            "--api-key",
            &ts.key,
        ])
        .ok();
    let data = tempfile::tempdir().unwrap();
    let mut server = ts.bare().spawn([
        "server",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--save-context",
        "scratch",
    ]);
    let line = server.line_until(|l| l.starts_with("context:"));
    assert!(line.contains("axme context use scratch"), "{line}");
    let shown = ts
        .bare()
        .run(["context", "show", "--json"])
        .expect(0)
        .json();
    assert_eq!(shown["context"], "staging");
    server.terminate().expect(0);
}
