//! Mesh calls against the scripted server in `fake.rs`: heartbeat bodies, metrics buffering and
//! flushing, the background heartbeat, reads, and the never-retried kill switch.

use std::sync::Arc;
use std::time::Duration;

use axme_core::{CallOptions, Client, Config, ErrorKind};
use serde_json::json;

use crate::fake::{Fake, Logged};
use crate::support::within;

const HEARTBEAT: &str = "/v1/mesh/heartbeat";

fn client(fake: &Fake, max_retries: u32) -> Client {
    let config = Config {
        base_url: Some(fake.base_url.clone()),
        api_key: Some("key-1".into()),
        max_retries,
        ..Config::default()
    };
    let resolved = config.resolve_with(|_| None).expect("config");
    Client::from_resolved(resolved, Some(Arc::new(|| 0.0))).expect("client")
}

fn unavailable() -> (u16, serde_json::Value) {
    (
        503,
        json!({"error": {"code": "unavailable", "message": "down"}}),
    )
}

/// Poll until `cond` holds (generous: the machine may be loaded).
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

fn beats(fake: &Fake) -> Vec<Logged> {
    fake.requests(Some(HEARTBEAT))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_sends_a_body_only_with_metrics() {
    let fake = Fake::start().await;
    let mesh = client(&fake, 2).mesh();
    let none = CallOptions::default();
    within(async {
        assert_eq!(
            mesh.heartbeat(None, &none).await.unwrap(),
            json!({"ok": true})
        );
        mesh.heartbeat(Some(json!({})), &none).await.unwrap();
        mesh.heartbeat(Some(json!(null)), &none).await.unwrap();
        let m = json!({"intents_total": 2, "avg_latency_ms": 5.5});
        mesh.heartbeat(Some(m.clone()), &none).await.unwrap();
        let log = beats(&fake);
        assert_eq!(log.len(), 4);
        for r in &log[..3] {
            assert_eq!(r.method, "POST");
            assert_eq!(r.body, None);
            assert_eq!(r.header("content-type"), None);
        }
        assert_eq!(log[3].body, Some(json!({"metrics": m})));
        assert_eq!(log[3].header("content-type"), Some("application/json"));
        assert!(log.iter().all(|r| r.header("idempotency-key").is_some()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_metrics_go_with_the_next_heartbeat_and_survive_a_failure() {
    let fake = Fake::start().await;
    let mesh = client(&fake, 0).mesh();
    let none = CallOptions::default();
    within(async {
        mesh.report_metric(true, Some(120.0), Some(0.02)).unwrap();
        mesh.report_metric(false, Some(80.0), None).unwrap();
        mesh.report_metric(true, None, Some(0.03)).unwrap();

        fake.script("POST /v1/mesh/heartbeat", &[unavailable()]);
        let e = mesh.flush_metrics(&none).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        // Not lost: merged with what was reported since.
        mesh.report_metric(true, Some(100.0), None).unwrap();
        mesh.flush_metrics(&none).await.unwrap();
        assert_eq!(mesh.buffered_metrics(), None);
        // Nothing buffered: a bare heartbeat.
        mesh.flush_metrics(&none).await.unwrap();
    })
    .await;
    let log = beats(&fake);
    assert_eq!(log.len(), 3);
    let first = &log[0].body.as_ref().unwrap()["metrics"];
    assert_eq!(first["intents_total"], 3);
    assert_eq!(first["avg_latency_ms"], 100.0);
    let delivered = &log[1].body.as_ref().unwrap()["metrics"];
    assert_eq!(delivered["intents_total"], 4);
    assert_eq!(delivered["intents_succeeded"], 3);
    assert_eq!(delivered["intents_failed"], 1);
    assert_eq!(delivered["avg_latency_ms"], 100.0);
    assert!((delivered["cost_usd"].as_f64().unwrap() - 0.05).abs() < 1e-12);
    assert_eq!(log[2].body, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_heartbeat_runs_flushes_and_stops() {
    let fake = Fake::start().await;
    let c = client(&fake, 0);
    let mesh = c.mesh();
    within(async {
        mesh.report_metric(true, Some(10.0), None).unwrap();
        let handle = mesh
            .start_heartbeat(Duration::from_millis(40), true)
            .unwrap();
        assert!(mesh.heartbeat_running());
        // The first heartbeat goes at once and carries the buffer.
        eventually("the first heartbeat", || !beats(&fake).is_empty()).await;
        assert_eq!(
            beats(&fake)[0].body.as_ref().unwrap()["metrics"]["intents_total"],
            1
        );
        eventually("three heartbeats", || beats(&fake).len() >= 3).await;
        assert!(beats(&fake)[1..].iter().all(|r| r.body.is_none()));

        // A second start while running shares the task.
        let again = c
            .mesh()
            .start_heartbeat(Duration::from_millis(5), false)
            .unwrap();
        // Failures are swallowed (the task keeps going) and the metrics kept for a later beat.
        let before = beats(&fake).len();
        fake.script("POST /v1/mesh/heartbeat", &[unavailable(), unavailable()]);
        mesh.report_metric(false, None, Some(1.5)).unwrap();
        eventually("beats past the failures", || {
            beats(&fake).len() >= before + 4
        })
        .await;
        assert!(mesh.heartbeat_running());

        mesh.stop_heartbeat().await;
        assert_eq!(mesh.buffered_metrics(), None, "delivered, not lost");
        let carried = beats(&fake)
            .iter()
            .filter(|r| {
                r.body
                    .as_ref()
                    .is_some_and(|b| b["metrics"]["cost_usd"] == 1.5)
            })
            .count();
        assert!(carried >= 1);
        assert!(!handle.is_running());
        assert!(!again.is_running());
        assert!(!mesh.heartbeat_running());
        let after_stop = beats(&fake).len();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(beats(&fake).len(), after_stop, "no heartbeat after stop");
        handle.stopped().await; // returns at once once stopped
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_heartbeat_stops_with_its_last_handle_and_can_skip_metrics() {
    let fake = Fake::start().await;
    let mesh = client(&fake, 0).mesh();
    within(async {
        mesh.report_metric(true, Some(1.0), None).unwrap();
        let handle = mesh
            .start_heartbeat(Duration::from_millis(30), false)
            .unwrap();
        let watcher = handle.clone();
        eventually("two heartbeats", || beats(&fake).len() >= 2).await;
        assert!(
            beats(&fake).iter().all(|r| r.body.is_none()),
            "metrics not included"
        );
        assert!(mesh.buffered_metrics().is_some(), "and kept in the buffer");
        drop(handle);
        assert!(watcher.is_running(), "a clone keeps it alive");
        drop(watcher);
        eventually("the task to stop", || !mesh.heartbeat_running()).await;
        let n = beats(&fake).len();
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(beats(&fake).len(), n);
        // It can be started again afterwards.
        let h = mesh
            .start_heartbeat(Duration::from_millis(30), true)
            .unwrap();
        eventually("a new heartbeat", || beats(&fake).len() > n).await;
        assert_eq!(mesh.buffered_metrics(), None);
        h.stop();
        h.stopped().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_the_kill_switch() {
    let fake = Fake::start().await;
    let mesh = client(&fake, 2).mesh();
    let none = CallOptions::default();
    within(async {
        mesh.list_agents(None, None, &none).await.unwrap();
        mesh.list_agents(Some(5), Some("degraded"), &none)
            .await
            .unwrap();
        mesh.get_agent("addr 1/x", &none).await.unwrap();
        mesh.list_events(None, Some("agent.killed"), &none)
            .await
            .unwrap();

        // Reads are retried.
        fake.script("GET /v1/mesh/agents", &[unavailable()]);
        mesh.list_agents(None, None, &none).await.unwrap();

        // Kill and resume never are, although they carry a key and 503 is retryable.
        fake.script(
            "POST /v1/mesh/agents/a1/kill",
            &[unavailable(), (200, json!({"ok": true}))],
        );
        let e = mesh.kill("a1", &none).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.status(), e.is_retryable()),
            (ErrorKind::Server, Some(503), true)
        );
        fake.script(
            "POST /v1/mesh/agents/a1/resume",
            &[unavailable(), (200, json!({"ok": true}))],
        );
        mesh.resume("a1", &none).await.unwrap_err();
        assert_eq!(
            mesh.kill("a1", &none).await.unwrap(),
            json!({"ok": true}),
            "the next call gets the next answer"
        );

        let e = mesh.list_agents(Some(0), None, &none).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    })
    .await;
    let q = |path: &str| -> Vec<Option<String>> {
        fake.requests(Some(path))
            .iter()
            .map(|r| r.query.clone())
            .collect()
    };
    assert_eq!(
        q("/v1/mesh/agents"),
        [
            Some("limit=100".to_string()),
            Some("limit=5&health=degraded".to_string()),
            Some("limit=100".to_string()),
            Some("limit=100".to_string()),
        ]
    );
    assert_eq!(fake.requests(Some("/v1/mesh/agents/addr%201%2Fx")).len(), 1);
    assert_eq!(
        q("/v1/mesh/events"),
        [Some("limit=50&event_type=agent.killed".to_string())]
    );
    assert_eq!(fake.requests(Some("/v1/mesh/agents/a1/kill")).len(), 2);
    assert_eq!(fake.requests(Some("/v1/mesh/agents/a1/resume")).len(), 1);
    let kill = &fake.requests(Some("/v1/mesh/agents/a1/kill"))[0];
    assert_eq!(kill.method, "POST");
    assert_eq!(kill.body, None);
}
