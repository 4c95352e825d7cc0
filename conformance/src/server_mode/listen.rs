//! The agent delivery stream (`/v1/agents/{address}/intents/stream`): an agent connected before an
//! intent exists, one that connects after, and an agent restarting from `since=0`.

use serde_json::json;

use super::harness::{ensure, CheckResult, Ctx};
use super::sse::{describe, seqs, timeout_data, Frame};

/// The listen path of an address (`agent://` stripped, as the public SDKs send it).
fn listen_path(address: &str, query: &str) -> String {
    let bare = address.trim_start_matches("agent://");
    format!("/v1/agents/{bare}/intents/stream?{query}")
}

fn delivered_ids(frames: &[Frame]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| !f.is_timeout())
        .map(|f| f.json()["intent_id"].as_str().unwrap_or("?").to_string())
        .collect()
}

pub async fn connected_before(c: Ctx) -> CheckResult {
    let agent = c.address("listen-early");
    let path = listen_path(&agent, "since=0&wait_seconds=20");
    // `sse` returns once the server answered with headers: the agent is connected.
    let mut stream = c.sse(&path, &[]).await?;
    stream.expect_open()?;
    let id = c.create_intent(&c.intent_body(&agent)).await?;
    let frames = stream.read_until(|f| !f.is_timeout()).await?;
    let first = frames.iter().find(|f| !f.is_timeout());
    ensure!(
        first.is_some_and(|f| f.json()["intent_id"] == json!(id)),
        "an agent listening on {path} before intent {id} was created: expected it delivered live, got {}",
        describe(&frames)
    );
    let payload = first
        .map(|f| f.json()["payload"].clone())
        .unwrap_or_default();
    ensure!(
        payload["run"] == json!(c.run),
        "the delivery of {id}: expected the intent's payload in it, got payload = {payload}"
    );
    Ok(())
}

pub async fn connected_after(c: Ctx) -> CheckResult {
    let agent = c.address("listen-late");
    let first = c.create_intent(&c.intent_body(&agent)).await?;
    let second = c.create_intent(&c.intent_body(&agent)).await?;
    c.create_intent(&c.intent_body(&c.address("listen-other")))
        .await?;
    let path = listen_path(&agent, "since=0&wait_seconds=1");
    let mut stream = c.sse(&path, &[]).await?;
    stream.expect_open()?;
    let frames = stream.read_all().await?;
    let ids = delivered_ids(&frames);
    ensure!(
        ids == [first.clone(), second.clone()],
        "an agent connecting to {path} after two intents were sent to it: expected [{first}, {second}] in order (and nothing addressed to another agent), got {}",
        describe(&frames)
    );
    // The cursor is per agent: resuming after the first delivery yields only the second, and the
    // window ends with next_seq = the last cursor sent.
    let cursor = frames.first().and_then(Frame::seq).unwrap_or(0);
    let last = seqs(&frames).last().copied().unwrap_or(0);
    let path = listen_path(&agent, &format!("since={cursor}&wait_seconds=1"));
    let mut stream = c.sse(&path, &[]).await?;
    let frames = stream.read_all().await?;
    ensure!(
        delivered_ids(&frames) == [second.clone()],
        "GET {path} (after the first delivery's cursor): expected only {second}, got {}",
        describe(&frames)
    );
    ensure!(
        timeout_data(&frames).is_some_and(|d| d["next_seq"] == json!(last)),
        "GET {path}: expected the window to end with stream.timeout next_seq = {last}, got {}",
        describe(&frames)
    );
    Ok(())
}

pub async fn redelivery_from_zero(c: Ctx) -> CheckResult {
    let agent = c.address("listen-restart");
    let done = c.create_intent(&c.intent_body(&agent)).await?;
    let open = c.create_intent(&c.intent_body(&agent)).await?;
    let path = listen_path(&agent, "since=0&wait_seconds=1");
    let mut stream = c.sse(&path, &[]).await?;
    stream.expect_open()?;
    let before = delivered_ids(&stream.read_all().await?);
    ensure!(
        before == [done.clone(), open.clone()],
        "first connection to {path}: expected [{done}, {open}], got {before:?}"
    );
    // The agent finishes one and restarts from 0: the unfinished one comes again, the finished one
    // is filtered out.
    c.resolve(&done, "COMPLETED").await?.expect(200)?;
    let mut stream = c.sse(&path, &[]).await?;
    let frames = stream.read_all().await?;
    ensure!(
        delivered_ids(&frames) == [open.clone()],
        "an agent reconnecting from since=0 after {done} completed: expected {open} again (at-least-once) and no terminal intent, got {}",
        describe(&frames)
    );
    Ok(())
}
