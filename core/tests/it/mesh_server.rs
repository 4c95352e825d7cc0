//! Mesh calls against the reference server: heartbeats with buffered metrics as the server
//! aggregates them, a retried heartbeat in its request log, lookups by id and by address, and the
//! kill switch with the admin (dev) key.

use axme_core::{CallOptions, ErrorKind};
use serde_json::json;

use crate::support::{header, within, Harness};

const HEARTBEAT: &str = "/v1/mesh/heartbeat";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_carry_buffered_metrics_and_retries_reuse_the_key() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let mesh = h.client(&cred).mesh();
    let none = CallOptions::default();
    within(async {
        mesh.report_metric(true, Some(120.0), Some(0.02)).unwrap();
        mesh.report_metric(false, Some(80.0), None).unwrap();
        let beat = mesh.flush_metrics(&none).await.unwrap();
        assert_eq!(beat["ok"], true);
        let id = beat["address_id"].as_str().unwrap().to_string();
        let address = beat["address"].as_str().unwrap().to_string();
        assert!(id.starts_with("agt_"), "{beat}");
        assert_eq!(beat["health_status"], "healthy");

        // A bare heartbeat (no body) is accepted.
        mesh.heartbeat(None, &none).await.unwrap();

        // The third heartbeat fails once with 503 and is retried with the same key.
        h.rules(
            &cred,
            json!([{"match": {"method": "POST", "route": HEARTBEAT, "attempt": 3},
                    "action": {"type": "respond", "status": 503}}]),
        )
        .await;
        mesh.report_metric(true, Some(100.0), Some(0.03)).unwrap();
        mesh.flush_metrics(&none).await.unwrap();
        assert_eq!(mesh.buffered_metrics(), None);
        let log = h.requests(&cred, Some(HEARTBEAT)).await;
        let statuses: Vec<_> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [200, 200, 503, 200]);
        assert_eq!(
            header(&log[2], "idempotency-key"),
            header(&log[3], "idempotency-key")
        );
        assert_ne!(
            header(&log[1], "idempotency-key"),
            header(&log[2], "idempotency-key")
        );

        let agent = mesh.get_agent(&id, &none).await.unwrap();
        assert_eq!(agent["address_id"], id.as_str());
        assert_eq!(agent["intents_period"]["reported"], 3);
        assert_eq!(agent["intents_period"]["succeeded"], 2);
        assert_eq!(agent["intents_period"]["failed"], 1);
        let cost = agent["cost_period"]["cost_usd"].as_f64().unwrap();
        assert!((cost - 0.05).abs() < 1e-9, "{cost}");
        assert_eq!(agent["metadata"]["avg_latency_ms"], 100.0);

        // The agent address works as the id too ('/' travels as %2F).
        let by_address = mesh.get_agent(&address, &none).await.unwrap();
        assert_eq!(by_address["address_id"], id.as_str());

        let listed = mesh
            .list_agents(None, Some("healthy"), &none)
            .await
            .unwrap();
        let ids: Vec<_> = listed["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["address_id"].clone())
            .collect();
        assert!(ids.contains(&json!(id)), "{listed}");
        // An unknown health filter breaks the spec's enum: refused before any request.
        let e = mesh
            .list_agents(None, Some("sleepy"), &none)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("health must be one of"), "{e}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_and_resume_need_an_admin_and_show_in_the_events() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let admin = h.admin_client().mesh();
    let none = CallOptions::default();
    within(async {
        let beat = admin.heartbeat(None, &none).await.unwrap();
        let id = beat["address_id"].as_str().unwrap().to_string();

        let e = h.client(&cred).mesh().kill(&id, &none).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Auth, Some("admin_required"))
        );

        let killed = admin.kill(&id, &none).await.unwrap();
        assert_eq!(
            (killed["killed"].clone(), killed["changed"].clone()),
            (json!(true), json!(true))
        );
        let listed = admin
            .list_agents(Some(10), Some("killed"), &none)
            .await
            .unwrap();
        assert!(listed["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["address_id"] == id.as_str()));
        let events = admin
            .list_events(Some(5), Some("agent.killed"), &none)
            .await
            .unwrap();
        let first = &events["events"][0];
        assert_eq!(first["event_type"], "agent.killed");
        assert_eq!(first["address"], beat["address"]);

        let resumed = admin.resume(&id, &none).await.unwrap();
        assert_eq!(resumed["killed"], false);
        let events = admin.list_events(None, None, &none).await.unwrap();
        assert!(events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "agent.resumed"));
    })
    .await;
}
