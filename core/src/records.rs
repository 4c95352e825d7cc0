//! The records of the waist: what every binding hands the core, in one shape for every language.
//!
//! Each record is plain data with a default for every field. Bindings without a typed FFI
//! (pyo3, napi-rs) send it as one JSON object (`from_json`: unknown fields are refused, so a typo
//! fails loudly); uniffi bindings (Go, Java, .NET) send the same record typed. Either way the
//! core validates it, with one rule for durations: every duration is a field named `*_seconds`
//! holding a number of seconds (fractions allowed), finite, not negative (zero only where the
//! field says so) and below 10⁹ ([`duration`]). With the `uniffi` feature the records (their
//! fields, defaults and docs) are also the waist's definition in the uniffi metadata, which codegen
//! reads to write every language's config fields and error kinds.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::Error;

/// The MCP protocol version of the upstream SDKs (no sessions).
pub const MCP_PROTOCOL_2024_11_05: &str = "2024-11-05";
/// The MCP protocol version with `Mcp-Session-Id` / `MCP-Protocol-Version` headers.
pub const MCP_PROTOCOL_2025_11_25: &str = "2025-11-25";
/// Every MCP protocol version the client speaks.
pub const MCP_PROTOCOL_VERSIONS: &[&str] = &[MCP_PROTOCOL_2024_11_05, MCP_PROTOCOL_2025_11_25];

/// The largest duration any record accepts, in seconds.
pub const MAX_SECONDS: f64 = 1e9;

/// Whether a duration field may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    /// `0` is a valid value (a backoff of nothing, polling without a pause).
    Allowed,
    /// The value must be above zero (a timeout, an interval).
    Refused,
}

/// The one rule for durations: `seconds` must be finite, `>= 0` (`> 0` when zero is refused)
/// and below [`MAX_SECONDS`]; `name` is the field, for the message.
pub fn duration(name: &str, seconds: f64, zero: Zero) -> Result<Duration, Error> {
    let above_min = match zero {
        Zero::Allowed => seconds >= 0.0,
        Zero::Refused => seconds > 0.0,
    };
    if seconds.is_finite() && above_min && seconds < MAX_SECONDS {
        return Ok(Duration::from_secs_f64(seconds));
    }
    let need = match zero {
        Zero::Allowed => ">= 0",
        Zero::Refused => "> 0",
    };
    Err(Error::invalid_argument(format!(
        "{name} must be a finite number of seconds {need} and below {MAX_SECONDS:e}, got {seconds}"
    )))
}

/// [`duration`] of an optional field: `None` stays `None`.
pub fn opt_duration(
    name: &str,
    seconds: Option<f64>,
    zero: Zero,
) -> Result<Option<Duration>, Error> {
    seconds.map(|s| duration(name, s, zero)).transpose()
}

/// Parse a record from a JSON object; `null` or an empty text is the record's default. The error
/// names the record and the field serde stopped at.
pub fn from_json<T: DeserializeOwned + Default>(what: &str, json: &str) -> Result<T, Error> {
    if json.trim().is_empty() || json.trim() == "null" {
        return Ok(T::default());
    }
    serde_json::from_str(json).map_err(|e| Error::invalid_argument(format!("invalid {what}: {e}")))
}

fn redact(v: &Option<String>) -> &'static str {
    if v.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
    }
}

/// How to build a client: credentials, the server, timeouts and retries, the MCP endpoint, and
/// the SDK's identity. [`crate::config::ResolvedConfig::resolve`] fills gaps from the environment
/// and validates every field.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClientConfig {
    /// Server base URL (`http(s)://host[:port][/path]`, a trailing `/` is dropped). When not
    /// given: `AXME_BASE_URL`, else the AXME cloud (`https://api.cloud.axme.ai`). Blank is an
    /// error.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub base_url: Option<String>,
    /// Machine credential, sent as `x-api-key`. When not given: `AXME_API_KEY`. Blank, or
    /// missing everywhere without an actor token, is an error.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub api_key: Option<String>,
    /// A human's actor (session) token, sent as `Authorization: Bearer`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub actor_token: Option<String>,
    /// Alias of `actor_token`; both given and different is an error.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub bearer_token: Option<String>,
    /// Timeout of one attempt of a request (> 0).
    #[cfg_attr(feature = "uniffi", uniffi(default = 15.0))]
    pub timeout_seconds: f64,
    /// Retries after the first attempt.
    #[cfg_attr(feature = "uniffi", uniffi(default = 2))]
    pub max_retries: u32,
    /// Backoff base: retry `n` waits a random time below `base * 2^n`.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0.2))]
    pub retry_backoff_seconds: f64,
    /// Upper bound of one backoff.
    #[cfg_attr(feature = "uniffi", uniffi(default = 8.0))]
    pub retry_backoff_cap_seconds: f64,
    /// Capacity of the client's retry budget in tokens (0 to 1,000,000). A retry after an error
    /// costs 5 tokens, after a timeout 10, and every success earns 1 back; a retry the bucket
    /// cannot pay for is not made, so a failing server is not hammered.
    #[cfg_attr(feature = "uniffi", uniffi(default = 500))]
    #[serde(deserialize_with = "token_count")]
    pub retry_budget: u32,
    /// Send a fresh `X-Trace-Id` on every call that has none.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub auto_trace_id: bool,
    /// Mint one `Idempotency-Key` per logical write call that has none, so every write is
    /// retry-safe.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub auto_idempotency_key: bool,
    /// Owner agent for operations taking `owner_agent` when a call gives none.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub default_owner_agent: Option<String>,
    /// Path of the MCP endpoint.
    #[cfg_attr(feature = "uniffi", uniffi(default = "/mcp"))]
    pub mcp_endpoint_path: String,
    /// MCP protocol version `mcp_initialize` asks for: `2024-11-05` or `2025-11-25` (sessions).
    #[cfg_attr(feature = "uniffi", uniffi(default = "2024-11-05"))]
    pub mcp_protocol_version: String,
    /// SDK language in `X-Axme-Client: axme-sdk-<language>/<version>`.
    #[cfg_attr(feature = "uniffi", uniffi(default = "rust"))]
    pub client_language: String,
    /// SDK version in `X-Axme-Client`; when not given, the core's own version.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub client_version: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: None,
            api_key: None,
            actor_token: None,
            bearer_token: None,
            timeout_seconds: 15.0,
            max_retries: 2,
            retry_backoff_seconds: 0.2,
            retry_backoff_cap_seconds: 8.0,
            retry_budget: crate::retry::DEFAULT_RETRY_BUDGET,
            auto_trace_id: true,
            auto_idempotency_key: true,
            default_owner_agent: None,
            mcp_endpoint_path: "/mcp".into(),
            mcp_protocol_version: MCP_PROTOCOL_2024_11_05.into(),
            client_language: "rust".into(),
            client_version: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &redact(&self.api_key))
            .field("actor_token", &redact(&self.actor_token))
            .field("bearer_token", &redact(&self.bearer_token))
            .field("timeout_seconds", &self.timeout_seconds)
            .field("max_retries", &self.max_retries)
            .field("retry_budget", &self.retry_budget)
            .field("auto_idempotency_key", &self.auto_idempotency_key)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Parse the JSON form (what pyo3 and napi-rs bindings pass).
    pub fn from_json(json: &str) -> Result<ClientConfig, Error> {
        from_json("config", json)
    }
}

fn retry_budget_error(given: &str) -> Error {
    Error::invalid_argument(format!(
        "retry_budget must be a whole number of tokens from 0 to {}, got {given}",
        crate::retry::MAX_RETRY_BUDGET
    ))
}

/// `retry_budget` from JSON, refusing fractions, negatives and other types with the message
/// the range check gives (serde's own would not name the field).
fn token_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= crate::retry::MAX_RETRY_BUDGET)
        .ok_or_else(|| serde::de::Error::custom(retry_budget_error(&v.to_string()).message()))
}

/// Checks a `retry_budget` given typed (the JSON form is checked while parsing).
pub(crate) fn check_retry_budget(budget: u32) -> Result<(), Error> {
    if budget > crate::retry::MAX_RETRY_BUDGET {
        return Err(retry_budget_error(&budget.to_string()));
    }
    Ok(())
}

/// The options of one request/response call (the generic call, MCP, mesh). Every field is
/// optional; what a call cannot use is ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CallOptions {
    /// `Idempotency-Key` of a write, the same on every retry; else one is minted when
    /// `auto_idempotency_key` is on. For MCP `tools/call` it also goes into the arguments.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub idempotency_key: Option<String>,
    /// `X-Trace-Id`; else one is minted when `auto_trace_id` is on.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub trace_id: Option<String>,
    /// `owner_agent` query parameter of operations that take it (else `default_owner_agent`);
    /// the owner an MCP tool call acts for.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub owner_agent: Option<String>,
    /// `x-owner-agent` header of operations that take it.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub x_owner_agent: Option<String>,
    /// `Authorization` header value replacing the configured actor token for this call.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub authorization: Option<String>,
    /// Timeout of each attempt of this call (> 0); else the config's.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub timeout_seconds: Option<f64>,
    /// Whether a write (or an MCP tool call) may be repeated after a retryable failure; else
    /// only with an idempotency key.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub retryable: Option<bool>,
    /// MCP `tools/call`: check the arguments against the tool's cached input schema first
    /// (default true).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub validate_input_schema: Option<bool>,
}

impl CallOptions {
    /// Parse the JSON form.
    pub fn from_json(json: &str) -> Result<CallOptions, Error> {
        from_json("call options", json)
    }

    /// The per-attempt timeout, checked by the duration rule.
    pub fn timeout(&self) -> Result<Option<Duration>, Error> {
        opt_duration("timeout_seconds", self.timeout_seconds, Zero::Refused)
    }

    /// The same options with another trace id (the calls a stream makes on its behalf).
    pub fn with_trace_id(trace_id: Option<String>) -> CallOptions {
        CallOptions {
            trace_id,
            ..CallOptions::default()
        }
    }
}

/// The options of `observe`, `wait_for` and `listen`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StreamOptions {
    /// Deliver items after this position (an event `seq`, or for `listen` the agent's delivery
    /// cursor); exclusive.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub since: u64,
    /// Length of one server window in whole seconds, 1 to 60.
    #[cfg_attr(feature = "uniffi", uniffi(default = 15))]
    pub wait_seconds: u32,
    /// Pause between polls when the server has no event stream (`observe`; >= 0).
    #[cfg_attr(feature = "uniffi", uniffi(default = 1.0))]
    pub poll_interval_seconds: f64,
    /// Give up with a `timeout` error after this long (> 0); else never.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub timeout_seconds: Option<f64>,
    /// `X-Trace-Id` of every request of the stream (each reconnect, poll and gap fill); else one
    /// id is minted for the whole call when `auto_trace_id` is on.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub trace_id: Option<String>,
    /// `listen`: the statuses to deliver (the server's default leaves finished intents out).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub status: Option<Vec<String>>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            since: 0,
            wait_seconds: 15,
            poll_interval_seconds: 1.0,
            timeout_seconds: None,
            trace_id: None,
            status: None,
        }
    }
}

impl StreamOptions {
    /// Parse the JSON form.
    pub fn from_json(json: &str) -> Result<StreamOptions, Error> {
        from_json("stream options", json)
    }

    /// Checks every field; the stream calls run this before any request.
    pub fn check(&self) -> Result<(), Error> {
        if !(1..=60).contains(&self.wait_seconds) {
            return Err(Error::invalid_argument(format!(
                "wait_seconds must be 1..=60, got {}",
                self.wait_seconds
            )));
        }
        self.poll_interval()?;
        self.timeout()?;
        if let Some(status) = &self.status {
            if status.is_empty() || status.iter().any(|s| s.trim().is_empty()) {
                return Err(Error::invalid_argument(
                    "status must name at least one status and no empty ones",
                ));
            }
        }
        Ok(())
    }

    /// The polling pause, checked by the duration rule.
    pub fn poll_interval(&self) -> Result<Duration, Error> {
        duration(
            "poll_interval_seconds",
            self.poll_interval_seconds,
            Zero::Allowed,
        )
    }

    /// The overall deadline, checked by the duration rule.
    pub fn timeout(&self) -> Result<Option<Duration>, Error> {
        opt_duration("timeout_seconds", self.timeout_seconds, Zero::Refused)
    }
}

/// One observation for the mesh's metrics buffer, carried by the next heartbeat.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Metric {
    /// Whether the work succeeded.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub success: bool,
    /// Its latency in milliseconds (finite, >= 0); the heartbeat carries the mean.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub latency_ms: Option<f64>,
    /// Its cost in US dollars (finite, >= 0); the heartbeat carries the sum.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cost_usd: Option<f64>,
}

impl Default for Metric {
    fn default() -> Self {
        Metric {
            success: true,
            latency_ms: None,
            cost_usd: None,
        }
    }
}

impl Metric {
    /// Parse the JSON form.
    pub fn from_json(json: &str) -> Result<Metric, Error> {
        from_json("metric", json)
    }

    /// Checks the values: finite and not negative.
    pub fn check(&self) -> Result<(), Error> {
        for (name, v) in [("latency_ms", self.latency_ms), ("cost_usd", self.cost_usd)] {
            if let Some(x) = v {
                if !x.is_finite() || x < 0.0 {
                    return Err(Error::invalid_argument(format!(
                        "{name} must be a finite number >= 0, got {x}"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The background mesh heartbeat.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HeartbeatOptions {
    /// Time between heartbeats (> 0); the first is sent at once.
    #[cfg_attr(feature = "uniffi", uniffi(default = 30.0))]
    pub interval_seconds: f64,
    /// Carry the buffered metrics (put back if a heartbeat fails).
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub include_metrics: bool,
}

impl Default for HeartbeatOptions {
    fn default() -> Self {
        HeartbeatOptions {
            interval_seconds: 30.0,
            include_metrics: true,
        }
    }
}

impl HeartbeatOptions {
    /// Parse the JSON form.
    pub fn from_json(json: &str) -> Result<HeartbeatOptions, Error> {
        from_json("heartbeat options", json)
    }

    /// The interval, checked by the duration rule.
    pub fn interval(&self) -> Result<Duration, Error> {
        duration("interval_seconds", self.interval_seconds, Zero::Refused)
    }
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
