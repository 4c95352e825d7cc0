//! Agent mesh: heartbeats, buffered metrics, health listing and the kill switch.
//!
//! [`Mesh`] is a cheap view of one client's [`MeshState`] and transport: every view of a client
//! shares one metrics buffer and one background heartbeat, like the upstream SDKs' lazy
//! `client.mesh`.
//!
//! * `heartbeat(metrics)` posts `/v1/mesh/heartbeat`, without a body when there are no metrics.
//! * `report_metric(success, latency_ms, cost_usd)` buffers one observation: counts (total,
//!   succeeded, failed), the average of the latencies reported (observations without a latency do
//!   not dilute it, unlike upstream's running average over all observations) and the summed cost.
//!   The buffer is flushed by the next heartbeat that includes metrics, and put back (merged with
//!   anything reported meanwhile) if that heartbeat fails or is cancelled, so nothing is lost.
//! * `start_heartbeat(interval, include_metrics)` runs one background task per client that sends a
//!   heartbeat at once and then every `interval`; failures are logged and swallowed. A second call
//!   while it runs returns another handle to the same task. The task stops when `stop_heartbeat`
//!   is called or when every [`HeartbeatHandle`] has been dropped; a heartbeat in flight finishes.
//! * `list_agents`, `get_agent`, `list_events` are reads; `kill` and `resume` are never retried.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::sync::watch;

use crate::error::Error;
use crate::operations::{self, OperationDescriptor};
use crate::records::{CallOptions, Metric};
use crate::request::{merge_options, prepare};
use crate::transport::Transport;

/// Default `limit` of [`Mesh::list_agents`] (as upstream).
pub const DEFAULT_AGENTS_LIMIT: u32 = 100;
/// Default `limit` of [`Mesh::list_events`] (as upstream).
pub const DEFAULT_EVENTS_LIMIT: u32 = 50;
/// Largest `limit` the spec allows.
pub const MAX_LIMIT: u32 = 1000;

/// Buffered observations between two heartbeats. Pure; the client keeps one behind a mutex.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MetricsBuffer {
    total: u64,
    succeeded: u64,
    failed: u64,
    latency_sum_ms: f64,
    latency_count: u64,
    cost_usd: f64,
    cost_count: u64,
}

impl MetricsBuffer {
    pub(crate) fn record(&mut self, success: bool, latency_ms: Option<f64>, cost_usd: Option<f64>) {
        self.total += 1;
        if success {
            self.succeeded += 1;
        } else {
            self.failed += 1;
        }
        if let Some(l) = latency_ms {
            self.latency_sum_ms += l;
            self.latency_count += 1;
        }
        if let Some(c) = cost_usd {
            self.cost_usd += c;
            self.cost_count += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Add `other` (observations taken out earlier) back in.
    pub(crate) fn merge(&mut self, other: &MetricsBuffer) {
        self.total += other.total;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.latency_sum_ms += other.latency_sum_ms;
        self.latency_count += other.latency_count;
        self.cost_usd += other.cost_usd;
        self.cost_count += other.cost_count;
    }

    /// The `metrics` object of a heartbeat (`None` when nothing was reported): the counts always,
    /// `avg_latency_ms` and `cost_usd` when some observation had them.
    pub(crate) fn to_json(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        let mut m = Map::new();
        m.insert("intents_total".into(), json!(self.total));
        m.insert("intents_succeeded".into(), json!(self.succeeded));
        m.insert("intents_failed".into(), json!(self.failed));
        if self.latency_count > 0 {
            m.insert(
                "avg_latency_ms".into(),
                json!(self.latency_sum_ms / self.latency_count as f64),
            );
        }
        if self.cost_count > 0 {
            m.insert("cost_usd".into(), json!(self.cost_usd));
        }
        Some(Value::Object(m))
    }
}

/// Mesh state of one client: the metrics buffer and the background heartbeat, if any.
#[derive(Debug, Default)]
pub struct MeshState {
    metrics: Arc<Mutex<MetricsBuffer>>,
    heartbeat: Mutex<Weak<HeartbeatTask>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Observations taken out of the buffer for one heartbeat; put back unless the heartbeat
/// succeeded (also when the future is dropped mid-request).
struct Flush {
    buffer: Arc<Mutex<MetricsBuffer>>,
    taken: Option<MetricsBuffer>,
}

impl Flush {
    fn take(buffer: &Arc<Mutex<MetricsBuffer>>) -> Flush {
        let taken = std::mem::take(&mut *lock(buffer));
        Flush {
            buffer: buffer.clone(),
            taken: Some(taken),
        }
    }

    fn metrics(&self) -> Option<Value> {
        self.taken.as_ref().and_then(MetricsBuffer::to_json)
    }

    fn delivered(mut self) {
        self.taken = None;
    }
}

impl Drop for Flush {
    fn drop(&mut self) {
        if let Some(t) = self.taken.take() {
            lock(&self.buffer).merge(&t);
        }
    }
}

struct HeartbeatTask {
    stop: watch::Sender<bool>,
    /// Closed (sender dropped) when the task has exited.
    done: watch::Receiver<()>,
}

impl Drop for HeartbeatTask {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl std::fmt::Debug for HeartbeatTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeartbeatTask")
            .field("stopping", &*self.stop.borrow())
            .finish()
    }
}

/// A handle on the background heartbeat. Clones share the task; when the last handle is
/// dropped the task stops (after a heartbeat in flight).
#[derive(Debug, Clone)]
pub struct HeartbeatHandle {
    task: Arc<HeartbeatTask>,
}

impl HeartbeatHandle {
    /// Ask the task to stop (it finishes a heartbeat in flight first).
    pub fn stop(&self) {
        self.task.stop.send_replace(true);
    }

    /// Whether the task is still running.
    pub fn is_running(&self) -> bool {
        self.task.done.has_changed().is_ok()
    }

    /// Wait until the task has exited (returns at once if it has).
    pub async fn stopped(&self) {
        let mut done = self.task.done.clone();
        while done.changed().await.is_ok() {}
    }
}

/// The mesh calls of one client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Mesh {
    t: Transport,
    state: Arc<MeshState>,
}

fn check_limit(limit: Option<u32>, default: u32) -> Result<u32, Error> {
    let l = limit.unwrap_or(default);
    if !(1..=MAX_LIMIT).contains(&l) {
        return Err(Error::invalid_argument(format!(
            "limit must be 1..={MAX_LIMIT}, got {l}"
        )));
    }
    Ok(l)
}

fn address_args(address_id: &str) -> Result<Map<String, Value>, Error> {
    if address_id.trim().is_empty() {
        return Err(Error::invalid_argument("address_id must not be empty"));
    }
    let mut m = Map::new();
    m.insert("address_id".into(), json!(address_id));
    Ok(m)
}

fn put_opt(args: &mut Map<String, Value>, name: &str, v: Option<&str>) -> Result<(), Error> {
    if let Some(v) = v {
        if v.trim().is_empty() {
            return Err(Error::invalid_argument(format!("{name} must not be empty")));
        }
        args.insert(name.into(), json!(v));
    }
    Ok(())
}

async fn heartbeat_loop(
    mesh: Mesh,
    interval: Duration,
    include_metrics: bool,
    mut stop: watch::Receiver<bool>,
    _done: watch::Sender<()>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
                continue;
            }
            _ = ticker.tick() => {}
        }
        if *stop.borrow() {
            break;
        }
        let opts = CallOptions::default();
        let sent = if include_metrics {
            mesh.flush_metrics(&opts).await
        } else {
            mesh.heartbeat(None, &opts).await
        };
        if let Err(e) = sent {
            tracing::debug!(kind = %e.kind(), status = ?e.status(), "background heartbeat failed");
        }
    }
    tracing::debug!("background heartbeat stopped");
}

impl Mesh {
    /// The view of `state` whose requests go over `transport`.
    pub fn new(transport: Transport, state: Arc<MeshState>) -> Mesh {
        Mesh {
            t: transport,
            state,
        }
    }

    async fn call(
        &self,
        op: &OperationDescriptor,
        mut args: Map<String, Value>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        // Mesh operations take no owner: `merge_options` adds only what the operation takes.
        merge_options(op, &mut args, opts)?;
        // `kill` and `resume` are never retried: the spec's `retry: never`, in the descriptor.
        let req = prepare(op, &Value::Object(args), self.t.config())?;
        self.t.execute(&req).await
    }

    /// One heartbeat; `metrics` (an object) is sent as `{"metrics": ...}`, and no body at all is
    /// sent when it is `None`, null or empty.
    pub async fn heartbeat(
        &self,
        metrics: Option<Value>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Map::new();
        match metrics {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) if m.is_empty() => {}
            Some(m @ Value::Object(_)) => {
                args.insert("body".into(), json!({ "metrics": m }));
            }
            Some(_) => return Err(Error::invalid_argument("metrics must be a JSON object")),
        }
        self.call(operations::get(operations::ids::MESH_HEARTBEAT), args, opts)
            .await
    }

    /// One heartbeat carrying the buffered metrics (none when nothing was reported). On failure
    /// (or if this future is dropped) the metrics go back into the buffer.
    pub async fn flush_metrics(&self, opts: &CallOptions) -> Result<Value, Error> {
        let flush = Flush::take(&self.state.metrics);
        let result = self.heartbeat(flush.metrics(), opts).await;
        if result.is_ok() {
            flush.delivered();
        }
        result
    }

    /// Buffer one observation for the next heartbeat. `latency_ms` and `cost_usd` must be finite
    /// and `>= 0`.
    pub fn report_metric(
        &self,
        success: bool,
        latency_ms: Option<f64>,
        cost_usd: Option<f64>,
    ) -> Result<(), Error> {
        self.report(&Metric {
            success,
            latency_ms,
            cost_usd,
        })
    }

    /// [`Mesh::report_metric`] of a [`Metric`] record.
    pub fn report(&self, metric: &Metric) -> Result<(), Error> {
        metric.check()?;
        lock(&self.state.metrics).record(metric.success, metric.latency_ms, metric.cost_usd);
        Ok(())
    }

    /// The metrics the next heartbeat would carry (`None` when nothing is buffered).
    pub fn buffered_metrics(&self) -> Option<Value> {
        lock(&self.state.metrics).to_json()
    }

    /// Start the background heartbeat on the current tokio runtime (see the module docs).
    /// `interval` must be at least 1 ms. Outside a runtime this is an `invalid_argument` error;
    /// the blocking facade runs it on its own runtime.
    pub fn start_heartbeat(
        &self,
        interval: Duration,
        include_metrics: bool,
    ) -> Result<HeartbeatHandle, Error> {
        let rt = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::invalid_argument(
                "start_heartbeat needs a tokio runtime; use the blocking facade",
            )
        })?;
        self.start_heartbeat_on(&rt, interval, include_metrics)
    }

    pub(crate) fn start_heartbeat_on(
        &self,
        rt: &tokio::runtime::Handle,
        interval: Duration,
        include_metrics: bool,
    ) -> Result<HeartbeatHandle, Error> {
        if interval < Duration::from_millis(1) {
            return Err(Error::invalid_argument(format!(
                "heartbeat interval must be at least 1 ms, got {interval:?}"
            )));
        }
        let mut slot = lock(&self.state.heartbeat);
        if let Some(task) = slot.upgrade() {
            let handle = HeartbeatHandle { task };
            if handle.is_running() && !*handle.task.stop.borrow() {
                return Ok(handle);
            }
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let (done_tx, done_rx) = watch::channel(());
        let task = Arc::new(HeartbeatTask {
            stop: stop_tx,
            done: done_rx,
        });
        *slot = Arc::downgrade(&task);
        drop(slot);
        rt.spawn(heartbeat_loop(
            self.clone(),
            interval,
            include_metrics,
            stop_rx,
            done_tx,
        ));
        Ok(HeartbeatHandle { task })
    }

    /// Whether a background heartbeat is running.
    pub fn heartbeat_running(&self) -> bool {
        let slot = lock(&self.state.heartbeat);
        slot.upgrade()
            .is_some_and(|task| HeartbeatHandle { task }.is_running())
    }

    /// Stop the background heartbeat, if any, and wait until it has exited (a heartbeat in
    /// flight finishes first).
    pub async fn stop_heartbeat(&self) {
        let task = {
            let mut slot = lock(&self.state.heartbeat);
            std::mem::take(&mut *slot).upgrade()
        };
        if let Some(task) = task {
            let handle = HeartbeatHandle { task };
            handle.stop();
            handle.stopped().await;
        }
    }

    /// `GET /v1/mesh/agents?limit=&health=` (limit default 100, at most 1000) →
    /// `{ok, agents, summary}`.
    pub async fn list_agents(
        &self,
        limit: Option<u32>,
        health: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Map::new();
        args.insert(
            "limit".into(),
            json!(check_limit(limit, DEFAULT_AGENTS_LIMIT)?),
        );
        put_opt(&mut args, "health", health)?;
        self.call(
            operations::get(operations::ids::MESH_AGENTS_LIST),
            args,
            opts,
        )
        .await
    }

    /// `GET /v1/mesh/agents/{address_id}`.
    pub async fn get_agent(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        self.call(
            operations::get(operations::ids::MESH_AGENTS_GET),
            address_args(address_id)?,
            opts,
        )
        .await
    }

    /// `POST /v1/mesh/agents/{address_id}/kill`: block every intent to and from the agent.
    /// Never retried.
    pub async fn kill(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        self.call(
            operations::get(operations::ids::MESH_AGENTS_KILL),
            address_args(address_id)?,
            opts,
        )
        .await
    }

    /// `POST /v1/mesh/agents/{address_id}/resume`: lift a kill. Never retried.
    pub async fn resume(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        self.call(
            operations::get(operations::ids::MESH_AGENTS_RESUME),
            address_args(address_id)?,
            opts,
        )
        .await
    }

    /// `GET /v1/mesh/events?limit=&event_type=` (limit default 50, at most 1000).
    pub async fn list_events(
        &self,
        limit: Option<u32>,
        event_type: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Map::new();
        args.insert(
            "limit".into(),
            json!(check_limit(limit, DEFAULT_EVENTS_LIMIT)?),
        );
        put_opt(&mut args, "event_type", event_type)?;
        self.call(
            operations::get(operations::ids::MESH_EVENTS_LIST),
            args,
            opts,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn mesh() -> Mesh {
        let t = Transport::new(crate::ClientConfig {
            api_key: Some("k".into()),
            base_url: Some("http://127.0.0.1:9".into()),
            ..crate::ClientConfig::default()
        })
        .unwrap();
        Mesh::new(t, Arc::default())
    }

    #[test]
    fn buffer_counts_averages_and_sums() {
        let mut b = MetricsBuffer::default();
        assert!(b.is_empty());
        assert_eq!(b.to_json(), None);
        b.record(true, Some(100.0), Some(0.25));
        b.record(false, None, None);
        b.record(true, Some(50.0), Some(0.5));
        b.record(true, Some(30.0), None);
        assert_eq!(
            b.to_json().unwrap(),
            json!({
                "intents_total": 4, "intents_succeeded": 3, "intents_failed": 1,
                "avg_latency_ms": 60.0, "cost_usd": 0.75
            })
        );
        let mut only_counts = MetricsBuffer::default();
        only_counts.record(false, None, None);
        assert_eq!(
            only_counts.to_json().unwrap(),
            json!({"intents_total": 1, "intents_succeeded": 0, "intents_failed": 1})
        );
    }

    #[test]
    fn merging_keeps_the_average_weighted() {
        let mut a = MetricsBuffer::default();
        a.record(true, Some(10.0), Some(1.0));
        let mut b = MetricsBuffer::default();
        b.record(true, Some(20.0), None);
        b.record(true, Some(30.0), Some(2.0));
        a.merge(&b);
        let j = a.to_json().unwrap();
        assert_eq!(j["intents_total"], 3);
        assert_eq!(j["avg_latency_ms"], 20.0);
        assert_eq!(j["cost_usd"], 3.0);
        let mut whole = MetricsBuffer::default();
        whole.record(true, Some(10.0), Some(1.0));
        whole.record(true, Some(20.0), None);
        whole.record(true, Some(30.0), Some(2.0));
        assert_eq!(a, whole);
    }

    #[test]
    fn flush_restores_unless_delivered() {
        let mesh = mesh();
        mesh.report_metric(true, Some(40.0), None).unwrap();
        let buffer = &mesh.state.metrics;
        {
            let f = Flush::take(buffer);
            assert_eq!(f.metrics().unwrap()["intents_total"], 1);
            assert_eq!(mesh.buffered_metrics(), None, "taken out while in flight");
            mesh.report_metric(false, Some(20.0), Some(0.1)).unwrap();
            // dropped without delivery: put back and merged
        }
        let j = mesh.buffered_metrics().unwrap();
        assert_eq!(j["intents_total"], 2);
        assert_eq!(j["intents_failed"], 1);
        assert_eq!(j["avg_latency_ms"], 30.0);
        Flush::take(buffer).delivered();
        assert_eq!(mesh.buffered_metrics(), None);
        // Every view of a client (and every clone) shares the buffer.
        mesh.clone().report_metric(true, None, None).unwrap();
        assert_eq!(mesh.buffered_metrics().unwrap()["intents_total"], 1);
    }

    #[test]
    fn bad_arguments_fail_before_any_request() {
        let mesh = mesh();
        for (lat, cost) in [
            (Some(-1.0), None),
            (Some(f64::NAN), None),
            (None, Some(f64::INFINITY)),
        ] {
            let e = mesh.report_metric(true, lat, cost).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
        assert_eq!(mesh.buffered_metrics(), None);
        assert_eq!(
            check_limit(Some(0), 5).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            check_limit(Some(1001), 5).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(check_limit(None, 50).unwrap(), 50);
        let e = mesh
            .start_heartbeat(Duration::from_secs(1), true)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "no runtime here");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let none = CallOptions::default();
            let e = mesh.get_agent(" ", &none).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            let e = mesh.heartbeat(Some(json!([1])), &none).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            let e = mesh.list_events(None, Some(""), &none).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            let e = mesh.start_heartbeat(Duration::ZERO, true).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        });
    }
}
