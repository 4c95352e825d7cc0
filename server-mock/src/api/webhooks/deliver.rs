//! Sending an event's pending deliveries: one signed POST each, all at once, to hosts allowed by
//! `--allow-callback-host` (as `http` bindings), each bounded by `--delivery-timeout`, then one write recording every outcome. A delivery is attempted when its event
//! is published and at each replay; one that fails stays pending until its third failed attempt
//! dead-letters it. There is no retry scheduler for platform webhooks yet: replays are the retries.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::domain::clock;
use crate::domain::webhooks::{self, Attempt, WebhooksOp};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{DeliveryCounts, PendingDelivery, WriteOp, WriteRequest};

/// One client for every delivery; redirects are not followed, so an allowed host cannot bounce a
/// delivery to one that is not.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("axme-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client")
    })
}

async fn attempt(state: &AppState, event: &Value, delivery: PendingDelivery) -> Attempt {
    let failed = |permanent: bool, status: Option<u16>, error: String| Attempt {
        delivery_id: delivery.delivery_id.clone(),
        delivered: false,
        permanent,
        http_status: status,
        error: Some(error),
    };
    if let Err(why) = state
        .settings
        .agents
        .callback_hosts
        .check(&delivery.callback_url)
    {
        // Never sent: only hosts an operator allowed may be called (no SSRF).
        return failed(true, None, why);
    }
    let mut body = event.clone();
    body["delivery_id"] = json!(delivery.delivery_id);
    body["attempt"] = json!(delivery.attempts + 1);
    let payload = body.to_string().into_bytes();
    let now_s = clock::now_us() / 1_000_000;
    let mut request = client()
        .post(&delivery.callback_url)
        .timeout(state.settings.agents.delivery_timeout)
        .header("content-type", "application/json");
    for (name, value) in
        webhooks::signature_headers(&delivery.secret, &delivery.delivery_id, now_s, &payload)
    {
        request = request.header(name, value);
    }
    match request.body(payload).send().await {
        Ok(response) if response.status().is_success() => Attempt {
            delivery_id: delivery.delivery_id,
            delivered: true,
            permanent: false,
            http_status: Some(response.status().as_u16()),
            error: None,
        },
        Ok(response) => {
            let status = response.status().as_u16();
            failed(
                false,
                Some(status),
                format!("the receiver answered HTTP {status}"),
            )
        }
        Err(err) => failed(false, None, format!("the delivery failed: {err}")),
    }
}

/// Attempts every pending delivery of an event; returns how many were attempted and the counts after.
pub async fn run(
    state: &AppState,
    org_id: &str,
    event_id: &str,
) -> Result<(usize, DeliveryCounts), ApiError> {
    let Some(found) = state
        .store
        .webhook_deliveries(org_id.to_string(), event_id.to_string())
        .await?
    else {
        return Ok((0, DeliveryCounts::default()));
    };
    if found.pending.is_empty() {
        return Ok((0, found.counts));
    }
    let event = &found.event;
    let attempts = found.pending.into_iter().map(|d| attempt(state, event, d));
    let outcomes = futures_util::future::join_all(attempts).await;
    let processed = outcomes.len();
    let op = WriteOp::Webhooks(WebhooksOp::Record { outcomes });
    state
        .store
        .write(WriteRequest {
            op,
            idempotency: None,
        })
        .await?;
    let counts = state
        .store
        .webhook_deliveries(org_id.to_string(), event_id.to_string())
        .await?
        .map(|d| d.counts)
        .unwrap_or_default();
    Ok((processed, counts))
}
