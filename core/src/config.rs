//! Client configuration: what bindings pass (as JSON) and what the engine runs with.
//!
//! [`Config`] is the caller's input, serde-deserialisable so every binding can hand over one
//! JSON object; [`Config::resolve`] fills gaps from `AXME_API_KEY` / `AXME_BASE_URL`, applies the
//! defaults the public SDKs use and validates everything, so a bad key or URL is a clear
//! `invalid_argument` before any request. Secrets never appear in `Debug` output or messages.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;

/// The cloud endpoint used when neither the caller nor `AXME_BASE_URL` names one.
pub const DEFAULT_BASE_URL: &str = "https://api.cloud.axme.ai";

/// Default capacity of the retry budget (tokens).
pub const DEFAULT_RETRY_BUDGET: u32 = 500;

/// Largest accepted `retry_budget`.
pub const MAX_RETRY_BUDGET: u32 = 1_000_000;

/// Caller-supplied configuration. Unknown JSON fields are rejected (typos fail loudly).
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Server base URL; `AXME_BASE_URL`, then [`DEFAULT_BASE_URL`] when absent.
    pub base_url: Option<String>,
    /// Machine credential sent as `x-api-key`; `AXME_API_KEY` when absent.
    pub api_key: Option<String>,
    /// Actor/session token sent as `Authorization: Bearer`.
    pub actor_token: Option<String>,
    /// Alias of `actor_token`; both given and different is an error.
    pub bearer_token: Option<String>,
    /// Per-attempt request timeout in seconds (default 15).
    pub timeout_seconds: f64,
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// Backoff base in seconds (default 0.2).
    pub retry_backoff_seconds: f64,
    /// Backoff cap in seconds (default 8).
    pub retry_backoff_cap_seconds: f64,
    /// Capacity of the client's retry budget in tokens (default [`DEFAULT_RETRY_BUDGET`], at
    /// most [`MAX_RETRY_BUDGET`]). A retry after an error costs 5 tokens, after a timeout 10,
    /// and every success earns 1 back; a retry the bucket cannot pay for is not made, so 0
    /// (or anything below 5) means failed attempts are never retried.
    #[serde(deserialize_with = "token_count")]
    pub retry_budget: u32,
    /// Send a fresh `X-Trace-Id` on every call that has none (default true).
    pub auto_trace_id: bool,
    /// Mint one `Idempotency-Key` per logical write call that has none (default true).
    pub auto_idempotency_key: bool,
    /// Owner agent used for operations taking `owner_agent` when the call gives none.
    pub default_owner_agent: Option<String>,
    /// MCP endpoint path (default `/mcp`).
    pub mcp_endpoint_path: String,
    /// MCP protocol version for `mcp_initialize` (default `2024-11-05`; `2025-11-25` adds
    /// sessions). Any other value is an `invalid_argument` at construction.
    pub mcp_protocol_version: String,
    /// SDK language in `X-Axme-Client: axme-sdk-<language>/<version>` (default `rust`).
    pub client_language: String,
    /// SDK version in `X-Axme-Client` (default: this crate's version).
    pub client_version: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: None,
            api_key: None,
            actor_token: None,
            bearer_token: None,
            timeout_seconds: 15.0,
            max_retries: 2,
            retry_backoff_seconds: 0.2,
            retry_backoff_cap_seconds: 8.0,
            retry_budget: DEFAULT_RETRY_BUDGET,
            auto_trace_id: true,
            auto_idempotency_key: true,
            default_owner_agent: None,
            mcp_endpoint_path: "/mcp".into(),
            mcp_protocol_version: "2024-11-05".into(),
            client_language: "rust".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

fn redact(v: &Option<String>) -> &'static str {
    if v.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
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

/// Validated configuration the engine runs with.
#[derive(Clone)]
pub struct ResolvedConfig {
    /// `scheme://authority[/path]`, without a trailing slash.
    pub base_url: String,
    /// `x-api-key` value.
    pub api_key: Option<String>,
    /// `Authorization: Bearer` token.
    pub actor_token: Option<String>,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff base.
    pub backoff_base: Duration,
    /// Backoff cap.
    pub backoff_cap: Duration,
    /// See [`Config::retry_budget`].
    pub retry_budget: u32,
    /// See [`Config::auto_trace_id`].
    pub auto_trace_id: bool,
    /// See [`Config::auto_idempotency_key`].
    pub auto_idempotency_key: bool,
    /// See [`Config::default_owner_agent`].
    pub default_owner_agent: Option<String>,
    /// See [`Config::mcp_endpoint_path`].
    pub mcp_endpoint_path: String,
    /// See [`Config::mcp_protocol_version`].
    pub mcp_protocol_version: String,
    /// The `X-Axme-Client` value.
    pub client_identity: String,
}

impl fmt::Debug for ResolvedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &redact(&self.api_key))
            .field("actor_token", &redact(&self.actor_token))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("client_identity", &self.client_identity)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Parse a JSON configuration object (what bindings pass).
    pub fn from_json(json: &str) -> Result<Config, Error> {
        serde_json::from_str(json)
            .map_err(|e| Error::invalid_argument(format!("invalid config: {e}")))
    }

    /// Fill gaps from the process environment, apply defaults and validate.
    pub fn resolve(self) -> Result<ResolvedConfig, Error> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// [`Config::resolve`] with an explicit environment lookup (tests, embedders).
    pub fn resolve_with(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ResolvedConfig, Error> {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let base_url = self
            .base_url
            .or_else(|| env("AXME_BASE_URL"))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base_url = validate_base_url(&base_url)?;
        let api_key = self.api_key.or_else(|| env("AXME_API_KEY"));
        check_secret("api_key", api_key.as_deref())?;
        check_secret("actor_token", self.actor_token.as_deref())?;
        check_secret("bearer_token", self.bearer_token.as_deref())?;
        let actor_token = match (self.actor_token, self.bearer_token) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid_argument(
                    "actor_token and bearer_token are aliases but were given different values",
                ))
            }
            (a, b) => a.or(b),
        };
        if api_key.is_none() && actor_token.is_none() {
            return Err(Error::invalid_argument(
                "no credentials: pass api_key (or set AXME_API_KEY) or actor_token",
            ));
        }
        let timeout = seconds("timeout_seconds", self.timeout_seconds, false)?;
        let backoff_base = seconds("retry_backoff_seconds", self.retry_backoff_seconds, true)?;
        let backoff_cap = seconds(
            "retry_backoff_cap_seconds",
            self.retry_backoff_cap_seconds,
            true,
        )?;
        if self.retry_budget > MAX_RETRY_BUDGET {
            return Err(retry_budget_error(&self.retry_budget.to_string()));
        }
        if !self.mcp_endpoint_path.starts_with('/') {
            return Err(Error::invalid_argument(
                "mcp_endpoint_path must start with '/'",
            ));
        }
        if !crate::mcp::MCP_PROTOCOL_VERSIONS.contains(&self.mcp_protocol_version.as_str()) {
            return Err(Error::invalid_argument(format!(
                "mcp_protocol_version {:?} is not supported; use one of {}",
                self.mcp_protocol_version,
                crate::mcp::MCP_PROTOCOL_VERSIONS.join(", ")
            )));
        }
        if matches!(&self.default_owner_agent, Some(o) if o.trim().is_empty()) {
            return Err(Error::invalid_argument("default_owner_agent is empty"));
        }
        let token_ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if !token_ok(&self.client_language) || !token_ok(&self.client_version) {
            return Err(Error::invalid_argument(
                "client_language and client_version must be non-empty tokens without spaces or '/'",
            ));
        }
        Ok(ResolvedConfig {
            base_url,
            api_key,
            actor_token,
            timeout,
            max_retries: self.max_retries,
            backoff_base,
            backoff_cap: backoff_cap.max(backoff_base),
            retry_budget: self.retry_budget,
            auto_trace_id: self.auto_trace_id,
            auto_idempotency_key: self.auto_idempotency_key,
            default_owner_agent: self.default_owner_agent,
            mcp_endpoint_path: self.mcp_endpoint_path,
            mcp_protocol_version: self.mcp_protocol_version,
            client_identity: format!("axme-sdk-{}/{}", self.client_language, self.client_version),
        })
    }
}

fn retry_budget_error(given: &str) -> Error {
    Error::invalid_argument(format!(
        "retry_budget must be a whole number of tokens from 0 to {MAX_RETRY_BUDGET}, got {given}"
    ))
}

/// `retry_budget` from JSON, refusing fractions, negatives and other types with the message
/// the range check gives (serde's own would not name the field).
fn token_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= MAX_RETRY_BUDGET)
        .ok_or_else(|| serde::de::Error::custom(retry_budget_error(&v.to_string()).message()))
}

fn seconds(name: &str, value: f64, zero_ok: bool) -> Result<Duration, Error> {
    let ok = value.is_finite() && (value > 0.0 || zero_ok && value == 0.0) && value < 1e9;
    if !ok {
        let need = if zero_ok { ">= 0" } else { "> 0" };
        return Err(Error::invalid_argument(format!(
            "{name} must be a finite number {need}, got {value}"
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

/// Rejects empty secrets and values that cannot be sent in a header; never echoes the value.
fn check_secret(name: &str, value: Option<&str>) -> Result<(), Error> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::invalid_argument(format!("{name} is empty"))),
        Some(v) if !v.bytes().all(|b| b.is_ascii_graphic()) => Err(Error::invalid_argument(
            format!("{name} contains whitespace or characters not allowed in an HTTP header"),
        )),
        _ => Ok(()),
    }
}

/// Checks `http(s)://host[:port][/path]` and strips trailing slashes.
fn validate_base_url(raw: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid_argument(format!("base_url {raw:?} is malformed: {why}"));
    let url = raw.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("expected http://host or https://host"));
    };
    let scheme_lc = scheme.to_ascii_lowercase();
    if scheme_lc != "http" && scheme_lc != "https" {
        return Err(Error::invalid_argument(format!(
            "base_url {raw:?} must use http or https, not {scheme:?}"
        )));
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("contains whitespace or non-ASCII characters"));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("query strings and fragments are not allowed"));
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(bad("credentials in the URL are not allowed; use api_key"));
    }
    let (host, port) = if authority.starts_with('[') {
        match authority.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, p)) => match p.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return Err(bad("invalid IPv6 host")),
            },
            None => return Err(bad("invalid IPv6 host")),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host == "[" {
        return Err(bad("missing host"));
    }
    if let Some(p) = port {
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u32>().map_or(true, |n| n > 65535)
        {
            return Err(bad("invalid port"));
        }
    }
    let path = path.trim_end_matches('/');
    Ok(format!("{scheme_lc}://{authority}{path}"))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
