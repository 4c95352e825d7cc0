//! `client.mesh` calls of [`NativeClient`]: heartbeats, the metrics buffer, the background
//! heartbeat, health listing and the kill switch, all through `axme_core::Mesh`.

use std::sync::PoisonError;
use std::time::Duration;

use axme_core::Error;
use napi::bindgen_prelude::{within_runtime_if_available, PromiseRaw};
use napi::Env;
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::{
    call_options, fail, object, parse, spawn, string, throw, uint, NativeCancel, NativeClient,
};

/// How long `mesh_stop_heartbeat` waits for a heartbeat in flight (as the Python SDK does).
const STOP_HEARTBEAT_WAIT: Duration = Duration::from_secs(5);

/// `{limit, <filter>}` of the mesh listings; `limit` stays `None` for the core's default.
fn listing(query_json: &str, filter: &str) -> Result<(Option<u32>, Option<String>), Error> {
    let m: Map<String, Value> = object(parse("options", query_json)?, "options")?;
    let limit = match uint(&m, "limit")? {
        None => None,
        Some(l) => Some(u32::try_from(l).map_err(|_| {
            Error::invalid_argument(format!("limit must be 1..={}", axme_core::mesh::MAX_LIMIT))
        })?),
    };
    Ok((limit, string(&m, filter)?))
}

/// A heartbeat interval in milliseconds (a JS number) as a duration.
fn interval(ms: f64) -> Result<Duration, Error> {
    if ms.is_finite() && ms > 0.0 && ms < 1e12 {
        Ok(Duration::from_secs_f64(ms / 1000.0))
    } else {
        Err(Error::invalid_argument(format!(
            "intervalMs must be a number of milliseconds > 0, got {ms}"
        )))
    }
}

/// Parse the options, then run `call` with them on the napi runtime.
macro_rules! mesh_call {
    ($self:ident, $env:ident, $cancel:ident, $opts_json:expr, |$mesh:ident, $opts:ident| $body:expr) => {{
        let $opts = match call_options(&$opts_json) {
            Ok(o) => o,
            Err(e) => return fail($env, e),
        };
        let $mesh = $self.inner.mesh();
        spawn($env, $cancel, async move { $body.await })
    }};
}

#[napi]
impl NativeClient {
    /// One heartbeat; `metricsJson` is an object (sent as `{"metrics": …}`) or null (no body).
    #[napi]
    pub fn mesh_heartbeat<'env>(
        &self,
        env: &'env Env,
        metrics_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let metrics = match parse("metrics", &metrics_json) {
            Ok(m) => m,
            Err(e) => return fail(env, e),
        };
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh
            .heartbeat(Some(metrics), &opts))
    }

    /// One heartbeat carrying the buffered metrics; on failure they go back into the buffer.
    #[napi]
    pub fn mesh_flush_metrics<'env>(
        &self,
        env: &'env Env,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh
            .flush_metrics(&opts))
    }

    /// Buffer one observation for the next heartbeat (throws on a negative or non-finite value).
    #[napi]
    pub fn mesh_report_metric(
        &self,
        success: bool,
        latency_ms: Option<f64>,
        cost_usd: Option<f64>,
    ) -> napi::Result<()> {
        self.inner
            .mesh()
            .report_metric(success, latency_ms, cost_usd)
            .map_err(|e| throw(&e))
    }

    /// The metrics the next heartbeat would carry, as JSON text (none when nothing is buffered).
    #[napi]
    pub fn mesh_buffered_metrics(&self) -> Option<String> {
        self.inner.mesh().buffered_metrics().map(|v| v.to_string())
    }

    /// Start the background heartbeat on the napi runtime (a second call while it runs keeps the
    /// running task). It lives as long as this client, or until `mesh_stop_heartbeat`.
    #[napi]
    pub fn mesh_start_heartbeat(
        &self,
        interval_ms: f64,
        include_metrics: bool,
    ) -> napi::Result<()> {
        let mesh = self.inner.mesh();
        let handle = interval(interval_ms)
            .and_then(|every| {
                within_runtime_if_available(|| mesh.start_heartbeat(every, include_metrics))
            })
            .map_err(|e| throw(&e))?;
        *self
            .heartbeat
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(handle);
        Ok(())
    }

    /// Whether the background heartbeat runs.
    #[napi]
    pub fn mesh_heartbeat_running(&self) -> bool {
        self.inner.mesh().heartbeat_running()
    }

    /// Stop the background heartbeat; resolves once it has exited (waiting at most 5 s for a
    /// heartbeat in flight).
    #[napi]
    pub fn mesh_stop_heartbeat<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let handle = self
            .heartbeat
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mesh = self.inner.mesh();
        spawn(env, None, async move {
            let _ = tokio::time::timeout(STOP_HEARTBEAT_WAIT, mesh.stop_heartbeat()).await;
            drop(handle);
            Ok(Value::Null)
        })
    }

    /// `GET /v1/mesh/agents`; `queryJson` is `{limit, health}`.
    #[napi]
    pub fn mesh_list_agents<'env>(
        &self,
        env: &'env Env,
        query_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (limit, health) = match listing(&query_json, "health") {
            Ok(q) => q,
            Err(e) => return fail(env, e),
        };
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh.list_agents(
            limit,
            health.as_deref(),
            &opts
        ))
    }

    /// `GET /v1/mesh/events`; `queryJson` is `{limit, event_type}`.
    #[napi]
    pub fn mesh_list_events<'env>(
        &self,
        env: &'env Env,
        query_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (limit, event_type) = match listing(&query_json, "event_type") {
            Ok(q) => q,
            Err(e) => return fail(env, e),
        };
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh.list_events(
            limit,
            event_type.as_deref(),
            &opts
        ))
    }

    /// `GET /v1/mesh/agents/{address_id}`.
    #[napi]
    pub fn mesh_get_agent<'env>(
        &self,
        env: &'env Env,
        address_id: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh
            .get_agent(&address_id, &opts))
    }

    /// Kill an agent (never retried).
    #[napi]
    pub fn mesh_kill<'env>(
        &self,
        env: &'env Env,
        address_id: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh
            .kill(&address_id, &opts))
    }

    /// Resume a killed agent (never retried).
    #[napi]
    pub fn mesh_resume<'env>(
        &self,
        env: &'env Env,
        address_id: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        mesh_call!(self, env, cancel, opts_json, |mesh, opts| mesh
            .resume(&address_id, &opts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_and_interval_are_checked() {
        assert_eq!(
            listing(r#"{"limit":5,"health":"healthy"}"#, "health").unwrap(),
            (Some(5), Some("healthy".into()))
        );
        assert_eq!(listing("{}", "event_type").unwrap(), (None, None));
        assert!(listing(r#"{"limit":-1}"#, "health").is_err());
        assert!(listing(r#"{"limit":5000000000}"#, "health").is_err());
        assert_eq!(interval(1500.0).unwrap(), Duration::from_millis(1500));
        assert!(interval(0.0).is_err());
        assert!(interval(f64::NAN).is_err());
    }
}
