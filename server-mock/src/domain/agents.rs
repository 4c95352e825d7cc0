//! The agent registry and delivery bindings (wire facts §2.5, §7), free of I/O: what a registration
//! may say, the delivery document agents receive, and what `internal` agents do.

use serde_json::{json, Value};

pub use super::agent_settings::{
    parse_duration, parse_schedule, AgentsSettings, CallbackAllowlist, HostRule,
};
use super::status::Status;
use super::validate::{kind, object, opt_address, opt_str, Invalid};

/// How an agent receives the intents addressed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    /// The agent keeps a listen stream open (`/v1/agents/{address}/intents/stream`).
    Stream,
    /// The same stream, opened now and then with a short window.
    Poll,
    /// The server POSTs each delivery to the agent's `callback_url`, signed, through the outbox.
    Http,
    /// The intent stays DELIVERED and its owner reads it with listen; the result goes to `reply_to`.
    Inbox,
    /// The server itself acknowledges and completes it (`tool.internal.delay`, notifications).
    Internal,
}

impl DeliveryMode {
    pub const ALL: [DeliveryMode; 5] = [
        DeliveryMode::Stream,
        DeliveryMode::Poll,
        DeliveryMode::Http,
        DeliveryMode::Inbox,
        DeliveryMode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Stream => "stream",
            DeliveryMode::Poll => "poll",
            DeliveryMode::Http => "http",
            DeliveryMode::Inbox => "inbox",
            DeliveryMode::Internal => "internal",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryMode> {
        DeliveryMode::ALL
            .into_iter()
            .find(|m| m.as_str() == text.trim().to_ascii_lowercase())
    }
}
/// A validated `POST /v1/agents` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub address: String,
    pub display_name: Option<String>,
    pub mode: DeliveryMode,
    pub callback_url: Option<String>,
    /// The binding's secret as given (`whsec_…`); `None` for http means "generate one".
    pub secret: Option<String>,
}

/// Validates a registration against the callback allowlist.
pub fn registration(body: &Value, hosts: &CallbackAllowlist) -> Result<Registration, Invalid> {
    let obj = object(body)?;
    let address = opt_address(obj, "address")?.ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "address",
            "`address` is required, e.g. \"agent://acme/prod/billing\"",
        )
    })?;
    let display_name = opt_str(obj, "display_name")?.map(str::to_string);
    if display_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 255)
    {
        return Err(Invalid::new(
            "validation_error",
            "display_name",
            "`display_name` is longer than 255 characters",
        ));
    }
    let mode = match opt_str(obj, "delivery_mode")? {
        None => DeliveryMode::Stream,
        Some(raw) => DeliveryMode::parse(raw).ok_or_else(|| {
            Invalid::new(
                "invalid_delivery_mode",
                "delivery_mode",
                format!("`delivery_mode` {raw:?} is not accepted; expected one of stream, poll, http, inbox, internal"),
            )
        })?,
    };
    let callback_url = opt_str(obj, "callback_url")?;
    let secret = opt_str(obj, "secret")?;
    if mode != DeliveryMode::Http {
        if let Some(field) = [("callback_url", callback_url), ("secret", secret)]
            .into_iter()
            .find_map(|(name, value)| value.map(|_| name))
        {
            return Err(Invalid::new(
                "contradictory_fields",
                field,
                format!(
                    "`{field}` only applies to delivery_mode \"http\", not {:?}",
                    mode.as_str()
                ),
            ));
        }
    }
    let callback_url = match (mode, callback_url) {
        (DeliveryMode::Http, None) => {
            return Err(Invalid::new(
                "callback_url_required",
                "callback_url",
                "`callback_url` is required for delivery_mode \"http\"",
            ))
        }
        (DeliveryMode::Http, Some(raw)) => Some(
            hosts
                .check(raw)
                .map_err(|why| Invalid::new("callback_host_not_allowed", "callback_url", why))?
                .to_string(),
        ),
        _ => None,
    };
    if let Some(secret) = secret {
        if super::signature::standard_key(secret).is_none() {
            return Err(Invalid::new(
                "invalid_secret",
                "secret",
                "`secret` must be `whsec_` followed by base64 of 24 to 64 random bytes (omit it and the server generates one)",
            ));
        }
    }
    if let Some(other) = obj
        .get("metadata")
        .filter(|v| !v.is_object() && !v.is_null())
    {
        return Err(Invalid::new(
            "validation_error",
            "metadata",
            format!("`metadata` must be a JSON object, got {}", kind(other)),
        ));
    }
    Ok(Registration {
        address,
        display_name,
        mode,
        callback_url,
        secret: secret.map(str::to_string),
    })
}

/// One delivery as listen streams it and `http` bindings POST it: the intent's essentials at the
/// top (spec `AgentDelivery`), the whole intent under `intent`; `seq` is the agent's delivery cursor.
pub fn delivery(cursor: i64, intent: &Value) -> Value {
    let status = intent
        .get("status")
        .and_then(Value::as_str)
        .and_then(Status::parse)
        .unwrap_or(Status::Delivered);
    json!({
        "intent_id": intent["intent_id"],
        "seq": cursor,
        "event_type": status.event_type(),
        "status": status.as_str(),
        "at": intent["updated_at"],
        "intent_type": intent["intent_type"],
        "correlation_id": intent["correlation_id"],
        "from_agent": intent["from_agent"],
        "to_agent": intent["to_agent"],
        "payload": intent["payload"],
        "intent": intent,
    })
}

/// Whether an intent type addressed to an `internal` agent waits (`tool.internal.delay…`); every
/// other type (notifications, escalations) completes at once.
pub fn is_delay_type(intent_type: &str) -> bool {
    intent_type.starts_with("tool.internal.delay")
}

/// The `delay_seconds` of an internal delay intent's payload (0 to one year, default 0).
pub fn delay_seconds(payload: &Value) -> Result<i64, Invalid> {
    match payload.get("delay_seconds") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if (0.0..=31_536_000.0).contains(&v) => Ok(v.ceil() as i64),
            _ => Err(delay_error(&n.to_string())),
        },
        Some(other) => Err(delay_error(kind(other))),
    }
}

fn delay_error(got: &str) -> Invalid {
    Invalid::new(
        "validation_error",
        "payload.delay_seconds",
        format!(
            "`payload.delay_seconds` must be a number of seconds from 0 to 31536000, got {got}"
        ),
    )
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agent_settings::tests::hosts;

    #[test]
    fn delays() {
        assert_eq!(delay_seconds(&json!({"delay_seconds": 1.5})).unwrap(), 2);
        assert!(delay_seconds(&json!({"delay_seconds": "x"})).is_err());
        assert!(is_delay_type("tool.internal.delay.v1"));
    }

    #[test]
    fn registrations_are_checked() {
        let allow = hosts(&["127.0.0.1"]);
        let ok = registration(
            &json!({"address": "Acme/Billing", "delivery_mode": "http", "callback_url": "http://127.0.0.1:9/x"}),
            &allow,
        )
        .unwrap();
        assert_eq!(
            (ok.address.as_str(), ok.mode),
            ("agent://acme/billing", DeliveryMode::Http)
        );
        let err = |body: Value| registration(&body, &allow).unwrap_err().code;
        assert_eq!(
            err(json!({"address": "a", "delivery_mode": "carrier-pigeon"})),
            "invalid_delivery_mode"
        );
        assert_eq!(
            err(json!({"address": "a", "delivery_mode": "http"})),
            "callback_url_required"
        );
        assert_eq!(
            err(json!({"address": "a", "callback_url": "http://127.0.0.1/"})),
            "contradictory_fields"
        );
        assert_eq!(
            err(
                json!({"address": "a", "delivery_mode": "http", "callback_url": "http://10.0.0.1/"})
            ),
            "callback_host_not_allowed"
        );
        assert_eq!(
            err(
                json!({"address": "a", "delivery_mode": "http", "callback_url": "http://127.0.0.1/", "secret": "hunter2"})
            ),
            "invalid_secret"
        );
        assert_eq!(err(json!({})), "validation_error");
    }
}
