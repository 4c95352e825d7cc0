//! Unary calls: send/create/get/list/resolve/resume/cancel, headers on the wire, error kinds.

use std::time::Duration;

use axme_core::{CallOptions, ErrorKind};
use serde_json::{json, Value};

use crate::support::{header, intent, within, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_get_list_resolve() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let none = CallOptions::default();
        let id = c.send_intent(intent(), &none).await.unwrap();
        let got = c.get_intent(&id, &none).await.unwrap();
        assert_eq!(got["intent"]["intent_id"], id.as_str());
        assert_eq!(got["intent"]["status"], "DELIVERED");
        let corr = got["intent"]["correlation_id"].as_str().unwrap();
        assert!(
            uuid::Uuid::parse_str(corr).is_ok(),
            "minted correlation id {corr}"
        );

        let events = c.list_intent_events(&id, None, &none).await.unwrap();
        let types: Vec<_> = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].clone())
            .collect();
        assert_eq!(
            types,
            [
                json!("intent.created"),
                json!("intent.submitted"),
                json!("intent.delivered")
            ]
        );
        let after = c.list_intent_events(&id, Some(2), &none).await.unwrap();
        assert_eq!(after["events"].as_array().unwrap().len(), 1);

        let resolved = c
            .resolve_intent(
                &id,
                json!({"status": "COMPLETED", "result": {"ok": 1}}),
                &none,
            )
            .await
            .unwrap();
        assert_eq!(resolved["event"]["event_type"], "intent.completed");
        let again = c
            .resolve_intent(&id, json!({"status": "COMPLETED", "result": {}}), &none)
            .await
            .unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Conflict);
        assert_eq!(again.code(), Some("intent_already_terminal"));
        assert!(again.request_id().is_some());
        assert!(!again.is_retryable());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_on_the_wire() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let mut body = intent();
        body["correlation_id"] = json!("3f1c8d52-6a8e-4c55-9a4e-0c7f5f0c1a11");
        let opts = CallOptions {
            trace_id: Some("trace-abc".into()),
            ..CallOptions::default()
        };
        let created = c.create_intent(body, &opts).await.unwrap();
        assert_eq!(
            created["correlation_id"],
            "3f1c8d52-6a8e-4c55-9a4e-0c7f5f0c1a11"
        );
        let log = h.requests(&cred, Some("/v1/intents")).await;
        assert_eq!(log.len(), 1);
        let r = &log[0];
        assert_eq!(header(r, "x-trace-id").as_deref(), Some("trace-abc"));
        assert!(header(r, "traceparent").unwrap().starts_with("00-"));
        assert_eq!(
            header(r, "x-correlation-id").as_deref(),
            Some("3f1c8d52-6a8e-4c55-9a4e-0c7f5f0c1a11")
        );
        let key = header(r, "idempotency-key").unwrap();
        assert!(uuid::Uuid::parse_str(&key).is_ok());
        let client_id = header(r, "x-axme-client").unwrap();
        assert_eq!(
            client_id,
            format!("axme-sdk-rust/{}", env!("CARGO_PKG_VERSION"))
        );
        assert!(
            header(r, "x-api-key").unwrap().starts_with("fp:"),
            "the log shows a fingerprint"
        );
        assert!(
            !r.to_string().contains(&cred.api_key),
            "the key itself never reaches the log"
        );

        let id = created["intent_id"].as_str().unwrap();
        c.get_intent(id, &CallOptions::default()).await.unwrap();
        let log = h.requests(&cred, Some("/v1/intents/{intent_id}")).await;
        let trace = header(&log[0], "x-trace-id").unwrap();
        assert!(uuid::Uuid::parse_str(&trace).is_ok(), "auto trace id");
        assert!(
            header(&log[0], "idempotency-key").is_none(),
            "reads carry no key"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_and_cancel() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let none = CallOptions::default();
        let id = c.send_intent(intent(), &none).await.unwrap();
        let owner = CallOptions {
            owner_agent: Some("agent://acme/bot".into()),
            ..CallOptions::default()
        };
        let r = c
            .resume_intent(&id, json!({"action": "progress"}), &owner)
            .await
            .unwrap();
        assert_eq!(r["intent"]["status"], "IN_PROGRESS");
        let r = c
            .resume_intent(
                &id,
                json!({"action": "complete", "result": {"v": 2}}),
                &owner,
            )
            .await
            .unwrap();
        assert_eq!(r["intent"]["status"], "COMPLETED");
        let log = h
            .requests(&cred, Some("/v1/intents/{intent_id}/resume"))
            .await;
        assert!(log[0]["query"]
            .as_str()
            .unwrap()
            .contains("owner_agent=agent%3A%2F%2Facme%2Fbot"));

        let other = c.send_intent(intent(), &none).await.unwrap();
        let canceled = c
            .cancel_intent(&other, Some("no longer needed"), &none)
            .await
            .unwrap();
        assert_eq!(canceled["intent"]["status"], "CANCELED");
        let waited = c
            .wait_for(&other, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(waited["status"], "CANCELED");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_kinds() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let none = CallOptions::default();
        let e = c
            .get_intent("00000000-0000-4000-8000-000000000000", &none)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        assert_eq!(e.status(), Some(404));
        assert!(e.trace_id().is_some() && e.request_id().is_some());

        let bad =
            json!({"intent_type": "Not A Type", "to_agent": "agent://acme/bot", "payload": {}});
        let e = c.create_intent(bad, &none).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert!(e.body().is_some_and(Value::is_object));

        let wrong = h.client_with(&cred, |cfg| {
            cfg.api_key = Some("axme_sa_nobody_secret".into())
        });
        let e = wrong
            .get_intent("00000000-0000-4000-8000-000000000000", &none)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");

        let generic = c.call_by_id("get_capabilities", Value::Null).await.unwrap();
        assert_eq!(generic["ok"], true);
        // The same call answered as JSON text (what bindings parse themselves), errors alike.
        let text = c
            .call_by_id_text("get_capabilities", Value::Null, None)
            .await
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), generic);
        let e = c
            .call_by_id_text(
                "get_intent",
                json!({"intent_id": "00000000-0000-4000-8000-00000000abcd"}),
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.status()),
            (ErrorKind::NotFound, Some(404)),
            "{e}"
        );
        let e = c
            .call_by_id_text("stream_intent_events", json!({"intent_id": "x"}), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        let health = c.health().await.unwrap();
        assert_eq!(health["ok"], true);
    })
    .await;
}
