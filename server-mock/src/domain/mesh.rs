//! The agent mesh, free of I/O: health from heartbeat age, usage windows, heartbeat metrics and
//! per-agent policies (allowed intent types, cost and rate limits).

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::validate::{is_intent_type, kind, object, Invalid};

/// Heartbeat ages at which an agent stops being healthy. The SDKs beat every 30 s, so the defaults
/// allow two missed beats before `degraded` and ten before `unreachable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthThresholds {
    pub degraded_after: Duration,
    pub unreachable_after: Duration,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        HealthThresholds {
            degraded_after: Duration::from_secs(90),
            unreachable_after: Duration::from_secs(300),
        }
    }
}

/// The health an agent shows: a block wins, then the age of its last heartbeat.
pub fn health(
    blocked: bool,
    last_heartbeat_us: Option<i64>,
    now_us: i64,
    thresholds: &HealthThresholds,
) -> &'static str {
    if blocked {
        return "killed";
    }
    let Some(last) = last_heartbeat_us else {
        return "unknown";
    };
    let age = Duration::from_micros((now_us - last).max(0) as u64);
    if age < thresholds.degraded_after {
        "healthy"
    } else if age < thresholds.unreachable_after {
        "degraded"
    } else {
        "unreachable"
    }
}

pub const HEALTH_VALUES: [&str; 5] = ["healthy", "degraded", "unreachable", "killed", "unknown"];

/// A usage window: the current UTC day, or the last 7 or 30 UTC days including today.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    #[default]
    Day,
    Week,
    Month,
}

impl Window {
    pub fn parse(text: &str) -> Option<Window> {
        match text {
            "day" => Some(Window::Day),
            "week" => Some(Window::Week),
            "month" => Some(Window::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
        }
    }

    pub fn days(self) -> i64 {
        match self {
            Window::Day => 1,
            Window::Week => 7,
            Window::Month => 30,
        }
    }
}

/// Days since the unix epoch (UTC): the key of the usage buckets.
pub fn day_of(us: i64) -> i64 {
    us.div_euclid(86_400_000_000)
}

/// Metrics a heartbeat reports: counts and cost since the previous heartbeat (the SDKs buffer them
/// and flush them with the next beat), plus the running average latency.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub intents_total: i64,
    pub intents_succeeded: i64,
    pub intents_failed: i64,
    pub avg_latency_ms: Option<f64>,
    pub cost_usd: f64,
}

/// Most intents one heartbeat may report in each count (it reports those since the previous beat).
pub const MAX_REPORTED_INTENTS: i64 = 1_000_000;
/// Most cost one heartbeat may report, and the largest `max_cost_usd` of a policy.
pub const MAX_COST_USD: f64 = 1_000_000.0;
/// Largest average latency a heartbeat may report: a day.
pub const MAX_LATENCY_MS: f64 = 86_400_000.0;
/// What a day's usage bucket saturates at, so a sum over a month fits in any number type.
pub const MAX_DAY_COUNT: i64 = 1_000_000_000_000;
pub const MAX_DAY_COST_USD: f64 = 1_000_000_000_000.0;

fn number(obj: &Map<String, Value>, field: &str, max: f64) -> Result<Option<f64>, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() && (0.0..=max).contains(&v) => Ok(Some(v)),
            _ => Err(out_of_range(field, &n.to_string(), max)),
        },
        Some(other) => Err(out_of_range(field, kind(other), max)),
    }
}

fn count(obj: &Map<String, Value>, field: &str) -> Result<i64, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n))
            if n
                .as_i64()
                .is_some_and(|v| (0..=MAX_REPORTED_INTENTS).contains(&v)) =>
        {
            Ok(n.as_i64().unwrap_or(0))
        }
        Some(other) => Err(Invalid::new(
            "validation_error",
            field,
            format!(
                "`{field}` must be an integer from 0 to {MAX_REPORTED_INTENTS} (intents since the previous heartbeat), got {other}"
            ),
        )),
    }
}

fn out_of_range(field: &str, got: &str, max: f64) -> Invalid {
    Invalid::new(
        "validation_error",
        field,
        format!("`{field}` must be a number from 0 to {max}, got {got}"),
    )
}

/// Validates a heartbeat body: `{}` or `{"metrics": {...}}` (unknown metric names are ignored).
pub fn heartbeat(body: &Value) -> Result<Option<Metrics>, Invalid> {
    let obj = object(body)?;
    let metrics = match obj.get("metrics") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "metrics",
                format!("`metrics` must be a JSON object, got {}", kind(other)),
            ))
        }
    };
    let field = |name: &str| format!("metrics.{name}");
    let scoped = |e: Invalid| {
        Invalid::new(
            e.code,
            &field(&e.field),
            e.message.replacen('`', "`metrics.", 1),
        )
    };
    Ok(Some(Metrics {
        intents_total: count(metrics, "intents_total").map_err(scoped)?,
        intents_succeeded: count(metrics, "intents_succeeded").map_err(scoped)?,
        intents_failed: count(metrics, "intents_failed").map_err(scoped)?,
        avg_latency_ms: number(metrics, "avg_latency_ms", MAX_LATENCY_MS).map_err(scoped)?,
        cost_usd: number(metrics, "cost_usd", MAX_COST_USD)
            .map_err(scoped)?
            .unwrap_or(0.0),
    }))
}

/// Per-agent policy of the mesh. `None` lists allow every type; limits are off when `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    pub allowed_send_types: Option<Vec<String>>,
    pub allowed_receive_types: Option<Vec<String>>,
    /// Reported cost allowed per `cost_window`; a heartbeat that goes beyond it blocks the agent.
    pub max_cost_usd: Option<f64>,
    pub cost_window: Window,
    /// Intents the agent may send per minute (fixed one-minute windows); one more blocks it.
    pub max_intents_per_minute: Option<i64>,
}

fn type_list(obj: &Map<String, Value>, field: &str) -> Result<Option<Vec<String>>, Invalid> {
    let bad = |why: String| Invalid::new("validation_error", field, why);
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.len() <= 100 => items
            .iter()
            .map(|item| match item.as_str() {
                Some(t) if is_type_pattern(t) => Ok(t.to_string()),
                _ => Err(bad(format!("`{field}` holds {item}; each entry is an intent type like \"billing.charge.v1\" or a prefix pattern like \"billing.*\""))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(bad(format!("`{field}` must be an array of at most 100 intent types, got {}", kind(other)))),
    }
}

fn is_type_pattern(text: &str) -> bool {
    match text.strip_suffix(".*") {
        Some(prefix) => prefix.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }),
        None => text == "*" || is_intent_type(text),
    }
}

/// Whether `intent_type` is allowed by a list (no list allows everything).
pub fn type_allowed(list: Option<&[String]>, intent_type: &str) -> bool {
    list.is_none_or(|patterns| {
        patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => intent_type.starts_with(prefix),
            None => p == intent_type,
        })
    })
}

/// Validates a `PUT …/policy` body (the whole policy; omitted fields are cleared).
pub fn policy(body: &Value) -> Result<Policy, Invalid> {
    let obj = object(body)?;
    let cost_window = match obj.get("cost_window") {
        None | Some(Value::Null) => Window::Day,
        Some(Value::String(w)) => Window::parse(w).ok_or_else(|| {
            Invalid::new(
                "validation_error",
                "cost_window",
                format!("`cost_window` {w:?} is not accepted; expected day, week or month"),
            )
        })?,
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "cost_window",
                format!(
                    "`cost_window` must be day, week or month, got {}",
                    kind(other)
                ),
            ))
        }
    };
    let max_intents_per_minute = match obj.get("max_intents_per_minute") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| (1..=1_000_000).contains(&v)) => {
            n.as_i64()
        }
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "max_intents_per_minute",
                format!(
                    "`max_intents_per_minute` must be an integer from 1 to 1000000, got {other}"
                ),
            ))
        }
    };
    Ok(Policy {
        allowed_send_types: type_list(obj, "allowed_send_types")?,
        allowed_receive_types: type_list(obj, "allowed_receive_types")?,
        max_cost_usd: number(obj, "max_cost_usd", MAX_COST_USD)?,
        cost_window,
        max_intents_per_minute,
    })
}

impl Policy {
    pub fn to_json(&self) -> Value {
        json!({
            "allowed_send_types": self.allowed_send_types,
            "allowed_receive_types": self.allowed_receive_types,
            "max_cost_usd": self.max_cost_usd,
            "cost_window": self.cost_window.as_str(),
            "max_intents_per_minute": self.max_intents_per_minute,
        })
    }

    /// Reads a stored policy (written by [`Policy::to_json`]); unreadable parts count as unset.
    pub fn from_json(stored: &Value) -> Policy {
        policy(stored).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_heartbeat_age_and_blocks() {
        let t = HealthThresholds::default();
        let now = 1_000_000_000_000;
        assert_eq!(health(false, None, now, &t), "unknown");
        assert_eq!(health(false, Some(now - 10_000_000), now, &t), "healthy");
        assert_eq!(health(false, Some(now - 100_000_000), now, &t), "degraded");
        assert_eq!(
            health(false, Some(now - 400_000_000), now, &t),
            "unreachable"
        );
        assert_eq!(health(true, Some(now), now, &t), "killed");
    }

    #[test]
    fn metrics_and_policies_are_validated() {
        assert_eq!(heartbeat(&json!({})).unwrap(), None);
        let m = heartbeat(&json!({"metrics": {"intents_total": 3, "cost_usd": 0.5, "other": 1}}))
            .unwrap()
            .unwrap();
        assert_eq!((m.intents_total, m.cost_usd), (3, 0.5));
        let err = heartbeat(&json!({"metrics": {"cost_usd": -1}})).unwrap_err();
        assert_eq!(err.field, "metrics.cost_usd");
        assert!(heartbeat(&json!({"metrics": 3})).is_err());
        let p = policy(&json!({"allowed_send_types": ["billing.*", "notify.message.v1"], "max_cost_usd": 2, "cost_window": "week"})).unwrap();
        assert!(type_allowed(
            p.allowed_send_types.as_deref(),
            "billing.charge.v1"
        ));
        assert!(!type_allowed(
            p.allowed_send_types.as_deref(),
            "deploy.run.v1"
        ));
        assert!(type_allowed(None, "anything.at.v1"));
        assert_eq!(Policy::from_json(&p.to_json()), p);
        assert!(policy(&json!({"allowed_receive_types": ["Bad Type"]})).is_err());
        assert!(policy(&json!({"max_intents_per_minute": 0})).is_err());
        assert!(policy(&json!({"cost_window": "year"})).is_err());
    }
}
