//! Retries as seen in the server's request log: one idempotency key for every attempt, attempt
//! counts, spacing that honours Retry-After, what is never retried, and the retry budget.

use axme_core::{CallOptions, ErrorKind};
use serde_json::{json, Value};

use crate::support::{header, intent, within, Harness};

const CREATE: &str = "/v1/intents";

fn respond(status: u16, attempt: Option<u32>, headers: Value) -> Value {
    json!({"match": {"method": "POST", "route": CREATE, "attempt": attempt},
           "action": {"type": "respond", "status": status, "headers": headers}})
}

fn elapsed_ms(entry: &Value) -> f64 {
    entry["elapsed_ms"].as_f64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_retries_reuse_one_idempotency_key_and_honour_retry_after() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        h.rules(
            &cred,
            json!([
                respond(503, Some(1), json!({"retry-after-ms": "300"})),
                respond(429, Some(2), json!({"Retry-After": "1"}))
            ]),
        )
        .await;
        let id = c
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap();
        let log = h.requests(&cred, Some(CREATE)).await;
        let statuses: Vec<_> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [503, 429, 200]);
        let keys: Vec<_> = log
            .iter()
            .map(|r| header(r, "idempotency-key").unwrap())
            .collect();
        assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        let traces: Vec<_> = log
            .iter()
            .map(|r| header(r, "x-trace-id").unwrap())
            .collect();
        assert!(
            traces.iter().all(|t| *t == traces[0]),
            "one trace id per logical call"
        );
        let gap1 = elapsed_ms(&log[1]) - elapsed_ms(&log[0]);
        let gap2 = elapsed_ms(&log[2]) - elapsed_ms(&log[1]);
        assert!(
            (290.0..2000.0).contains(&gap1),
            "retry-after-ms 300 → {gap1} ms"
        );
        assert!((990.0..3000.0).contains(&gap2), "Retry-After 1 → {gap2} ms");
        let got = c.get_intent(&id, &CallOptions::default()).await.unwrap();
        assert_eq!(got["intent"]["intent_id"], id.as_str());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_retried() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    within(async {
        // A write without a key (auto keys off) is never retried.
        let no_keys = h.client_with(&cred, |cfg| cfg.auto_idempotency_key = false);
        h.rules(&cred, json!([respond(503, Some(1), json!({}))]))
            .await;
        let e = no_keys
            .send_intent(intent(), &CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(503)));
        assert_eq!(h.requests(&cred, Some(CREATE)).await.len(), 1);

        // 501 and a plain 409 are final; x-should-retry: false overrides a 503.
        let cred = h.credential().await;
        let c = h.client(&cred);
        h.rules(&cred, json!([respond(501, Some(1), json!({}))]))
            .await;
        assert_eq!(
            c.send_intent(intent(), &CallOptions::default())
                .await
                .unwrap_err()
                .status(),
            Some(501)
        );
        h.rules(&cred, json!([respond(409, Some(2), json!({}))]))
            .await;
        assert_eq!(
            c.send_intent(intent(), &CallOptions::default())
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        h.rules(
            &cred,
            json!([respond(503, Some(3), json!({"x-should-retry": "false"}))]),
        )
        .await;
        assert_eq!(
            c.send_intent(intent(), &CallOptions::default())
                .await
                .unwrap_err()
                .status(),
            Some(503)
        );
        assert_eq!(h.requests(&cred, Some(CREATE)).await.len(), 3);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict_retried_when_the_server_says_so_and_reset_connections() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        h.rules(
            &cred,
            json!([respond(409, Some(1), json!({"x-should-retry": "true"})),
                   {"match": {"route": "/v1/intents/{intent_id}", "attempt": 1}, "action": {"type": "reset"}}]),
        )
        .await;
        let id = c.send_intent(intent(), &CallOptions::default()).await.unwrap();
        assert_eq!(h.requests(&cred, Some(CREATE)).await.len(), 2);
        c.get_intent(&id, &CallOptions::default()).await.unwrap();
        assert_eq!(h.requests(&cred, Some("/v1/intents/{intent_id}")).await.len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_timeout_errors() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client_with(&cred, |cfg| {
        cfg.timeout_seconds = 0.3;
        cfg.max_retries = 1;
    });
    within(async {
        h.rules(&cred, json!([{"match": {"route": "/v1/intents/{intent_id}"}, "action": {"type": "delay", "ms": 1500}}]))
            .await;
        let e = c.get_intent("some-id", &CallOptions::default()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert_eq!(h.requests(&cred, Some("/v1/intents/{intent_id}")).await.len(), 2, "one retry");
        assert_eq!(c.retry_budget().available(), 490, "a timeout retry costs 10 tokens");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_budget_runs_out() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        h.rules(&cred, json!([respond(503, None, json!({}))])).await;
        // 500 tokens at 5 per retry: 100 retries, i.e. 50 calls of 2 retries each.
        for _ in 0..50 {
            let e = c
                .send_intent(intent(), &CallOptions::default())
                .await
                .unwrap_err();
            assert_eq!(e.status(), Some(503));
        }
        assert_eq!(c.retry_budget().available(), 0);
        assert_eq!(h.requests(&cred, Some(CREATE)).await.len(), 150);
        c.send_intent(intent(), &CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            h.requests(&cred, Some(CREATE)).await.len(),
            151,
            "no retry once the budget is empty"
        );
        // Successes earn tokens back.
        c.get_intent("x", &CallOptions::default())
            .await
            .unwrap_err();
        c.call_by_id("health", Value::Null).await.unwrap();
        assert_eq!(c.retry_budget().available(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_configured_retry_budget_runs_out_quickly() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    // 12 tokens pay for two retries (5 each); the 2 left pay for none.
    let c = h.client_with(&cred, |cfg| cfg.retry_budget = 12);
    within(async {
        h.rules(&cred, json!([respond(503, None, json!({}))])).await;
        for _ in 0..2 {
            let e = c
                .send_intent(intent(), &CallOptions::default())
                .await
                .unwrap_err();
            assert_eq!(e.status(), Some(503));
        }
        assert_eq!(c.retry_budget().available(), 2);
        assert_eq!(
            h.requests(&cred, Some(CREATE)).await.len(),
            4,
            "3 attempts, then 1 without retries"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_retry_rule_of_each_operation_is_honoured() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client_with(&cred, |cfg| cfg.auto_idempotency_key = false);
    within(async {
        // `retry: never` (the mesh kill switch): one attempt, even with an idempotency key.
        let kill = "/v1/mesh/agents/{address_id}/kill";
        h.rules(
            &cred,
            json!([{"match": {"route": kill}, "action": {"type": "respond", "status": 503}}]),
        )
        .await;
        let e = c
            .call_by_id(
                "mesh_kill",
                json!({"address_id": "agt_x", "idempotency_key": "kill-1"}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(503));
        let log = h.requests(&cred, Some(kill)).await;
        assert_eq!(log.len(), 1);
        assert_eq!(
            header(&log[0], "idempotency-key").as_deref(),
            Some("kill-1")
        );

        // A DELETE the spec marks `retry: always` is retried without any key.
        let delete = "/v1/webhooks/subscriptions/{subscription_id}";
        h.rules(
            &cred,
            json!([{"match": {"method": "DELETE", "route": delete, "attempt": 1},
                    "action": {"type": "respond", "status": 503}}]),
        )
        .await;
        let _ = c
            .call_by_id(
                "delete_webhook_subscription",
                json!({"subscription_id": "sub_missing"}),
            )
            .await;
        let log = h.requests(&cred, Some(delete)).await;
        assert_eq!(log.len(), 2, "{log:#?}");
        assert_eq!(log[0]["status"], 503);
        assert!(log.iter().all(|r| header(r, "idempotency-key").is_none()));
    })
    .await;
}
