//! Contexts: the file and its mode, use/list/show, and the precedence of flags, environment and
//! context.

use crate::support::TestServer;

#[test]
fn contexts_are_saved_privately_and_chosen_by_precedence() {
    let ts = TestServer::start();
    // `set` takes the global --base-url / --api-key as the values to store.
    let saved = ts
        .bare()
        .run([
            "context",
            "set",
            "local",
            "--base-url",
            &ts.url,
            "--api-key",
            &ts.key,
        ])
        .ok();
    let path = ts.config_dir.path().join("config.json");
    assert_eq!(
        saved,
        format!("saved context local (current) in {}", path.display())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the config holds keys");
    }
    ts.bare()
        .run([
            "context",
            "set",
            "elsewhere",
            "--base-url",
            "http://127.0.0.1:9",
            "--api-key",
            "axme_sa_other_key0123",
        ])
        .ok();

    // The current context connects; nothing else is configured.
    let listed = ts
        .bare()
        .run(["intents", "list", "--json"])
        .expect(0)
        .json();
    assert_eq!(listed["ok"], true);
    let list = ts.bare().run(["context", "list"]).ok();
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("CURRENT  NAME"), "{list}");
    assert!(
        lines.iter().any(|l| l.starts_with("*        local")),
        "{list}"
    );
    assert!(
        !list.contains(&ts.key),
        "keys are shown by their ends only:\n{list}"
    );

    let show = ts.bare().run(["context", "show"]).ok();
    assert!(show.contains("context:      local"), "{show}");
    assert!(show.contains(&format!("{}  (context)", ts.url)), "{show}");
    let revealed = ts.bare().run(["context", "show", "local", "--reveal"]).ok();
    assert!(revealed.contains(&ts.key), "{revealed}");

    // --context picks another; AXME_CONTEXT too; the environment beats the context; a flag beats both.
    let other = ts
        .bare()
        .run(["intents", "list", "--context", "elsewhere"])
        .expect(1);
    assert!(
        other.stderr.contains("not reachable at http://127.0.0.1:9"),
        "{}",
        other.stderr
    );
    ts.bare()
        .env("AXME_CONTEXT", "elsewhere")
        .run(["intents", "list"])
        .expect(1);
    ts.bare()
        .env("AXME_CONTEXT", "elsewhere")
        .env("AXME_BASE_URL", &ts.url)
        .env("AXME_API_KEY", &ts.key)
        .run(["intents", "list"])
        .expect(0);
    let shown = ts
        .bare()
        .env("AXME_BASE_URL", "http://127.0.0.1:9")
        .run(["context", "show", "--json", "--base-url", &ts.url])
        .expect(0)
        .json();
    assert_eq!(shown["base_url"]["value"], ts.url.as_str());
    assert_eq!(shown["base_url"]["source"], "flag");
    assert_eq!(shown["api_key"]["source"], "context");

    // `use` switches; unknown names are refused with a hint.
    assert_eq!(
        ts.bare().run(["context", "use", "elsewhere"]).ok(),
        "using context elsewhere (http://127.0.0.1:9)"
    );
    ts.bare().run(["intents", "list"]).expect(1);
    let unknown = ts.bare().run(["context", "use", "nope"]).expect(1);
    assert!(
        unknown.stderr.contains("no context named \"nope\""),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("axme context list"),
        "{}",
        unknown.stderr
    );
    ts.bare()
        .run(["intents", "list", "--context", "nope"])
        .expect(1);
    let new_without_url = ts.bare().run(["context", "set", "fresh"]).expect(2);
    assert!(
        new_without_url.stderr.contains("--base-url"),
        "{}",
        new_without_url.stderr
    );
    let bad_url = ts
        .bare()
        .run(["context", "set", "fresh", "--base-url", "ftp://x"])
        .expect(2);
    assert!(bad_url.stderr.contains("http://"), "{}", bad_url.stderr);
}
