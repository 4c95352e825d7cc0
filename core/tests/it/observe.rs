//! observe / wait_for: ordering, dedupe across drops and duplicated events, every framing,
//! the polling fallback, a 503 on the stream, deadlines and cancellation.

use std::time::{Duration, Instant};

use axme_core::{CallOptions, Client, ErrorKind, StreamOptions};
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::support::{header, intent, within, Credential, Harness, STREAM_ROUTE};

/// Creates an intent and completes it: events 1..=4, the last terminal.
async fn finished_intent(c: &Client) -> String {
    let none = CallOptions::default();
    let id = c.send_intent(intent(), &none).await.unwrap();
    c.resolve_intent(&id, json!({"status": "COMPLETED", "result": {}}), &none)
        .await
        .unwrap();
    id
}

async fn collect(c: &Client, id: &str, opts: StreamOptions) -> Vec<Value> {
    let mut s = c.observe(id, &opts);
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        out.push(item.expect("event"));
    }
    out
}

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

async fn observe_with_rule(
    h: &Harness,
    cred: &Credential,
    action: Value,
) -> (Vec<u64>, Vec<Value>) {
    let c = h.client(cred);
    let id = finished_intent(&c).await;
    h.rules(
        cred,
        json!([{"match": {"route": STREAM_ROUTE, "attempt": 1}, "action": action}]),
    )
    .await;
    let events = collect(&c, &id, StreamOptions::default()).await;
    assert_eq!(events.last().unwrap()["status"], "COMPLETED");
    (seqs(&events), h.requests(cred, Some(STREAM_ROUTE)).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_live_until_terminal() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let id = c
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap();
        let mut s = c.observe(&id, &StreamOptions::default());
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(s.next().await.unwrap().unwrap());
        }
        c.resolve_intent(
            &id,
            json!({"status": "FAILED", "error": {"code": "x"}}),
            &CallOptions::default(),
        )
        .await
        .unwrap();
        got.push(s.next().await.unwrap().unwrap());
        assert!(
            s.next().await.is_none(),
            "the stream ends after the terminal event"
        );
        assert_eq!(seqs(&got), [1, 2, 3, 4]);
        assert_eq!(got[3]["event_type"], "intent.failed");
        let since = collect(
            &c,
            &id,
            StreamOptions {
                since: 2,
                ..StreamOptions::default()
            },
        )
        .await;
        assert_eq!(seqs(&since), [3, 4]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_resumes_after_a_mid_stream_drop() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        // The server sends two events, flushes them, then breaks the connection; the client must
        // resume from seq 2 with `since` and `Last-Event-ID`.
        let rule = json!({"type": "sse", "drop_after_events": 2});
        h.rules(
            &cred,
            json!([{"match": {"route": STREAM_ROUTE, "attempt": 1}, "action": rule}]),
        )
        .await;
        let id = c
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap();
        let mut s = c.observe(&id, &StreamOptions::default());
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(s.next().await.unwrap().unwrap());
        }
        c.resolve_intent(
            &id,
            json!({"status": "COMPLETED", "result": {}}),
            &CallOptions::default(),
        )
        .await
        .unwrap();
        got.push(s.next().await.unwrap().unwrap());
        assert!(s.next().await.is_none());
        assert_eq!(seqs(&got), [1, 2, 3, 4]);
        let log = h.requests(&cred, Some(STREAM_ROUTE)).await;
        assert_eq!(log.len(), 2, "one reconnect: {log:#?}");
        let query = log[1]["query"].as_str().unwrap();
        assert!(query.contains("since=2"), "{query}");
        assert_eq!(header(&log[1], "last-event-id").as_deref(), Some("2"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_drops_duplicated_events() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    within(async {
        let (seqs, _) =
            observe_with_rule(&h, &cred, json!({"type": "sse", "duplicate_events": true})).await;
        assert_eq!(seqs, [1, 2, 3, 4]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_reads_every_framing() {
    let h = Harness::start().await;
    within(async {
        for framing in ["crlf", "cr", "bom", "comments", "multiline", "bytewise"] {
            let cred = h.credential().await;
            let (seqs, _) =
                observe_with_rule(&h, &cred, json!({"type": "sse", "framing": framing})).await;
            assert_eq!(seqs, [1, 2, 3, 4], "framing {framing}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_retries_a_503_on_the_stream() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    within(async {
        let action = json!({"type": "respond", "status": 503, "headers": {"retry-after-ms": "50"}});
        let (seqs, log) = observe_with_rule(&h, &cred, action).await;
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(log.len(), 2);
        assert_eq!(log[0]["status"], 503);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_falls_back_to_polling() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        h.rules(&cred, json!([{"match": {"route": STREAM_ROUTE}, "action": {"type": "respond", "status": 404}}]))
            .await;
        let id = c.send_intent(intent(), &CallOptions::default()).await.unwrap();
        let opts = StreamOptions { poll_interval_seconds: 0.05, ..StreamOptions::default() };
        let mut s = c.observe(&id, &opts);
        let first: Vec<Value> = vec![
            s.next().await.unwrap().unwrap(),
            s.next().await.unwrap().unwrap(),
            s.next().await.unwrap().unwrap(),
        ];
        assert_eq!(seqs(&first), [1, 2, 3]);
        c.cancel_intent(&id, None, &CallOptions::default()).await.unwrap();
        let last = s.next().await.unwrap().unwrap();
        assert_eq!((last["seq"].as_u64(), last["status"].as_str()), (Some(4), Some("CANCELED")));
        assert!(s.next().await.is_none());
        assert_eq!(h.requests(&cred, Some(STREAM_ROUTE)).await.len(), 1, "no stream retries on 404");
        let polls = h.requests(&cred, Some("/v1/intents/{intent_id}/events")).await;
        assert!(polls.len() >= 2, "polled {} times", polls.len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_returns_the_terminal_event() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let id = c
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap();
        let resolver = {
            let (c, id) = (c.clone(), id.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                c.resolve_intent(
                    &id,
                    json!({"status": "COMPLETED", "result": {"v": 1}}),
                    &CallOptions::default(),
                )
                .await
            })
        };
        let ev = c
            .wait_for(&id, Some(Duration::from_secs(10)))
            .await
            .unwrap();
        assert_eq!(ev["event_type"], "intent.completed");
        assert_eq!(ev["seq"], 4);
        resolver.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_deadline_and_cancellation() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let id = c
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap();
        let started = Instant::now();
        let e = c
            .wait_for(&id, Some(Duration::from_millis(300)))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(3),
            "{took:?}"
        );

        // Dropping the future cancels the wait: the request ends and the client stays usable.
        let dropped = tokio::time::timeout(Duration::from_millis(200), c.wait_for(&id, None)).await;
        assert!(dropped.is_err());
        let mut s = c.observe(&id, &StreamOptions::default());
        assert_eq!(s.next().await.unwrap().unwrap()["seq"], 1);
        drop(s);
        c.resolve_intent(
            &id,
            json!({"status": "COMPLETED", "result": {}}),
            &CallOptions::default(),
        )
        .await
        .unwrap();
        let ev = c.wait_for(&id, Some(Duration::from_secs(5))).await.unwrap();
        assert_eq!(ev["status"], "COMPLETED");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observing_past_the_terminal_event_ends_without_spinning() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let id = finished_intent(&c).await;
        let after_end = StreamOptions { since: 4, ..StreamOptions::default() };
        assert!(collect(&c, &id, after_end.clone()).await.is_empty());
        assert_eq!(h.requests(&cred, Some(STREAM_ROUTE)).await.len(), 1);
        let last = collect(&c, &id, StreamOptions { since: 3, ..StreamOptions::default() }).await;
        assert_eq!(seqs(&last), [4]);

        // The same through the polling fallback.
        h.rules(&cred, json!([{"match": {"route": STREAM_ROUTE}, "action": {"type": "respond", "status": 501}}]))
            .await;
        let polling = StreamOptions { poll_interval_seconds: 0.02, ..after_end };
        assert!(collect(&c, &id, polling).await.is_empty());
        let polls = h.requests(&cred, Some("/v1/intents/{intent_id}/events")).await;
        assert!(polls.len() <= 3, "{} polls", polls.len());
    })
    .await;
}

/// The `X-Trace-Id` values of a route's requests.
async fn traces(h: &Harness, cred: &Credential, route: &str) -> Vec<String> {
    h.requests(cred, Some(route))
        .await
        .iter()
        .map(|r| header(r, "x-trace-id").expect("x-trace-id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_id_per_observe_call_across_reconnects() {
    let h = Harness::start().await;
    within(async {
        // Auto: one id minted for the whole call, kept by the reconnect after a drop.
        let cred = h.credential().await;
        let c = h.client(&cred);
        let drop = json!({"type": "sse", "drop_after_events": 2});
        let (order, log) = observe_with_rule(&h, &cred, drop.clone()).await;
        assert_eq!(order, [1, 2, 3, 4]);
        assert_eq!(log.len(), 2, "one reconnect");
        let auto = traces(&h, &cred, STREAM_ROUTE).await;
        assert_eq!(auto[0], auto[1]);
        assert!(uuid::Uuid::parse_str(&auto[0]).is_ok(), "{auto:?}");
        // A second call gets its own id.
        let id = finished_intent(&c).await;
        collect(&c, &id, StreamOptions::default()).await;
        let all = traces(&h, &cred, STREAM_ROUTE).await;
        assert_eq!(all.len(), 3);
        assert_ne!(all[2], auto[0]);

        // Given: on every stream request and on the fallback's polls.
        let cred = h.credential().await;
        let c = h.client(&cred);
        let id = finished_intent(&c).await;
        h.rules(
            &cred,
            json!([{"match": {"route": STREAM_ROUTE, "attempt": 1}, "action": drop},
                   {"match": {"route": STREAM_ROUTE, "attempt": 2}, "action": {"type": "respond", "status": 404}}]),
        )
        .await;
        let given = StreamOptions {
            trace_id: Some("trace-of-one-observe".into()),
            poll_interval_seconds: 0.02,
            ..StreamOptions::default()
        };
        let got = collect(&c, &id, given).await;
        assert_eq!(seqs(&got), [1, 2, 3, 4]);
        let stream = traces(&h, &cred, STREAM_ROUTE).await;
        let polls = traces(&h, &cred, "/v1/intents/{intent_id}/events").await;
        assert_eq!(stream.len(), 2);
        assert!(!polls.is_empty(), "the fallback polled");
        for t in stream.iter().chain(&polls) {
            assert_eq!(t, "trace-of-one-observe");
        }

        // wait_for carries the caller's id too; with auto_trace_id off nothing is minted.
        let cred = h.credential().await;
        let quiet = h.client_with(&cred, |cfg| cfg.auto_trace_id = false);
        let id = finished_intent(&quiet).await;
        quiet
            .wait_for_with(
                &id,
                &StreamOptions {
                    trace_id: Some("trace-of-wait-for".into()),
                    ..StreamOptions::default()
                },
            )
            .await
            .unwrap();
        quiet.wait_for(&id, None).await.unwrap();
        let log = h.requests(&cred, Some(STREAM_ROUTE)).await;
        assert_eq!(log.len(), 2);
        assert_eq!(header(&log[0], "x-trace-id").as_deref(), Some("trace-of-wait-for"));
        assert_eq!(header(&log[1], "x-trace-id"), None);
    })
    .await;
}
