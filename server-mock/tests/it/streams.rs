//! The SSE endpoints: windows, resume, terminal close, and listen.

use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn a_quiet_window_ends_with_stream_timeout_and_the_given_since() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    let stream = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?since=3&wait_seconds=1"),
            &[],
        )
        .await;
    assert_eq!(stream.status, 200);
    assert_eq!(
        stream.headers.get("content-type").unwrap(),
        "text/event-stream"
    );
    assert_eq!(stream.headers.get("cache-control").unwrap(), "no-cache");
    assert_eq!(stream.headers.get("x-accel-buffering").unwrap(), "no");
    assert!(stream.events().is_empty());
    assert_eq!(
        stream.timeout().unwrap().data,
        json!({"ok": true, "next_seq": 3})
    );
}

#[tokio::test]
async fn backlog_then_live_events_then_close_on_terminal() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    let observer = {
        let api = api.clone();
        let path = format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=30");
        tokio::spawn(async move { api.sse(&path, &[]).await })
    };
    // Wait until the observer is subscribed: the backlog is what it reads first, so poll nothing;
    // the resolve below may land before or after the subscription and the stream must show it either way.
    let resolved = api.resolve(&id, "COMPLETED").await;
    assert_eq!(resolved.status, 200);
    let stream = observer.await.unwrap();
    assert_eq!(stream.seqs(), [1, 2, 3, 4]);
    assert_eq!(stream.events().last().unwrap().event, "intent.completed");
    assert!(stream.timeout().is_none());
    assert!(
        stream
            .raw
            .contains("id: 4\nevent: intent.completed\ndata: {"),
        "{}",
        stream.raw
    );
}

#[tokio::test]
async fn resume_by_since_and_last_event_id_has_no_gap_or_duplicate() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    for action in ["ack", "progress", "progress"] {
        api.post(
            &format!("/v1/intents/{id}/resume"),
            json!({"action": action}),
        )
        .await;
    }
    // First window: read two events, then drop the connection.
    let first = api
        .sse_until(
            &format!("/v1/intents/{id}/events/stream?since=0&wait_seconds=5"),
            &[],
            |f| f.id == Some(2),
        )
        .await;
    let mut seen = first.seqs();
    assert_eq!(seen, [1, 2]);
    // Resume by `since`.
    let by_since = api
        .sse_until(
            &format!("/v1/intents/{id}/events/stream?since=2&wait_seconds=5"),
            &[],
            |f| f.id == Some(4),
        )
        .await;
    seen.extend(by_since.seqs());
    // Resume by Last-Event-ID (the larger of it and `since` wins).
    let by_header = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?since=1&wait_seconds=1"),
            &[("last-event-id", "4")],
        )
        .await;
    seen.extend(by_header.seqs());
    assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
    assert_eq!(by_header.timeout().unwrap().data["next_seq"], 6);
    let bad = api
        .sse(
            &format!("/v1/intents/{id}/events/stream"),
            &[("last-event-id", "abc")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let too_long = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?wait_seconds=61"),
            &[],
        )
        .await;
    assert_eq!(too_long.status, 422);
}

#[tokio::test]
async fn a_stream_resumed_after_the_terminal_event_ends_at_once() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create().await;
    api.resolve(&id, "CANCELED").await;
    let stream = api
        .sse(
            &format!("/v1/intents/{id}/events/stream?since=4&wait_seconds=60"),
            &[],
        )
        .await;
    assert!(stream.events().is_empty());
    assert_eq!(stream.timeout().unwrap().data["next_seq"], 4);
    let missing = api
        .sse(
            "/v1/intents/00000000-0000-4000-8000-000000000000/events/stream",
            &[],
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn listen_delivers_to_agents_connected_before_and_after() {
    let server = TestServer::start().await;
    let (_, api) = server.credential("listen").await;
    let early_listener = {
        let api = api.clone();
        tokio::spawn(async move {
            api.sse_until(
                "/v1/agents/acme/prod/billing/intents/stream?since=0&wait_seconds=30",
                &[],
                |f| f.event.starts_with("intent."),
            )
            .await
        })
    };
    let first = api.create_to("agent://acme/prod/billing").await;
    let early = early_listener.await.unwrap();
    let delivered = &early.events()[0];
    assert_eq!(delivered.data["intent_id"], first.as_str());
    assert_eq!(delivered.data["seq"], 1);
    assert_eq!(delivered.id, Some(1));
    assert_eq!(delivered.data["payload"]["job"], "x");

    let second = api.create_to("agent://acme/prod/billing").await;
    api.create_to("agent://acme/prod/other").await;
    // A late agent gets the backlog; the cursor is per agent, so `since=1` skips only the first.
    let late = api
        .sse(
            "/v1/agents/agent%3A%2F%2Facme%2Fprod%2Fbilling/intents/stream?since=1&wait_seconds=1",
            &[],
        )
        .await;
    let ids: Vec<_> = late
        .events()
        .iter()
        .map(|f| f.data["intent_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, std::slice::from_ref(&second));
    assert_eq!(late.timeout().unwrap().data["next_seq"], 2);

    // Handing an intent over acknowledges it.
    let got = api.get(&format!("/v1/intents/{first}")).await;
    assert_eq!(got.body["intent"]["status"], "ACKNOWLEDGED");

    // A restarted agent reading from 0 gets every unfinished intent again; finished ones are filtered.
    api.resolve(&first, "COMPLETED").await;
    let restarted = api
        .sse(
            "/v1/agents/acme/prod/billing/intents/stream?since=0&wait_seconds=1",
            &[],
        )
        .await;
    let ids: Vec<_> = restarted
        .events()
        .iter()
        .map(|f| f.data["intent_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, std::slice::from_ref(&second));
    let with_terminal = api
        .sse(
            "/v1/agents/acme/prod/billing/intents/stream?since=0&wait_seconds=1&status=COMPLETED",
            &[],
        )
        .await;
    let ids: Vec<_> = with_terminal
        .events()
        .iter()
        .map(|f| f.data["intent_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [first]);
    let bad = api.sse("/v1/agents/bad%20name/intents/stream", &[]).await;
    assert_eq!(bad.status, 422);
}
