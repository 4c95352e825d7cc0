//! Error answers: the status for each kind of mistake, the body `{"error": {"code", "message"}}`,
//! and `x-request-id` on every response.

use reqwest::Method;
use serde_json::json;

use super::harness::{ensure, Auth, Body, CheckResult, Ctx, Resp};

/// An error answer must have the expected status, a non-empty `error.code` and `error.message`.
fn error_body(resp: &Resp, status: u16, what: &str) -> CheckResult {
    ensure!(
        resp.status == status,
        "{what}: expected HTTP {status}, got {}",
        resp.describe()
    );
    let message = resp.body["error"]["message"].as_str().unwrap_or_default();
    ensure!(
        !resp.code().is_empty() && !message.is_empty(),
        "{what}: expected a body {{\"error\": {{\"code\", \"message\"}}}}, got {}",
        resp.describe()
    );
    ensure!(
        resp.header("x-request-id").is_some(),
        "{what}: expected an x-request-id header on the error, got none"
    );
    Ok(())
}

pub async fn bad_key(c: Ctx) -> CheckResult {
    let wrong = format!("axme_sa_conformance_{}_not_a_real_secret", c.run);
    let resp = c
        .send_as(
            Auth::OtherKey(&wrong),
            Method::GET,
            "/v1/intents",
            Body::None,
            &[],
        )
        .await?;
    error_body(&resp, 401, "GET /v1/intents with a wrong API key")
}

pub async fn missing_key(c: Ctx) -> CheckResult {
    let body = c.intent_body(&c.address("receiver"));
    let resp = c
        .send_as(
            Auth::None,
            Method::POST,
            "/v1/intents",
            Body::Json(&body),
            &[],
        )
        .await?;
    error_body(&resp, 401, "POST /v1/intents without a credential")
}

pub async fn unknown_intent(c: Ctx) -> CheckResult {
    let id = uuid::Uuid::new_v4();
    let resp = c.get(&format!("/v1/intents/{id}")).await?;
    error_body(&resp, 404, "GET /v1/intents/<unknown id>")?;
    let events = c.get(&format!("/v1/intents/{id}/events")).await?;
    error_body(&events, 404, "GET /v1/intents/<unknown id>/events")
}

pub async fn invalid_input(c: Ctx) -> CheckResult {
    for (body, what) in [
        (
            json!({"intent_type": "Not A Type", "to_agent": c.address("receiver"), "payload": {}}),
            "POST /v1/intents with intent_type \"Not A Type\"",
        ),
        (
            json!({"intent_type": "notify.message.v1", "to_agent": "no spaces allowed", "payload": {}}),
            "POST /v1/intents with to_agent \"no spaces allowed\"",
        ),
        (
            json!({"intent_type": "notify.message.v1", "to_agent": c.address("receiver"), "payload": {}, "deadline_at": "soon"}),
            "POST /v1/intents with deadline_at \"soon\"",
        ),
    ] {
        let resp = c.post("/v1/intents", &body).await?;
        error_body(&resp, 422, what)?;
    }
    let id = c.create_default().await?;
    let resp = c
        .post(
            &format!("/v1/intents/{id}/resolve"),
            &json!({"status": "DONE"}),
        )
        .await?;
    error_body(&resp, 422, "POST /v1/intents/{id}/resolve with status DONE")
}

pub async fn malformed_json(c: Ctx) -> CheckResult {
    let resp = c
        .send_as(
            Auth::Key,
            Method::POST,
            "/v1/intents",
            Body::Raw("{not json"),
            &[],
        )
        .await?;
    ensure!(
        resp.status == 400 || resp.status == 422,
        "POST /v1/intents with a body that is not JSON: expected HTTP 400, got {}",
        resp.describe()
    );
    error_body(
        &resp,
        resp.status,
        "POST /v1/intents with a body that is not JSON",
    )
}

pub async fn request_id_echo(c: Ctx) -> CheckResult {
    let mine = format!("conformance-{}", c.run);
    let resp = c
        .send(Method::GET, "/health", None, &[("x-request-id", &mine)])
        .await?;
    ensure!(
        resp.header("x-request-id") == Some(mine.as_str()),
        "GET /health with x-request-id {mine}: expected it echoed, got {:?}",
        resp.header("x-request-id")
    );
    let fresh = c.get("/health").await?;
    ensure!(
        fresh.header("x-request-id").is_some_and(|v| !v.is_empty()),
        "GET /health without x-request-id: expected the server to mint one, got none"
    );
    Ok(())
}

/// Runs last: every response of the run so far (and of this check) must have carried x-request-id.
pub async fn request_id_everywhere(c: Ctx) -> CheckResult {
    c.get("/v1/intents?limit=1").await?;
    c.get(&format!("/v1/intents/{}", uuid::Uuid::new_v4()))
        .await?;
    let missing = c.responses_without_request_id();
    ensure!(
        missing.is_empty(),
        "expected x-request-id on every response; these had none: {missing:?}"
    );
    Ok(())
}
