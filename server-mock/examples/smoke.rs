//! A quick end-to-end check of a running AXP server: health, create, read, events, a live SSE stream
//! woken by resolve, the 409 on a second terminal transition, and listing. `./dev run` points it at a
//! freshly started reference server; the conformance runner's server mode supersedes it.
//!
//! Usage: `cargo run -p axme-server --example smoke -- --base-url URL --api-key KEY`

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            println!("ok    {name}");
        } else {
            self.failed += 1;
            println!("FAIL  {name}: {detail}");
        }
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = arg("--base-url")
        .or_else(|| std::env::var("AXME_BASE_URL").ok())
        .ok_or("--base-url is required")?;
    let key = arg("--api-key")
        .or_else(|| std::env::var("AXME_API_KEY").ok())
        .ok_or("--api-key is required")?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut checks = Checks {
        passed: 0,
        failed: 0,
    };

    let health: Value = http
        .get(format!("{base}/health"))
        .send()
        .await?
        .json()
        .await?;
    checks.check("health answers ok", health["ok"] == json!(true), &health);

    let created = http
        .post(format!("{base}/v1/intents"))
        .header("x-api-key", &key)
        .json(&json!({"intent_type": "smoke.check.v1", "to_agent": "agent://smoke/worker", "payload": {"n": 1}}))
        .send()
        .await?;
    let status = created.status();
    let created: Value = created.json().await?;
    checks.check("create intent answers 200", status == 200, &created);
    let id = created["intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let got: Value = http
        .get(format!("{base}/v1/intents/{id}"))
        .header("x-api-key", &key)
        .send()
        .await?
        .json()
        .await?;
    checks.check(
        "new intent is DELIVERED",
        got["intent"]["status"] == "DELIVERED",
        &got,
    );

    let events: Value = http
        .get(format!("{base}/v1/intents/{id}/events?since=0"))
        .header("x-api-key", &key)
        .send()
        .await?
        .json()
        .await?;
    let types: Vec<&str> = events["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["event_type"].as_str()).collect())
        .unwrap_or_default();
    checks.check(
        "events start created, submitted, delivered",
        types == ["intent.created", "intent.submitted", "intent.delivered"],
        format!("{types:?}"),
    );

    let stream = http
        .get(format!(
            "{base}/v1/intents/{id}/events/stream?since=3&wait_seconds=10"
        ))
        .header("x-api-key", &key)
        .send()
        .await?;
    checks.check(
        "stream is text/event-stream",
        stream
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")),
        "wrong content type",
    );
    let reader = tokio::spawn(async move {
        let mut text = String::new();
        let mut body = stream.bytes_stream();
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    });
    let resolved = http
        .post(format!("{base}/v1/intents/{id}/resolve"))
        .header("x-api-key", &key)
        .json(&json!({"status": "COMPLETED", "result": {"done": true}}))
        .send()
        .await?;
    checks.check(
        "resolve answers 200",
        resolved.status() == 200,
        resolved.status(),
    );
    let text = tokio::time::timeout(Duration::from_secs(15), reader).await??;
    checks.check(
        "open stream sees intent.completed, then closes",
        text.contains("event: intent.completed") && text.contains("id: 4"),
        &text,
    );

    let again = http
        .post(format!("{base}/v1/intents/{id}/resolve"))
        .header("x-api-key", &key)
        .json(&json!({"status": "FAILED", "error": {"code": "late"}}))
        .send()
        .await?;
    checks.check(
        "second terminal transition answers 409",
        again.status() == 409,
        again.status(),
    );

    let listed: Value = http
        .get(format!("{base}/v1/intents?limit=5"))
        .header("x-api-key", &key)
        .send()
        .await?
        .json()
        .await?;
    let found = listed["intents"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["intent_id"] == json!(id)));
    checks.check("list shows the intent", found, &listed);

    let anonymous = http.get(format!("{base}/v1/intents/{id}")).send().await?;
    checks.check(
        "no credential answers 401",
        anonymous.status() == 401,
        anonymous.status(),
    );

    println!("{} passed, {} failed", checks.passed, checks.failed);
    if checks.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
