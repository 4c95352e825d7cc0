//! Webhook subscriptions and platform events (wire facts §2.5), and how a delivery is signed (§7: the
//! Standard Webhooks headers plus `X-Axme-Signature`, both from the subscription's one secret).

use serde_json::{Map, Value};

use super::input::{self, invalid};
use super::signature;
use super::validate::Invalid;

/// The platform events a subscription may ask for.
pub const EVENT_TYPES: [&str; 5] = [
    "inbox.thread_created",
    "inbox.thread_updated",
    "inbox.reply_received",
    "invite.accepted",
    "auth.session_revoked",
];

/// Delivery attempts before a delivery is dead-lettered.
pub const MAX_ATTEMPTS: i64 = 3;

/// How long a delivery just queued by a publish or a replay belongs to that request, which attempts
/// it before answering, before the retry timer may take it. The timer thus never races the inline
/// attempt; it only picks the delivery up if the server stopped before recording that attempt.
pub const INLINE_LEASE_US: i64 = 60_000_000;

fn event_type(raw: &str, field: &str) -> Result<String, Invalid> {
    if EVENT_TYPES.contains(&raw) {
        Ok(raw.to_string())
    } else {
        Err(invalid(
            "invalid_event_type",
            field,
            format!(
                "event type {raw:?} is not known; accepted: {}",
                EVENT_TYPES.join(", ")
            ),
        ))
    }
}

/// Checks a callback URL: `http` or `https`, a host, no credentials. Whether the host may be called
/// is decided at delivery time by the server's allow-list (so a subscription survives a config change).
pub fn callback_url(raw: &str) -> Result<String, Invalid> {
    let bad = |why: &str| {
        invalid(
            "invalid_callback_url",
            "callback_url",
            format!("`callback_url` {raw:?} {why}; send an absolute http(s) URL like https://example.com/hooks"),
        )
    };
    let uri: http::Uri = raw.trim().parse().map_err(|_| bad("is not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(bad("is not http or https"));
    }
    let Some(authority) = uri.authority() else {
        return Err(bad("has no host"));
    };
    if authority.as_str().contains('@') {
        return Err(bad("carries credentials"));
    }
    if authority.host().is_empty() {
        return Err(bad("has no host"));
    }
    Ok(uri.to_string())
}

/// A validated subscription upsert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Updates this subscription when given, else the one with the same owner and URL, else creates.
    pub subscription_id: Option<String>,
    /// `None`: every owner of the organisation.
    pub owner_agent: Option<String>,
    pub callback_url: String,
    pub event_types: Vec<String>,
    /// `None` keeps the current secret, or generates one for a new subscription.
    pub secret: Option<String>,
    pub active: bool,
    pub description: Option<String>,
}

pub fn subscription(body: &Value, owner: Option<String>) -> Result<Subscription, Invalid> {
    let map = input::object(body)?;
    let url = input::required_string(map, "callback_url", 8, 2048)?;
    let types = match map.get("event_types") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(invalid(
                "validation_error",
                "event_types",
                format!(
                    "`event_types` is required: a non-empty list of {}",
                    EVENT_TYPES.join(", ")
                ),
            ))
        }
    };
    let mut event_types = Vec::new();
    for (i, item) in types.iter().enumerate() {
        let field = format!("event_types[{i}]");
        let name = item.as_str().ok_or_else(|| {
            invalid(
                "invalid_event_type",
                &field,
                format!("`{field}` must be a string"),
            )
        })?;
        let name = event_type(name, &field)?;
        if !event_types.contains(&name) {
            event_types.push(name);
        }
    }
    let body_owner = input::agent_address(map, "owner_agent")?;
    if let (Some(a), Some(b)) = (&body_owner, &owner) {
        if a != b {
            return Err(invalid(
                "owner_agent_mismatch",
                "owner_agent",
                format!("body owner_agent ({a}) differs from the request's owner ({b}); send one, or the same"),
            ));
        }
    }
    let subscription_id = input::string(map, "subscription_id", 36, 36)?;
    if let Some(id) = &subscription_id {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(invalid(
                "validation_error",
                "subscription_id",
                "`subscription_id` must be a UUID",
            ));
        }
    }
    Ok(Subscription {
        subscription_id,
        owner_agent: body_owner.or(owner),
        callback_url: callback_url(&url)?,
        event_types,
        secret: input::string(map, "secret", 16, 256)?,
        active: input::boolean(map, "active")?.unwrap_or(true),
        description: input::string(map, "description", 0, 500)?,
    })
}

/// A validated event to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub event_type: String,
    pub source: Option<String>,
    pub payload: Map<String, Value>,
    pub owner_agent: Option<String>,
}

pub fn event(body: &Value, owner: Option<String>) -> Result<Event, Invalid> {
    let map = input::object(body)?;
    let name = input::required_string(map, "event_type", 1, 128)?;
    Ok(Event {
        event_type: event_type(&name, "event_type")?,
        source: input::string(map, "source", 1, 255)?,
        payload: input::object_field(map, "payload")?
            .cloned()
            .unwrap_or_default(),
        owner_agent: owner,
    })
}

/// A new secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    signature::secret_from_bytes(&bytes)
}

/// What responses show of a secret (by characters: a given secret may be any text).
pub fn secret_hint(secret: &str) -> String {
    let shown: String = secret.chars().take(10).collect();
    format!("{shown}…")
}

/// The signature headers of one delivery (the same scheme as `http` bindings, `signature.rs`):
/// `webhook-id`, `webhook-timestamp`, `webhook-signature` when the secret is a `whsec_` key (the
/// Standard Webhooks form; a generated secret always is), and always `X-Axme-Signature`, which upstream
/// receivers verify with the secret's text.
pub fn signature_headers(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("webhook-id", message_id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("x-axme-signature", signature::axme_signature(secret, body)),
    ];
    if let Some(standard) = signature::standard_signature(secret, message_id, timestamp, body) {
        headers.push(("webhook-signature", standard));
    }
    headers
}

/// A durable change to subscriptions, events and their deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhooksOp {
    Upsert {
        org_id: String,
        subscription: Subscription,
    },
    Revoke {
        org_id: String,
        subscription_id: String,
        owner_agent: Option<String>,
    },
    Publish {
        org_id: String,
        event: Event,
    },
    /// Queues every delivery of an event again.
    Replay {
        org_id: String,
        event_id: String,
        owner_agent: Option<String>,
    },
    /// Outcomes of delivery attempts.
    Record {
        outcomes: Vec<Attempt>,
    },
}

/// The outcome of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub delivery_id: String,
    pub delivered: bool,
    /// A failure that retrying cannot fix (host not allowed): dead-letter at once.
    pub permanent: bool,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// When to try again if this attempt failed and the delivery stays pending.
    pub retry_at_us: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subscription_rules() {
        let body = json!({"callback_url": "https://integrator.example/webhooks/axme", "event_types": ["inbox.thread_created"]});
        let ok = subscription(&body, None).unwrap();
        assert!(ok.active && ok.owner_agent.is_none());
        let bad = json!({"callback_url": "https://x.example/h", "event_types": ["inbox.nope"]});
        assert_eq!(
            subscription(&bad, None).unwrap_err().code,
            "invalid_event_type"
        );
        let bad = json!({"callback_url": "ftp://x.example/h", "event_types": ["invite.accepted"]});
        assert_eq!(
            subscription(&bad, None).unwrap_err().code,
            "invalid_callback_url"
        );
        let bad =
            json!({"callback_url": "https://u:p@x.example/h", "event_types": ["invite.accepted"]});
        assert!(subscription(&bad, None).is_err());
        assert!(subscription(
            &json!({"callback_url": "https://x.example/h", "event_types": []}),
            None
        )
        .is_err());
    }

    #[test]
    fn signatures() {
        let whsec = new_secret();
        let headers = signature_headers(&whsec, "msg_1", 1_700_000_000, b"{}");
        assert_eq!(headers.len(), 4);
        assert!(headers
            .iter()
            .any(|(n, v)| *n == "webhook-signature" && v.starts_with("v1,")));
        let plain = signature_headers("a plain shared secret", "msg_1", 1, b"{}");
        assert_eq!(
            plain.len(),
            3,
            "no Standard Webhooks signature without a whsec_ key"
        );
        assert!(secret_hint("ünïcödé-secret-text").ends_with('…'));
    }
}
