//! The embedded SQLite store: WAL with `synchronous=FULL`, one writer thread doing group commit, and a
//! pool of reader connections: point reads run on the calling task, longer ones in Tokio's blocking pool.

mod admin;
mod agent_reads;
mod agents;
mod approvals;
mod checkpointer;
pub mod credentials;
mod hooks;
mod human_reads;
pub mod humans;
pub mod inbox;
mod intent_ops;
mod intents;
mod invites;
mod media;
mod mesh;
mod mesh_reads;
mod outbox;
mod reads;
mod scenarios;
pub mod schema;
mod schemas;
mod task_timers;
mod tasks;
mod users;
mod webhooks;
mod workflow;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::humans::ActorLookup;
use super::{
    BoxFuture, Delivery, IntentPage, KeyLookup, Store, UserKey, WebhookDeliveries, WriteRequest,
    Written,
};
use crate::domain::status::Status;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::metrics::Metrics;

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "axme.sqlite3";

/// How many requests one transaction may carry by default.
pub const DEFAULT_MAX_BATCH: usize = 512;

pub struct SqliteStore {
    path: PathBuf,
    queue: mpsc::Sender<writer::Message>,
    readers: Arc<Mutex<Vec<Connection>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    checkpointer: Mutex<Option<checkpointer::Checkpointer>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

/// Opens (creating and migrating if needed) the database of a data dir for the admin CLI.
pub fn open_admin(data_dir: &Path) -> anyhow::Result<Connection> {
    std::fs::create_dir_all(data_dir)?;
    let mut conn = schema::open(&data_dir.join(DB_FILE))?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens the store of a data dir and starts its writer thread.
    pub fn open(
        data_dir: &Path,
        max_batch: usize,
        hub: Arc<Hub>,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<SqliteStore> {
        let conn = open_admin(data_dir)?;
        // Each write of a batch runs in its own savepoint, whose statement journal otherwise spills
        // to a temporary file past 64 KiB: page writes that are never read and need no durability.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Checkpoints run on their own thread (checkpointer.rs), not inside the writer's commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = checkpointer::Checkpointer::start(&data_dir.join(DB_FILE))?;
        let (queue, receiver) = mpsc::channel(8192);
        let max_batch = max_batch.max(1);
        let writer = std::thread::Builder::new()
            .name("axme-store-writer".into())
            .spawn(move || writer::run(conn, receiver, max_batch, hub, metrics))?;
        Ok(SqliteStore {
            path: data_dir.join(DB_FILE),
            queue,
            readers: Arc::new(Mutex::new(Vec::new())),
            writer: Mutex::new(Some(writer)),
            checkpointer: Mutex::new(Some(checkpointer)),
        })
    }

    /// Runs a read on a pooled connection in the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || with_reader(&readers, &path, f))
            .await
            .map_err(|e| ApiError::internal(format!("read task failed: {e}")))?
    }

    /// Runs a point read (one indexed row, a few microseconds) on a pooled connection right on the
    /// calling task. Every request makes one (its credential) and most make two: the hop to the
    /// blocking pool and back cost more than the read itself (two thread wake-ups). In WAL mode a
    /// reader never waits for the writer, so this does not block the runtime on the commit cycle.
    fn read_inline<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T>,
    {
        with_reader(&self.readers, &self.path, f)
    }
}

/// Takes a reader connection from the pool (opening one if none is free), runs `f`, returns it.
fn with_reader<T, F>(readers: &Mutex<Vec<Connection>>, path: &Path, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&Connection) -> rusqlite::Result<T>,
{
    let pooled = readers.lock().expect("reader pool").pop();
    let conn = match pooled {
        Some(conn) => conn,
        None => open_reader(path)?,
    };
    let result = f(&conn);
    let mut pool = readers.lock().expect("reader pool");
    if pool.len() < MAX_IDLE_READERS {
        pool.push(conn);
    }
    result.map_err(ApiError::from)
}

/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 16;

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    schema::stable_plans(&conn)?;
    Ok(conn)
}

impl Store for SqliteStore {
    fn write(&self, request: WriteRequest) -> BoxFuture<'_, Result<Written, ApiError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let job = writer::Job { request, reply };
            if self
                .queue
                .send(writer::Message::Write(Box::new(job)))
                .await
                .is_err()
            {
                return Err(ApiError::new(
                    503,
                    "unavailable",
                    "the server is shutting down; retry against a running server",
                ));
            }
            answer.await.unwrap_or_else(|_| {
                Err(ApiError::new(
                    503,
                    "unavailable",
                    "the store stopped before answering; the write may not be applied",
                ))
            })
        })
    }

    fn lookup_key(&self, digest: String) -> BoxFuture<'_, Result<KeyLookup, ApiError>> {
        let found = self.read_inline(|conn| credentials::lookup(conn, &digest));
        Box::pin(std::future::ready(found))
    }

    fn get_intent(
        &self,
        org_id: String,
        intent_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        let found = self.read_inline(|conn| reads::get_intent(conn, &org_id, &intent_id));
        Box::pin(std::future::ready(found))
    }

    fn expired_uploads_with_content(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<String>, ApiError>> {
        Box::pin(self.read(move |conn| media::expired_with_content(conn, now_us, limit)))
    }

    fn get_intent_text(
        &self,
        org_id: String,
        intent_id: String,
    ) -> BoxFuture<'_, Result<Option<String>, ApiError>> {
        let found = self.read_inline(|conn| reads::get_intent_text(conn, &org_id, &intent_id));
        Box::pin(std::future::ready(found))
    }

    fn list_intents(
        &self,
        org_id: String,
        statuses: Vec<Status>,
        limit: usize,
        cursor: Option<i64>,
    ) -> BoxFuture<'_, Result<IntentPage, ApiError>> {
        Box::pin(
            self.read(move |conn| reads::list_intents(conn, &org_id, &statuses, limit, cursor)),
        )
    }

    fn list_events(
        &self,
        org_id: String,
        intent_id: String,
        since: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Option<Vec<Value>>, ApiError>> {
        Box::pin(self.read(move |conn| reads::list_events(conn, &org_id, &intent_id, since, limit)))
    }

    fn deliveries(
        &self,
        org_id: String,
        agent: String,
        since: i64,
        statuses: Vec<Status>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, ApiError>> {
        Box::pin(
            self.read(move |conn| {
                reads::deliveries(conn, &org_id, &agent, since, &statuses, limit)
            }),
        )
    }

    fn due_deadlines(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(String, String)>, ApiError>> {
        Box::pin(self.read(move |conn| reads::due_deadlines(conn, now_us, limit)))
    }

    fn next_deadline(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>> {
        Box::pin(self.read(reads::next_deadline))
    }

    fn agents_read(
        &self,
        query: crate::store::agents::AgentsRead,
    ) -> BoxFuture<'_, Result<Value, ApiError>> {
        Box::pin(self.read(move |conn| agent_reads::read(conn, &query)))
    }

    fn admin_read(
        &self,
        query: crate::store::admin::AdminRead,
    ) -> BoxFuture<'_, Result<Value, ApiError>> {
        Box::pin(self.read(move |conn| admin::read(conn, &query)))
    }

    fn lookup_actor(&self, digest: String) -> BoxFuture<'_, Result<ActorLookup, ApiError>> {
        let found = self.read_inline(|conn| humans::lookup(conn, &digest));
        Box::pin(std::future::ready(found))
    }

    fn my_tasks(
        &self,
        org_id: String,
        keys: Vec<String>,
        states: Vec<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>> {
        Box::pin(self.read(move |conn| human_reads::my_tasks(conn, &org_id, &keys, &states, limit)))
    }

    fn inbox_threads(
        &self,
        org_id: String,
        owner: String,
        status: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>> {
        Box::pin(self.read(move |conn| {
            human_reads::inbox_threads(conn, &org_id, &owner, status.as_deref(), limit)
        }))
    }

    fn inbox_changes(
        &self,
        org_id: String,
        owner: String,
        after: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(i64, Value)>, ApiError>> {
        Box::pin(
            self.read(move |conn| human_reads::inbox_changes(conn, &org_id, &owner, after, limit)),
        )
    }

    fn inbox_thread(
        &self,
        org_id: String,
        thread_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        Box::pin(self.read(move |conn| human_reads::inbox_thread(conn, &org_id, &thread_id)))
    }

    fn due_timers(&self, now_us: i64, limit: usize) -> BoxFuture<'_, Result<Vec<i64>, ApiError>> {
        Box::pin(self.read(move |conn| task_timers::due(conn, now_us, limit)))
    }

    fn next_timer(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>> {
        Box::pin(self.read(task_timers::next_due))
    }

    fn get_invite(&self, token: String) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        Box::pin(self.read(move |conn| invites::get(conn, &token)))
    }

    fn get_media(
        &self,
        org_id: String,
        upload_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        Box::pin(self.read(move |conn| media::get(conn, &org_id, &upload_id)))
    }

    fn get_schema(
        &self,
        org_id: String,
        semantic_type: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        Box::pin(self.read(move |conn| schemas::get(conn, &org_id, &semantic_type)))
    }

    fn find_user(
        &self,
        org_id: String,
        key: UserKey,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>> {
        Box::pin(self.read(move |conn| users::find(conn, &org_id, &key)))
    }

    fn list_webhook_subscriptions(
        &self,
        org_id: String,
        owner_agent: Option<String>,
        include_inactive: bool,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>> {
        Box::pin(self.read(move |conn| {
            webhooks::list(conn, &org_id, owner_agent.as_deref(), include_inactive)
        }))
    }

    fn webhook_deliveries(
        &self,
        org_id: String,
        event_id: String,
    ) -> BoxFuture<'_, Result<Option<WebhookDeliveries>, ApiError>> {
        Box::pin(self.read(move |conn| webhooks::deliveries(conn, &org_id, &event_id)))
    }

    fn due_webhook_events(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(String, String)>, ApiError>> {
        Box::pin(self.read(move |conn| webhooks::due_events(conn, now_us, limit)))
    }

    fn next_webhook_retry(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>> {
        Box::pin(self.read(webhooks::next_due))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // The checkpointer stops first so that the writer's final TRUNCATE checkpoint runs alone.
            let checkpointer = self.checkpointer.lock().expect("checkpointer").take();
            if let Some(checkpointer) = checkpointer {
                let _ = tokio::task::spawn_blocking(move || checkpointer.stop()).await;
            }
            let _ = self.queue.send(writer::Message::Stop).await;
            let handle = self.writer.lock().expect("writer handle").take();
            if let Some(handle) = handle {
                let _ = tokio::task::spawn_blocking(move || handle.join()).await;
            }
        })
    }
}
