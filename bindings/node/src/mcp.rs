//! MCP calls of [`NativeClient`]: `initialize`, `tools/list`, `tools/call` through the core's MCP
//! client (session, protocol headers, schema cache and checks, retries all live there).

use axme_core::{Error, McpCallOptions};
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::{bool_opt, call_options, fail, object, parse, spawn, NativeCancel, NativeClient};

/// `{owner_agent, idempotency_key, trace_id, authorization, timeout, validate_input_schema,
/// retryable}` → [`McpCallOptions`] (unset fields keep the core's defaults).
fn mcp_call_options(opts_json: &str) -> Result<McpCallOptions, Error> {
    let common = call_options(opts_json)?;
    let m = object(parse("options", opts_json)?, "options")?;
    let d = McpCallOptions::default();
    Ok(McpCallOptions {
        owner_agent: common.owner_agent,
        idempotency_key: common.idempotency_key,
        trace_id: common.trace_id,
        authorization: common.authorization,
        timeout: common.timeout,
        validate_input_schema: bool_opt(&m, "validate_input_schema")?
            .unwrap_or(d.validate_input_schema),
        retryable: bool_opt(&m, "retryable")?,
    })
}

#[napi]
impl NativeClient {
    /// MCP `initialize` with `protocolVersion` (else the configured one); resolves to the
    /// JSON-RPC result.
    #[napi]
    pub fn mcp_initialize<'env>(
        &self,
        env: &'env Env,
        protocol_version: Option<String>,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let opts = match call_options(&opts_json) {
            Ok(o) => o,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(env, cancel, async move {
            client
                .mcp_initialize(protocol_version.as_deref(), &opts)
                .await
        })
    }

    /// MCP `tools/list` (caches the input schemas for `mcp_call_tool`).
    #[napi]
    pub fn mcp_list_tools<'env>(
        &self,
        env: &'env Env,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let opts = match call_options(&opts_json) {
            Ok(o) => o,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(
            env,
            cancel,
            async move { client.mcp_list_tools(&opts).await },
        )
    }

    /// MCP `tools/call` of `name` with `argumentsJson` (an object or null).
    #[napi]
    pub fn mcp_call_tool<'env>(
        &self,
        env: &'env Env,
        name: String,
        arguments_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let parsed = parse("arguments", &arguments_json)
            .and_then(|a| Ok((a, mcp_call_options(&opts_json)?)));
        let (arguments, opts): (Value, McpCallOptions) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(env, cancel, async move {
            client.mcp_call_tool(&name, arguments, &opts).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcp_options_keep_the_core_defaults() {
        let o = mcp_call_options("{}").unwrap();
        assert_eq!(o, McpCallOptions::default());
        let o = mcp_call_options(
            r#"{"owner_agent":"agent://a","validate_input_schema":false,"retryable":true,"timeout":2}"#,
        )
        .unwrap();
        assert_eq!(o.owner_agent.as_deref(), Some("agent://a"));
        assert!(!o.validate_input_schema);
        assert_eq!(o.retryable, Some(true));
        assert!(mcp_call_options(r#"{"retryable":"yes"}"#).is_err());
    }
}
