//! Client-side checks from the spec: a missing required parameter or a value breaking the
//! parameter's schema is an `invalid_argument` naming it, and the server never sees a request.

use axme_core::{CallOptions, ErrorKind, StreamOptions};
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::support::{within, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_never_reach_the_server() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let bad: [(&str, Value, &str); 7] = [
            (
                "list_intent_events",
                json!({"intent_id": "i", "since": -1}),
                "list_intent_events: query parameter since must be an integer from 0 to 9223372036854775807, got -1",
            ),
            (
                "list_intents",
                json!({"limit": 0}),
                "list_intents: query parameter limit must be an integer from 1 to 200, got 0",
            ),
            (
                "list_intents",
                json!({"limit": "10"}),
                "list_intents: query parameter limit must be an integer from 1 to 200, got \"10\"",
            ),
            (
                "check_nick",
                json!({}),
                "check_nick: missing required query parameter nick (a string of 1 to 64 characters)",
            ),
            (
                "mesh_list_agents",
                json!({"health": "sick"}),
                "mesh_list_agents: query parameter health must be one of \"healthy\", \"degraded\", \"unreachable\", \"killed\", \"unknown\", got \"sick\"",
            ),
            (
                "get_intent",
                json!({}),
                "get_intent: missing required path parameter intent_id (a string)",
            ),
            (
                "upload_media_content",
                json!({"upload_id": "u", "body": "raw"}),
                "upload_media_content: the body is raw bytes (application/octet-stream)",
            ),
        ];
        for (op, args, want) in bad {
            let e = c.call_by_id(op, args.clone()).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{op} {args}");
            assert!(e.message().starts_with(want), "{op}: {}", e.message());
        }
        // The high-level calls check up front too.
        let e = c
            .resolve_intent("i", Value::Null, &CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.message().contains("missing the request body"), "{e}");
        let mut s = c.observe(
            "i",
            &StreamOptions {
                trace_id: Some("bad\ntrace".into()),
                ..StreamOptions::default()
            },
        );
        let e = s.next().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(s.next().await.is_none());

        assert_eq!(h.requests(&cred, None).await, Vec::<Value>::new());
        // The journal does record this credential's requests: a valid call shows up.
        c.call_by_id("list_intents", json!({"limit": 200.0}))
            .await
            .unwrap();
        let log = h.requests(&cred, None).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["query"], "limit=200");
    })
    .await;
}
