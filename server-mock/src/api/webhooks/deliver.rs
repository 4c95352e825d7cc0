//! Sending an event's pending deliveries: one signed POST each, all at once, to hosts allowed by
//! `--allow-callback-host` (as `http` bindings), each bounded by `--delivery-timeout`, then one write
//! recording every outcome. A delivery is attempted when its event is published, at each replay, and
//! by the retry timer (`timers::webhook_retries`) after the `--delivery-retry-schedule` wait; its
//! third failed attempt dead-letters it. Receivers deduplicate by `webhook-id` (at least once).

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
        retry_at_us: clock::now_us()
            + state
                .settings
                .agents
                .retry_delay(delivery.attempts + 1)
                .as_micros() as i64,
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
            retry_at_us: 0,
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
    run_due(state, org_id, event_id, None).await
}

/// As [`run`], limited to the deliveries due by `due_at_us` when given (the retry timer's view).
pub async fn run_due(
    state: &AppState,
    org_id: &str,
    event_id: &str,
    due_at_us: Option<i64>,
) -> Result<(usize, DeliveryCounts), ApiError> {
    let Some(found) = state
        .store
        .webhook_deliveries(org_id.to_string(), event_id.to_string())
        .await?
    else {
        return Ok((0, DeliveryCounts::default()));
    };
    let pending: Vec<PendingDelivery> = found
        .pending
        .into_iter()
        .filter(|d| due_at_us.is_none_or(|at| d.next_attempt_us <= at))
        .collect();
    if pending.is_empty() {
        return Ok((0, found.counts));
    }
    let event = &found.event;
    let attempts = pending.into_iter().map(|d| attempt(state, event, d));
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
    state.hub.webhook_retries.notify_one();
    let counts = state
        .store
        .webhook_deliveries(org_id.to_string(), event_id.to_string())
        .await?
        .map(|d| d.counts)
        .unwrap_or_default();
    Ok((processed, counts))
}

/// How many events one round of the retry timer takes on.
const DUE_PAGE: usize = 64;

/// The retry timer: attempts the deliveries that fell due (a failed attempt's wait from
/// `--delivery-retry-schedule` is over, or a publish's inline attempt never got recorded), then
/// sleeps until the next one falls due or new attempts are recorded. The schedule lives in the
/// store, so it survives restarts.
pub async fn retry_loop(state: AppState) {
    let hub = state.hub.clone();
    loop {
        let now = clock::now_us();
        let due = match state.store.due_webhook_events(now, DUE_PAGE).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "reading due webhook deliveries failed");
                Vec::new()
            }
        };
        let mut failed = false;
        for (org_id, event_id) in &due {
            if let Err(err) = run_due(&state, org_id, event_id, Some(now)).await {
                tracing::warn!(error = %err, %event_id, "retrying webhook deliveries failed");
                failed = true;
            }
        }
        if due.len() == DUE_PAGE && !failed {
            continue;
        }
        let sleep = match state.store.next_webhook_retry().await {
            // What could not be recorded is still due: try again in a second rather than spin.
            _ if failed => std::time::Duration::from_secs(1),
            Ok(Some(at)) => std::time::Duration::from_micros((at - clock::now_us()).max(0) as u64),
            Ok(None) => std::time::Duration::from_secs(3600),
            Err(_) => std::time::Duration::from_secs(1),
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = hub.webhook_retries.notified() => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}
