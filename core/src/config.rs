//! Resolving a [`ClientConfig`] into the configuration the engine runs with.
//!
//! [`ClientConfig::resolve`] fills gaps from `AXME_API_KEY` / `AXME_BASE_URL`, applies the
//! defaults and validates every field, so a bad key or URL is a clear `invalid_argument` before
//! any request. Secrets never appear in `Debug` output or messages.

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::records::{check_retry_budget, duration, ClientConfig, Zero};
pub use crate::records::{MCP_PROTOCOL_2024_11_05, MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_VERSIONS};

/// The cloud endpoint used when neither the caller nor `AXME_BASE_URL` names one.
pub const DEFAULT_BASE_URL: &str = "https://api.cloud.axme.ai";

fn redact(v: &Option<String>) -> &'static str {
    if v.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
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
    /// See [`ClientConfig::retry_budget`].
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

impl ClientConfig {
    /// Fill gaps from the process environment, apply defaults and validate.
    pub fn resolve(self) -> Result<ResolvedConfig, Error> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// [`ClientConfig::resolve`] with an explicit environment lookup (tests, embedders).
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
            (Some(a), Some(b)) if a != b => return Err(Error::invalid_argument(
                "actor_token and bearer_token must match when both are given (they are aliases)",
            )),
            (a, b) => a.or(b),
        };
        if api_key.is_none() && actor_token.is_none() {
            return Err(Error::invalid_argument(
                "no credentials: pass api_key (or set AXME_API_KEY) or actor_token",
            ));
        }
        let timeout = duration("timeout_seconds", self.timeout_seconds, Zero::Refused)?;
        let backoff_base = duration(
            "retry_backoff_seconds",
            self.retry_backoff_seconds,
            Zero::Allowed,
        )?;
        let backoff_cap = duration(
            "retry_backoff_cap_seconds",
            self.retry_backoff_cap_seconds,
            Zero::Allowed,
        )?;
        check_retry_budget(self.retry_budget)?;
        if !self.mcp_endpoint_path.starts_with('/') {
            return Err(Error::invalid_argument(
                "mcp_endpoint_path must start with '/'",
            ));
        }
        if !MCP_PROTOCOL_VERSIONS.contains(&self.mcp_protocol_version.as_str()) {
            return Err(Error::invalid_argument(format!(
                "mcp_protocol_version {:?} is not supported; use one of {}",
                self.mcp_protocol_version,
                MCP_PROTOCOL_VERSIONS.join(", ")
            )));
        }
        if matches!(&self.default_owner_agent, Some(o) if o.trim().is_empty()) {
            return Err(Error::invalid_argument("default_owner_agent is empty"));
        }
        let version = self
            .client_version
            .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
        let token_ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if !token_ok(&self.client_language) || !token_ok(&version) {
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
            client_identity: format!("axme-sdk-{}/{version}", self.client_language),
        })
    }
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
