//! `axme mesh agents|kill|resume|events|dashboard`: agents with the usage they reported, the kill
//! switch (the agent's listen is refused, then served again), the event log, the dashboard URL.

use axme_core::{CallOptions, ErrorKind, StreamOptions};
use futures_util::StreamExt;
use serde_json::json;

use crate::support::TestServer;

/// Opens the agent's listen stream and returns the first item's error kind (or `None` when the
/// stream opened and its one-second window passed with nothing to deliver).
fn listen_refusal(ts: &TestServer, key: &str, address: &str) -> Option<ErrorKind> {
    let client = ts.client(Some(key));
    ts.rt.block_on(async {
        let mut stream = client.listen(
            address,
            &StreamOptions {
                wait_seconds: 1,
                timeout_seconds: Some(1.5),
                ..StreamOptions::default()
            },
        );
        match stream.next().await {
            Some(Err(e)) if e.kind() == ErrorKind::Timeout && e.status().is_none() => None,
            Some(Err(e)) => Some(e.kind()),
            other => panic!("unexpected listen item: {other:?}"),
        }
    })
}

#[test]
fn mesh_agents_kill_resume_events_and_dashboard() {
    let ts = TestServer::start();
    let worker_key = ts.account("worker");
    let worker = ts.client(Some(&worker_key));
    ts.rt.block_on(async {
        let metrics = json!({"intents_total": 3, "intents_succeeded": 2, "intents_failed": 1,
            "avg_latency_ms": 12.5, "cost_usd": 0.25});
        for _ in 0..2 {
            worker
                .mesh()
                .heartbeat(Some(metrics.clone()), &CallOptions::default())
                .await
                .unwrap();
        }
    });
    let table = ts.axme().run(["mesh", "agents"]).ok();
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("AGENT") && header.contains("COST"),
        "{table}"
    );
    let row = table
        .lines()
        .find(|l| l.starts_with("agent://dev/default/worker"))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells[1], "healthy", "{row}");
    assert!(cells[2].ends_with("s ago"), "{row}");
    assert_eq!(&cells[3..], ["6", "0", "67%", "13 ms", "$0.50"], "{row}");
    assert!(table.trim_end().contains(": 1 healthy"), "{table}");
    let week = ts
        .axme()
        .run(["mesh", "agents", "--window", "week", "--json"])
        .expect(0)
        .json();
    assert_eq!(week["window"], "week");
    let agent = week["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["address"] == "agent://dev/default/worker")
        .unwrap();
    assert_eq!(agent["cost_period"]["cost_usd"], 0.5);
    let healthy_only = ts
        .axme()
        .run(["mesh", "agents", "--health", "killed", "--json"])
        .expect(0)
        .json();
    assert_eq!(healthy_only["agents"].as_array().unwrap().len(), 0);

    // The kill switch: never without confirmation off a terminal.
    let address = "agent://dev/default/worker";
    assert_eq!(listen_refusal(&ts, &worker_key, address), None);
    let unconfirmed = ts.axme().run(["mesh", "kill", address]).expect(2);
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    assert_eq!(listen_refusal(&ts, &worker_key, address), None);
    assert_eq!(
        ts.axme().run(["mesh", "kill", address, "--yes"]).ok(),
        format!("killed {address}")
    );
    assert_eq!(
        listen_refusal(&ts, &worker_key, address),
        Some(ErrorKind::Auth)
    );
    assert!(ts
        .axme()
        .run(["mesh", "agents", "--health", "killed"])
        .ok()
        .contains(address));
    let again = ts.axme().run(["mesh", "kill", address, "-y"]).ok();
    assert!(again.ends_with("(it already was)"), "{again}");

    // Only admins switch agents.
    let self_resume = ts
        .axme()
        .env("AXME_API_KEY", &worker_key)
        .run(["mesh", "resume", address])
        .expect(1);
    assert!(
        self_resume.stderr.contains("admin_required"),
        "{}",
        self_resume.stderr
    );
    assert!(
        self_resume.stderr.contains("needs an admin key"),
        "{}",
        self_resume.stderr
    );

    assert_eq!(
        ts.axme().run(["mesh", "resume", address]).ok(),
        format!("resumed {address}")
    );
    assert_eq!(listen_refusal(&ts, &worker_key, address), None);

    let events = ts.axme().run(["mesh", "events"]).ok();
    let kinds: Vec<&str> = events
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(&kinds[..2], ["agent.resumed", "agent.killed"], "{events}");
    let killed_only = ts
        .axme()
        .run(["mesh", "events", "--type", "agent.killed", "--json"])
        .expect(0)
        .json();
    assert_eq!(killed_only["events"].as_array().unwrap().len(), 1);

    // No browser here (no DISPLAY): the URL is printed.
    let url = ts.axme().run(["mesh", "dashboard"]).ok();
    assert_eq!(url, format!("{}/dashboard", ts.url));
    let json = ts
        .axme()
        .run(["mesh", "dashboard", "--no-open", "--json"])
        .expect(0)
        .json();
    assert_eq!(json["opened"], false);
}
