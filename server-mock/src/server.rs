//! Starting and stopping a server: the data-dir lock, the store, the dev credential, the listener, the
//! accept loop (hyper, so a fault can close a connection without answering) and graceful shutdown.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::conn::{self, AcceptBackoff, Admit, Busy, ConnIo, Connections, Timeouts};
use crate::domain::agents::AgentsSettings;
use crate::faults::{Faults, ResetConnection};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::state::{AppState, Settings};
use crate::store::sqlite::{self, credentials, SqliteStore};
use crate::store::Store;

/// How a server is started.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub listen: String,
    /// Serve the fault-injection control API and apply its rules.
    pub faults: bool,
    /// Most writes per committed transaction (1 disables group commit).
    pub max_batch: usize,
    /// How long idempotency records are kept.
    pub idempotency_ttl: Duration,
    /// Interval of stream heartbeats.
    pub heartbeat: Duration,
    /// How long shutdown waits for open connections.
    pub shutdown_grace: Duration,
    /// Agents, delivery bindings and the mesh (callback allowlist, retry schedule, health).
    pub agents: AgentsSettings,
    /// How long one second of a reminder, escalation or workflow-step schedule lasts: 1 s, except
    /// in tests that compress schedules. Recorded in the data dir when the server starts.
    pub timer_unit: Duration,
    /// Browser origins allowed on `/mcp` besides loopback ones.
    pub mcp_allowed_origins: Vec<String>,
    /// `tools/call`s allowed a minute per (organisation, owner, tool); 0 = no limit.
    pub mcp_calls_per_minute: u32,
    /// Most connections open at once; never more than the open-files limit leaves room for.
    pub max_connections: Option<usize>,
    /// Longest wait for the rest of a request head once it started, and between two pieces of a
    /// request body (then 408).
    pub read_timeout: Duration,
    /// Longest wait for a request on an open connection before it is closed.
    pub idle_timeout: Duration,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            listen: "127.0.0.1:8100".into(),
            faults: false,
            max_batch: sqlite::DEFAULT_MAX_BATCH,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            heartbeat: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
            agents: AgentsSettings::default(),
            timer_unit: Duration::from_secs(1),
            mcp_allowed_origins: Vec::new(),
            mcp_calls_per_minute: crate::state::DEFAULT_MCP_CALLS_PER_MINUTE,
            max_connections: None,
            read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
        }
    }
}

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    /// The dev API key when this start created it (first start on an empty data dir).
    pub new_dev_api_key: Option<String>,
    pub data_dir: PathBuf,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The dev API key of the data dir (`DIR/dev-api-key`).
    pub fn dev_api_key(&self) -> anyhow::Result<String> {
        Ok(std::fs::read_to_string(self.data_dir.join("dev-api-key"))?
            .trim()
            .to_string())
    }

    /// A handle that stops the server when cancelled (signals, tests).
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Stops gracefully and waits until everything is flushed and the data dir is released.
    pub async fn shutdown(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    /// Waits until the server stops (after its stop token is cancelled).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Holds the data dir for one server: the lock is released when the file closes, even on `kill -9`.
fn lock_data_dir(dir: &Path) -> anyhow::Result<File> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data dir {}", dir.display()))?;
    let path = dir.join("axme-server.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "data dir {} is in use by another axme-server (lock held on {}); stop it or choose another --data-dir",
            dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => Err(err).context("cannot lock the data dir"),
    }
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Starts a server; returns once it is listening and ready.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let open_files = crate::conn::raise_open_files_limit();
    let lock = lock_data_dir(&config.data_dir)?;
    let new_dev_key = {
        let conn = sqlite::open_admin(&config.data_dir)?;
        sqlite::humans::set_timer_unit(&conn, config.timer_unit.as_micros() as i64)?;
        credentials::bootstrap_dev(&conn)?
    };
    if let Some(key) = &new_dev_key {
        write_private(
            &config.data_dir.join("dev-api-key"),
            &format!("{}\n", key.api_key),
        )?;
    }
    let hub = Hub::new();
    let metrics = Arc::new(Metrics::default());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        &config.data_dir,
        config.max_batch,
        hub.clone(),
        metrics.clone(),
    )?);
    let settings = Settings {
        heartbeat: config.heartbeat,
        agents: config.agents.clone(),
        data_dir: config.data_dir.clone(),
        mcp_allowed_origins: config.mcp_allowed_origins.clone(),
        mcp_calls_per_minute: config.mcp_calls_per_minute,
        read_timeout: config.read_timeout,
        ..Settings::default()
    };
    let faults = config
        .faults
        .then(|| Arc::new(Faults::new(settings.started)));
    let state = AppState {
        store: store.clone(),
        hub: hub.clone(),
        metrics,
        faults,
        settings: Arc::new(settings),
    };
    // Expired idempotency keys are gone before the first request is served.
    crate::timers::purge_expired_keys(store.as_ref(), config.idempotency_ttl).await;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    write_private(
        &config.data_dir.join("server-addr"),
        &format!("http://{addr}\n"),
    )?;
    let stop = CancellationToken::new();
    tokio::spawn(crate::timers::deadlines(store.clone(), hub.clone()));
    tokio::spawn(crate::timers::deliveries(
        store.clone(),
        hub.clone(),
        config.agents.clone(),
    ));
    tokio::spawn(crate::timers::human_timers(store.clone(), hub.clone()));
    tokio::spawn(crate::timers::purge_idempotency(
        store.clone(),
        hub.clone(),
        config.idempotency_ttl,
        Duration::from_secs(600),
    ));
    tokio::spawn(crate::timers::purge_uploads(
        store.clone(),
        hub.clone(),
        config.data_dir.clone(),
        Duration::from_secs(600),
    ));
    tokio::spawn(crate::api::webhook_retries(state.clone()));
    let app = crate::api::router(state);
    let connections = Connections::new(conn::connection_cap(open_files, config.max_connections));
    tracing::info!(
        open_files_limit = open_files,
        max_connections = connections.cap(),
        "accepting connections"
    );
    let task = tokio::spawn(serve(
        listener,
        connections,
        app,
        stop.clone(),
        hub,
        store,
        config.clone(),
        lock,
    ));
    Ok(RunningServer {
        addr,
        new_dev_api_key: new_dev_key.map(|k| k.api_key),
        data_dir: config.data_dir,
        stop,
        task,
    })
}

#[allow(clippy::too_many_arguments)] // reason: one call site, each value moved in once
async fn serve(
    listener: TcpListener,
    connections: Arc<Connections>,
    app: axum::Router,
    stop: CancellationToken,
    hub: Arc<Hub>,
    store: Arc<dyn Store>,
    config: ServerConfig,
    lock: File,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(hyper_util::rt::TokioTimer::new());
    // Head timeouts are ConnIo's (it answers 408); hyper's own would close without a word.
    builder.header_read_timeout(None);
    let timeouts = Timeouts {
        read: config.read_timeout,
        idle: config.idle_timeout,
    };
    let mut backoff = AcceptBackoff::new();
    loop {
        let (socket, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => {
                    backoff.succeeded();
                    pair
                }
                Err(err) => {
                    // Out of descriptors, mostly: retrying at once would spin a core and flood the log.
                    let (pause, log) = backoff.failed(std::time::Instant::now());
                    if let Some(unlogged) = log {
                        tracing::warn!(error = %err, failures_since_last_log = unlogged, open_connections = connections.len(), "accept failed; pausing before the next try");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => continue,
                        _ = stop.cancelled() => break,
                    }
                }
            },
            _ = stop.cancelled() => break,
        };
        let registration = match connections.admit() {
            Admit::Serve(registration) => registration,
            Admit::Refuse => {
                conn::refuse(&socket);
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let app = app.clone();
        let state = registration.state.clone();
        let registry = connections.clone();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                // Busy from the parsed head until the response body is dropped.
                let busy = Busy::new(&state, &registry);
                async move {
                    let response = app
                        .oneshot(req.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|never| match never {});
                    if response.extensions().get::<ResetConnection>().is_some() {
                        // Returning an error makes hyper drop the connection without a response.
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "fault: connection reset",
                        ));
                    }
                    Ok(response.map(|body| axum::body::Body::new(BusyBody { body, _busy: busy })))
                }
            });
        let io = ConnIo::new(socket, registration.state.clone(), timeouts);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(registration);
        });
    }
    drop(listener);
    tracing::info!("shutting down: ending stream windows and draining connections");
    hub.shutdown.cancel();
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period; closing them");
    }
    store.close().await;
    let _ = std::fs::remove_file(config.data_dir.join("server-addr"));
    drop(lock);
    tracing::info!("stopped");
}

/// A response body that keeps its connection marked busy until it is dropped.
struct BusyBody {
    body: axum::body::Body,
    _busy: Busy,
}

impl hyper::body::Body for BusyBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}
