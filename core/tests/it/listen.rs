//! listen: deliveries to an agent address, resumed by cursor after a drop without duplicates.

use axme_core::{CallOptions, ErrorKind, StreamOptions};
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::support::{header, within, Harness};

const AGENT_ROUTE: &str = "/v1/agents/{address}/intents/stream";

fn to(agent: &str, n: u64) -> Value {
    json!({"intent_type": "demo.task.v1", "to_agent": agent, "payload": {"n": n}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_delivers_each_intent_once_across_a_drop() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let none = CallOptions::default();
        let a = c
            .send_intent(to("agent://acme/worker", 1), &none)
            .await
            .unwrap();
        c.send_intent(to("agent://acme/other", 3), &none)
            .await
            .unwrap();
        h.rules(
            &cred,
            json!([{"match": {"route": AGENT_ROUTE, "attempt": 1},
                    "action": {"type": "sse", "drop_after_events": 2, "duplicate_events": true}}]),
        )
        .await;
        let mut s = c.listen("agent://acme/worker", &StreamOptions::default());
        let first = s.next().await.unwrap().unwrap();
        // Sent while the first connection is open: the server delivers it (twice) and then drops
        // the connection, so the client must drop the duplicate and reconnect from `second`'s cursor.
        let b = c
            .send_intent(to("agent://acme/worker", 2), &none)
            .await
            .unwrap();
        let second = s.next().await.unwrap().unwrap();
        assert_eq!(first["intent_id"], a.as_str());
        assert_eq!(second["intent_id"], b.as_str());
        assert!(second["seq"].as_u64() > first["seq"].as_u64());

        // A later intent arrives live on the same stream.
        let d = c
            .send_intent(to("agent://acme/worker", 4), &none)
            .await
            .unwrap();
        let third = s.next().await.unwrap().unwrap();
        assert_eq!(third["intent_id"], d.as_str());
        drop(s);

        let log = h.requests(&cred, Some(AGENT_ROUTE)).await;
        assert!(log.len() >= 2, "reconnected after the drop: {log:#?}");
        assert_eq!(log[0]["path"], "/v1/agents/acme/worker/intents/stream");
        let cursor = second["seq"].as_u64().unwrap().to_string();
        let query = log[1]["query"].as_str().unwrap();
        assert!(query.contains(&format!("since={cursor}")), "{log:#?}");
        assert_eq!(header(&log[1], "last-event-id"), Some(cursor));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_status_filter_timeout_and_bad_address() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let none = CallOptions::default();
        let id = c
            .send_intent(to("agent://acme/done", 1), &none)
            .await
            .unwrap();
        c.resolve_intent(&id, json!({"status": "COMPLETED", "result": {}}), &none)
            .await
            .unwrap();

        let quiet = StreamOptions {
            timeout_seconds: Some(0.3),
            wait_seconds: 1,
            ..StreamOptions::default()
        };
        let mut s = c.listen("agent://acme/done", &quiet);
        let e = s.next().await.unwrap().unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::Timeout,
            "terminal intents are filtered by default: {e}"
        );
        assert!(s.next().await.is_none());

        let opts = StreamOptions {
            status: Some(vec!["COMPLETED".into()]),
            ..StreamOptions::default()
        };
        let mut s = c.listen("agent://acme/done", &opts);
        assert_eq!(s.next().await.unwrap().unwrap()["intent_id"], id.as_str());

        let mut s = c.listen("agent://acme//x", &StreamOptions::default());
        assert_eq!(
            s.next().await.unwrap().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_keeps_one_trace_id_across_reconnects() {
    let h = Harness::start().await;
    within(async {
        for given in [None, Some("trace-of-one-listen")] {
            let cred = h.credential().await;
            let c = h.client(&cred);
            let none = CallOptions::default();
            c.send_intent(to("agent://acme/worker", 1), &none)
                .await
                .unwrap();
            c.send_intent(to("agent://acme/worker", 2), &none)
                .await
                .unwrap();
            h.rules(
                &cred,
                json!([{"match": {"route": AGENT_ROUTE, "attempt": 1},
                        "action": {"type": "sse", "drop_after_events": 1}}]),
            )
            .await;
            let opts = StreamOptions {
                trace_id: given.map(str::to_string),
                ..StreamOptions::default()
            };
            let mut s = c.listen("agent://acme/worker", &opts);
            s.next().await.unwrap().unwrap();
            s.next().await.unwrap().unwrap(); // after the reconnect
            drop(s);
            let log = h.requests(&cred, Some(AGENT_ROUTE)).await;
            assert_eq!(log.len(), 2, "{log:#?}");
            let traces: Vec<_> = log.iter().map(|r| header(r, "x-trace-id")).collect();
            assert_eq!(traces[0], traces[1], "{given:?}");
            match given {
                Some(t) => assert_eq!(traces[0].as_deref(), Some(t)),
                None => assert!(traces[0]
                    .as_deref()
                    .is_some_and(|t| uuid::Uuid::parse_str(t).is_ok())),
            }
        }
    })
    .await;
}
