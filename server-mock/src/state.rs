//! What every handler shares.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::domain::agents::AgentsSettings;
use crate::faults::Faults;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::Store;

/// The documented `tools/call` limit a minute per (owner, tool) (wire facts §1.8).
pub const DEFAULT_MCP_CALLS_PER_MINUTE: u32 = 120;

/// Tunables of the HTTP layer.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Interval of `: keep-alive` comments on open streams (at most 15 s, wire facts §7).
    pub heartbeat: Duration,
    /// When the process started, for the monotonic times of the fault request log.
    pub started: Instant,
    /// Callback allowlist, delivery retry schedule and mesh health thresholds.
    pub agents: AgentsSettings,
    /// The data dir (media files live under `media/`).
    pub data_dir: PathBuf,
    /// Browser origins allowed on `/mcp` besides loopback ones (DNS-rebinding protection).
    pub mcp_allowed_origins: Vec<String>,
    /// `tools/call`s allowed a minute per (organisation, owner, tool); 0 = no limit.
    pub mcp_calls_per_minute: u32,
    /// Longest pause between two pieces of a request body (then 408).
    pub read_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heartbeat: Duration::from_secs(15),
            started: Instant::now(),
            agents: AgentsSettings::default(),
            data_dir: PathBuf::from("axme-data"),
            mcp_allowed_origins: Vec::new(),
            mcp_calls_per_minute: DEFAULT_MCP_CALLS_PER_MINUTE,
            read_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    /// Present only when the server runs with `--faults`.
    pub faults: Option<Arc<Faults>>,
    pub settings: Arc<Settings>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("faults", &self.faults.is_some())
            .finish()
    }
}
