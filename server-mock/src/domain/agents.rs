//! The agent registry and delivery bindings (wire facts §2.5, §7), free of I/O: what a registration
//! may say, which callback hosts the configuration allows (no SSRF: nothing is allowed unless listed),
//! and the delivery settings the server runs with.

use std::time::Duration;

use serde_json::{json, Value};

use super::mesh::HealthThresholds;
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

/// One `--allow-callback-host` entry: a host name or IP (`*.example.com` for its subdomains),
/// optionally with a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRule {
    host: String,
    port: Option<u16>,
}

impl HostRule {
    /// Parses `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`.
    pub fn parse(text: &str) -> Result<HostRule, String> {
        let text = text.trim().to_ascii_lowercase();
        let bad = || format!("callback host {text:?} is not HOST, HOST:PORT, [IPv6] or [IPv6]:PORT");
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (v6, after) = rest.split_once(']').ok_or_else(bad)?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(bad)?),
            };
            (format!("[{v6}]"), port)
        } else {
            match text.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (text.clone(), None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        let name = host.strip_prefix("*.").unwrap_or(&host);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(bad());
        }
        Ok(HostRule { host, port })
    }

    fn allows(&self, host: &str, port: u16) -> bool {
        let host_ok = match self.host.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => self.host == host,
        };
        host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// The callback hosts an `http` binding may use. Empty by default: loopback, private networks and
/// the metadata service are reachable only when an operator lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackAllowlist(pub Vec<HostRule>);

impl CallbackAllowlist {
    /// Checks a callback URL: http(s), no credentials in it, and a listed host (and port).
    pub fn check(&self, raw: &str) -> Result<url::Url, String> {
        let parsed = url::Url::parse(raw)
            .map_err(|e| format!("`callback_url` {raw:?} is not an absolute URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "`callback_url` must use http or https, not {:?}",
                parsed.scheme()
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("`callback_url` must not carry credentials; the delivery is signed with the binding's secret instead".into());
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = parsed.port_or_known_default().unwrap_or(0);
        if !self.0.iter().any(|rule| rule.allows(&host, port)) {
            return Err(format!(
                "callback host {host}:{port} is not allowed by this server's configuration; an operator must start it with --allow-callback-host {host}:{port} (or {host})"
            ));
        }
        Ok(parsed)
    }
}

/// What the server does about agents, deliveries and the mesh (flags of `axme-server`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentsSettings {
    pub callback_hosts: CallbackAllowlist,
    /// Wait before retry n (the last entry repeats); upstream: 30 s, 2 min, 10 min.
    pub retry_schedule: Vec<Duration>,
    /// How long one callback POST may take.
    pub delivery_timeout: Duration,
    pub health: HealthThresholds,
}

impl Default for AgentsSettings {
    fn default() -> Self {
        AgentsSettings {
            callback_hosts: CallbackAllowlist::default(),
            retry_schedule: vec![
                Duration::from_secs(30),
                Duration::from_secs(120),
                Duration::from_secs(600),
            ],
            delivery_timeout: Duration::from_secs(10),
            health: HealthThresholds::default(),
        }
    }
}

impl AgentsSettings {
    /// The wait before the retry that follows failed attempt `attempt` (1-based).
    pub fn retry_delay(&self, attempt: i64) -> Duration {
        let index = (attempt.max(1) - 1) as usize;
        self.retry_schedule
            .get(index)
            .or(self.retry_schedule.last())
            .copied()
            .unwrap_or(Duration::from_secs(30))
    }
}

/// Parses `50ms`, `30s`, `2m` or `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 50ms, 30s, 2m or 1h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!(
            "{text:?} has no unit; write a duration like 50ms, 30s, 2m or 1h"
        )),
    }
}

/// Parses a retry schedule: 1 to 20 comma-separated durations, each from 1 ms to 24 h.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let schedule = text
        .split(',')
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()?;
    let in_range = |d: &Duration| *d >= Duration::from_millis(1) && *d <= Duration::from_secs(86_400);
    if schedule.is_empty() || schedule.len() > 20 || !schedule.iter().all(in_range) {
        return Err(format!(
            "retry schedule {text:?} must list 1 to 20 durations from 1ms to 24h"
        ));
    }
    Ok(schedule)
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
    if display_name.as_ref().is_some_and(|n| n.chars().count() > 255) {
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
                format!("`{field}` only applies to delivery_mode \"http\", not {:?}", mode.as_str()),
            ));
        }
    }
    let callback_url = match (mode, callback_url) {
        (DeliveryMode::Http, None) => {
            return Err(Invalid::new(
                "validation_error",
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
    if let Some(other) = obj.get("metadata").filter(|v| !v.is_object() && !v.is_null()) {
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
        format!("`payload.delay_seconds` must be a number of seconds from 0 to 31536000, got {got}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hosts(rules: &[&str]) -> CallbackAllowlist {
        CallbackAllowlist(rules.iter().map(|r| HostRule::parse(r).unwrap()).collect())
    }

    #[test]
    fn only_listed_hosts_and_ports_are_allowed() {
        let allow = hosts(&["127.0.0.1:8080", "hooks.example.com", "*.agents.example", "[::1]"]);
        assert!(allow.check("http://127.0.0.1:8080/in").is_ok());
        assert!(allow.check("http://127.0.0.1:9090/in").is_err());
        assert!(allow.check("https://hooks.example.com/x").is_ok());
        assert!(allow.check("https://a.agents.example/x").is_ok());
        assert!(allow.check("https://agents.example/x").is_err());
        assert!(allow.check("http://[::1]:5000/").is_ok());
        assert!(allow.check("http://169.254.169.254/latest").is_err());
        assert!(allow.check("ftp://hooks.example.com/").is_err());
        assert!(allow.check("https://u:p@hooks.example.com/").is_err());
        assert!(CallbackAllowlist::default().check("http://localhost/").is_err());
        assert!(HostRule::parse("host:notaport").is_err());
        assert!(HostRule::parse("bad host").is_err());
    }

    #[test]
    fn schedules_and_delays() {
        assert_eq!(
            parse_schedule("50ms,100ms").unwrap(),
            [Duration::from_millis(50), Duration::from_millis(100)]
        );
        assert!(parse_schedule("30").is_err());
        assert!(parse_schedule("0ms").is_err());
        let settings = AgentsSettings::default();
        assert_eq!(settings.retry_delay(1), Duration::from_secs(30));
        assert_eq!(settings.retry_delay(9), Duration::from_secs(600));
        assert_eq!(delay_seconds(&json!({"delay_seconds": 1.5})).unwrap(), 2);
        assert!(delay_seconds(&json!({"delay_seconds": "x"})).is_err());
    }

    #[test]
    fn registrations_are_checked() {
        let allow = hosts(&["127.0.0.1"]);
        let ok = registration(
            &json!({"address": "Acme/Billing", "delivery_mode": "http", "callback_url": "http://127.0.0.1:9/x"}),
            &allow,
        )
        .unwrap();
        assert_eq!((ok.address.as_str(), ok.mode), ("agent://acme/billing", DeliveryMode::Http));
        let err = |body: Value| registration(&body, &allow).unwrap_err().code;
        assert_eq!(err(json!({"address": "a", "delivery_mode": "carrier-pigeon"})), "invalid_delivery_mode");
        assert_eq!(err(json!({"address": "a", "delivery_mode": "http"})), "validation_error");
        assert_eq!(err(json!({"address": "a", "callback_url": "http://127.0.0.1/"})), "contradictory_fields");
        assert_eq!(
            err(json!({"address": "a", "delivery_mode": "http", "callback_url": "http://10.0.0.1/"})),
            "callback_host_not_allowed"
        );
        assert_eq!(
            err(json!({"address": "a", "delivery_mode": "http", "callback_url": "http://127.0.0.1/", "secret": "hunter2"})),
            "invalid_secret"
        );
        assert_eq!(err(json!({})), "validation_error");
    }
}
