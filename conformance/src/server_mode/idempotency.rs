//! `Idempotency-Key`: a replay returns the original answer, a reused key with another body is 409,
//! concurrent duplicates make one intent, and a replayed resolve writes no second event.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;

use super::harness::{ensure, short, CheckResult, Ctx};

/// How many identical creates race in the concurrency check.
const RACERS: usize = 20;

pub async fn create_idempotency(c: Ctx) -> CheckResult {
    let key = format!("conformance-create-{}", c.run);
    let body = c.intent_body(&c.address("receiver"));
    let headers = [("Idempotency-Key", key.as_str())];
    let first = c
        .send(Method::POST, "/v1/intents", Some(&body), &headers)
        .await?
        .expect(200)?;
    let replay = c
        .send(Method::POST, "/v1/intents", Some(&body), &headers)
        .await?
        .expect(200)?;
    ensure!(
        first.body["intent_id"] == replay.body["intent_id"],
        "the same Idempotency-Key and body twice: expected the same intent_id, got {} then {}",
        first.body["intent_id"],
        replay.body["intent_id"]
    );
    ensure!(
        replay.header("idempotent-replayed") == Some("true"),
        "the replay: expected the header Idempotent-Replayed: true, got {:?}",
        replay.header("idempotent-replayed")
    );
    let mut other = body.clone();
    other["payload"]["text"] = json!("a different body");
    let conflict = c
        .send(Method::POST, "/v1/intents", Some(&other), &headers)
        .await?;
    ensure!(
        conflict.status == 409,
        "the same Idempotency-Key with another body: expected HTTP 409, got {}",
        conflict.describe()
    );
    Ok(())
}

pub async fn concurrent_duplicates(c: Ctx) -> CheckResult {
    let key = format!("conformance-race-{}", c.run);
    let body = c.intent_body(&c.address("receiver"));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (c, body, key) = (c.clone(), body.clone(), key.clone());
            tokio::spawn(async move {
                c.send(
                    Method::POST,
                    "/v1/intents",
                    Some(&body),
                    &[("Idempotency-Key", &key)],
                )
                .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut replays = 0;
    for racer in racers {
        let resp = racer
            .await
            .map_err(|e| format!("a racing request panicked: {e}"))??
            .expect(200)?;
        ids.insert(resp.body["intent_id"].to_string());
        replays += usize::from(resp.header("idempotent-replayed") == Some("true"));
    }
    ensure!(
        ids.len() == 1,
        "{RACERS} concurrent creates with one Idempotency-Key: expected one intent_id, got {} different: {ids:?}",
        ids.len()
    );
    ensure!(
        replays == RACERS - 1,
        "{RACERS} concurrent creates with one Idempotency-Key: expected {} answers with Idempotent-Replayed: true, got {replays}",
        RACERS - 1
    );
    let mut other = body.clone();
    other["payload"]["text"] = json!("a different body");
    let conflict = c
        .send(
            Method::POST,
            "/v1/intents",
            Some(&other),
            &[("Idempotency-Key", &key)],
        )
        .await?;
    ensure!(
        conflict.status == 409,
        "the raced key reused with another body: expected HTTP 409, got {}",
        conflict.describe()
    );
    Ok(())
}

pub async fn resolve_replay(c: Ctx) -> CheckResult {
    let id = c.create_default().await?;
    let path = format!("/v1/intents/{id}/resolve");
    let key = format!("conformance-resolve-{}", c.run);
    let body = json!({"status": "COMPLETED", "result": {"n": 1}});
    let headers = [("Idempotency-Key", key.as_str())];
    let first = c
        .send(Method::POST, &path, Some(&body), &headers)
        .await?
        .expect(200)?;
    let replay = c
        .send(Method::POST, &path, Some(&body), &headers)
        .await?
        .expect(200)?;
    ensure!(
        replay.body == first.body,
        "a replayed resolve: expected the original answer {}, got {}",
        short(&first.body),
        short(&replay.body)
    );
    let events = c.events(&id, 0).await?;
    let completed = events
        .iter()
        .filter(|e| e["event_type"] == json!("intent.completed"))
        .count();
    ensure!(
        completed == 1,
        "after a replayed resolve: expected one intent.completed event, got {completed}"
    );
    Ok(())
}
