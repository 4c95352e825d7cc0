//! Sending `http` binding deliveries: one signed POST per claimed outbox row, its outcome recorded
//! through the writer (`AgentsOp::CompleteDelivery`). The loop that claims due rows is
//! `timers::deliveries`; the outbox itself is `store/sqlite/outbox.rs`.

use std::time::Duration;

use serde_json::Value;

use crate::domain::agents::AgentsSettings;
use crate::domain::{clock, signature};
use crate::store::agents::{AgentsOp, DeliveryOutcome};
use crate::store::{Store, WriteOp, WriteRequest};

/// Posts deliveries. Redirects are not followed and proxies are not used: the allowlisted callback
/// host is the only host a delivery ever reaches.
#[derive(Debug)]
pub struct Sender {
    client: reqwest::Client,
    settings: AgentsSettings,
}

/// A claimed delivery, as `AgentsOp::ClaimDeliveries` returns it.
#[derive(Debug)]
pub struct Claimed {
    pub id: String,
    pub claim: i64,
    pub url: String,
    pub secret: String,
    pub attempt: i64,
    pub body: Value,
}

impl Claimed {
    pub fn from_json(item: &Value) -> Option<Claimed> {
        Some(Claimed {
            id: item["id"].as_str()?.to_string(),
            claim: item["claim"].as_i64()?,
            url: item["url"].as_str()?.to_string(),
            secret: item["secret"].as_str()?.to_string(),
            attempt: item["attempt"].as_i64()?,
            body: item["body"].clone(),
        })
    }
}

impl Sender {
    pub fn new(settings: AgentsSettings) -> Sender {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(settings.delivery_timeout)
            .user_agent(concat!("axme-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with static settings");
        Sender { client, settings }
    }

    async fn post(&self, claimed: &Claimed) -> DeliveryOutcome {
        // The configuration may have changed since registration: check the host again.
        if let Err(why) = self.settings.callback_hosts.check(&claimed.url) {
            return DeliveryOutcome::Failed {
                status: None,
                error: why,
            };
        }
        let body = serde_json::to_vec(&claimed.body).unwrap_or_default();
        let timestamp = clock::now_us() / 1_000_000;
        let standard =
            signature::standard_signature(&claimed.secret, &claimed.id, timestamp, &body)
                .unwrap_or_default();
        let sent = self
            .client
            .post(&claimed.url)
            .header("content-type", "application/json")
            .header("webhook-id", &claimed.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", standard)
            .header(
                "x-axme-signature",
                signature::axme_signature(&claimed.secret, &body),
            )
            .header("x-axme-delivery-attempt", claimed.attempt.to_string())
            .body(body)
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status().is_success() => DeliveryOutcome::Delivered {
                status: resp.status().as_u16(),
            },
            Ok(resp) => DeliveryOutcome::Failed {
                status: Some(resp.status().as_u16()),
                error: format!("the callback answered HTTP {}", resp.status().as_u16()),
            },
            Err(err) if err.is_timeout() => DeliveryOutcome::Failed {
                status: None,
                error: format!(
                    "the callback did not answer within {} ms",
                    self.settings.delivery_timeout.as_millis()
                ),
            },
            Err(err) => DeliveryOutcome::Failed {
                status: None,
                error: format!("the callback could not be reached: {}", without_url(&err)),
            },
        }
    }

    /// Posts one delivery and records how it went.
    pub async fn deliver(&self, store: &dyn Store, claimed: Claimed) {
        let outcome = self.post(&claimed).await;
        tracing::debug!(delivery = %claimed.id, attempt = claimed.attempt, ?outcome, "callback delivery");
        let schedule = self
            .settings
            .retry_schedule
            .iter()
            .map(|d| d.as_micros() as i64)
            .collect();
        let op = WriteOp::Agents(AgentsOp::CompleteDelivery {
            id: claimed.id.clone(),
            claim: claimed.claim,
            outcome,
            retry_schedule_us: schedule,
        });
        if let Err(err) = store
            .write(WriteRequest {
                op,
                idempotency: None,
            })
            .await
        {
            // The claim stays; after its lease (or a restart) the row is sent again.
            tracing::warn!(error = %err, delivery = %claimed.id, "recording a delivery outcome failed");
        }
    }

    /// How long a claim is leased: longer than any POST may take.
    pub fn lease(&self) -> Duration {
        self.settings.delivery_timeout + Duration::from_secs(30)
    }
}

/// The cause of a transport error, without its URL (a callback path may carry the receiver's tokens).
fn without_url(err: &reqwest::Error) -> String {
    let kind = if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(err) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_string(),
    }
}
