//! The intent event stream (`/v1/intents/{id}/events/stream`): resume by `since` and by
//! `Last-Event-ID` without gap or duplicate, the end of a window, the close after a terminal event,
//! and a deadline that ends an intent as `TIMED_OUT`.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::fixtures::{is_terminal, rfc3339};
use super::harness::{at, ensure, short, CheckResult, Ctx};
use super::sse::{describe, seqs, timeout_data, Frame};

fn stream_path(id: &str, query: &str) -> String {
    format!("/v1/intents/{id}/events/stream?{query}")
}

pub async fn stream_resume(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let path = stream_path(&id, "since=1&wait_seconds=2");
    let mut stream = c.sse(&path, &[]).await?;
    stream.expect_open()?;
    let frames = stream
        .read_until(|f| f.event.starts_with("intent."))
        .await?;
    let first = frames.iter().find(|f| f.event.starts_with("intent."));
    ensure!(
        first.is_some_and(|f| f.seq().is_some_and(|s| s > 1)),
        "GET {path}: expected an intent.* event with seq > 1, got {}",
        describe(&frames)
    );
    Ok(())
}

pub async fn last_event_id_resume(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    // First connection: read up to seq 2, then drop it.
    let path = stream_path(&id, "since=0&wait_seconds=5");
    let mut first = c.sse(&path, &[]).await?;
    first.expect_open()?;
    let frames = first.read_until(|f| f.seq() == Some(2)).await?;
    drop(first);
    let mut seen = seqs(&frames);
    ensure!(
        seen == [1, 2],
        "GET {path} read up to id 2: expected seq [1, 2], got {}",
        describe(&frames)
    );
    // Reconnect with Last-Event-ID only: the rest of the backlog, then the window's end.
    let path = stream_path(&id, "wait_seconds=1");
    let mut second = c.sse(&path, &[("Last-Event-ID", "2")]).await?;
    second.expect_open()?;
    let frames = second.read_all().await?;
    seen.extend(seqs(&frames));
    let end = timeout_data(&frames);
    ensure!(
        end.as_ref().is_some_and(|d| d["next_seq"] == json!(3)),
        "GET {path} with Last-Event-ID: 2: expected the window to end with stream.timeout next_seq = 3, got {}",
        describe(&frames)
    );
    // A live event, then reconnect from the last id seen.
    c.resolve(&id, "COMPLETED").await?.expect(200)?;
    let mut third = c.sse(&path, &[("Last-Event-ID", "3")]).await?;
    third.expect_open()?;
    let frames = third.read_all().await?;
    seen.extend(seqs(&frames));
    ensure!(
        seen == [1, 2, 3, 4],
        "resuming with Last-Event-ID: expected seq [1, 2, 3, 4] across the connections (no gap, no duplicate), got {seen:?}"
    );
    ensure!(
        frames.last().is_some_and(|f| f.event == "intent.completed"),
        "GET {path} with Last-Event-ID: 3 after resolve: expected the stream to end with intent.completed, got {}",
        describe(&frames)
    );
    Ok(())
}

pub async fn window_end(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let quiet = stream_path(&id, "since=3&wait_seconds=1");
    let mut stream = c.sse(&quiet, &[]).await?;
    stream.expect_open()?;
    let frames = stream.read_all().await?;
    ensure!(
        seqs(&frames).is_empty() && timeout_data(&frames).is_some_and(|d| d["next_seq"] == json!(3)),
        "GET {quiet}: expected no events and a closing stream.timeout with next_seq = 3 (the since given), got {}",
        describe(&frames)
    );
    let backlog = stream_path(&id, "since=1&wait_seconds=1");
    let mut stream = c.sse(&backlog, &[]).await?;
    let frames = stream.read_all().await?;
    ensure!(
        seqs(&frames) == [2, 3] && timeout_data(&frames).is_some_and(|d| d["next_seq"] == json!(3)),
        "GET {backlog}: expected seq [2, 3] then stream.timeout with next_seq = 3 (the last seq sent), got {}",
        describe(&frames)
    );
    let cache = stream
        .headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ensure!(
        cache.contains("no-cache"),
        "GET {backlog}: expected Cache-Control: no-cache, got {cache:?}"
    );
    Ok(())
}

pub async fn terminal_closes(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    c.resolve(&id, "COMPLETED").await?.expect(200)?;
    // After resolve the log ends with intent.completed; both the list and the stream must show it
    // (the upstream "continuation" check) and a long window must close right after it.
    let events = c.events(&id, 3).await?;
    ensure!(
        events
            .last()
            .is_some_and(|e| e["event_type"] == json!("intent.completed")),
        "GET /v1/intents/{id}/events?since=3 after resolve: expected intent.completed, got {}",
        short(&Value::Array(events.clone()))
    );
    let path = stream_path(&id, "since=3&wait_seconds=60");
    let started = std::time::Instant::now();
    let mut stream = c.sse(&path, &[]).await?;
    let frames = stream.read_all().await?;
    ensure!(
        frames.iter().any(|f| f.event == "intent.completed"),
        "GET {path}: expected intent.completed, got {}",
        describe(&frames)
    );
    ensure!(
        started.elapsed() < Duration::from_secs(20),
        "GET {path}: expected the stream to close right after the terminal event, it stayed open {:?}",
        started.elapsed()
    );
    Ok(())
}

/// Follows an intent's stream until a terminal event (windows of 10 s); returns every frame.
async fn follow_to_terminal(c: &Ctx, id: &str) -> Result<Vec<Frame>, String> {
    let mut since = 0;
    let mut all = Vec::new();
    loop {
        let path = stream_path(id, &format!("since={since}&wait_seconds=10"));
        let mut stream = c.sse(&path, &[]).await?;
        stream.expect_open()?;
        let frames = stream
            .read_until(|f| is_terminal(&f.json()["status"]))
            .await?;
        since = seqs(&frames).last().copied().unwrap_or(since);
        let done = frames.iter().any(|f| is_terminal(&f.json()["status"]));
        all.extend(frames.into_iter().filter(|f| !f.is_timeout()));
        if done {
            return Ok(all);
        }
    }
}

pub async fn deadline_timed_out(c: Ctx) -> CheckResult {
    // The deadline is set from this machine's clock; a server whose clock is far off sees it early
    // or late, which the detail below mentions.
    let deadline = rfc3339(SystemTime::now() + Duration::from_secs(2));
    let mut body = c.intent_body(&c.address("slow"));
    body["deadline_at"] = json!(deadline);
    let id = c.create_intent(&body).await?;
    let frames = follow_to_terminal(&c, &id).await?;
    let last = frames.last().map(Frame::json).unwrap_or(Value::Null);
    ensure!(
        last["event_type"] == json!("intent.timed_out") && last["status"] == json!("TIMED_OUT"),
        "an intent with deadline_at {deadline} (this machine's clock): expected a final intent.timed_out event with status TIMED_OUT, got {}",
        describe(&frames)
    );
    let got = c.get_ok(&format!("/v1/intents/{id}")).await?;
    ensure!(
        got["intent"]["status"] == json!("TIMED_OUT"),
        "GET after the deadline: expected status TIMED_OUT, got {}",
        at(&got, "/intent/status")
    );
    let late = c.resolve(&id, "COMPLETED").await?;
    ensure!(
        late.status == 409,
        "resolving a TIMED_OUT intent: expected HTTP 409, got {}",
        late.describe()
    );
    Ok(())
}
