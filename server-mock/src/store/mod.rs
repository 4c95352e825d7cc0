//! Durable storage behind one trait, so the embedded SQLite store can be joined by PostgreSQL.
//!
//! Writes are typed operations ([`WriteOp`]) executed by the store inside a transaction together with
//! their idempotency record, so a crash can never keep the effect of a write but lose its key (or the
//! reverse). The store acknowledges a write only after it is durable.

pub mod admin;
pub mod agents;
pub mod humans;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::domain::invites::InvitesOp;
use crate::domain::media::MediaOp;
use crate::domain::schemas::SchemasOp;
use crate::domain::status::Status;
use crate::domain::users::UsersOp;
use crate::domain::validate::{NewIntent, PolicyChange, Resolution, Resumption};
use crate::domain::webhooks::WebhooksOp;
use crate::error::ApiError;
use humans::{ActorLookup, InboxOp, ScenariosOp, TasksOp};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who a request acts for: an API key of a service account inside one organisation and workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub key_id: String,
    pub org_id: String,
    pub org_name: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub service_account_id: String,
    pub account_name: String,
}

impl Principal {
    /// The address a service account sends from when the body names none.
    pub fn default_from_agent(&self) -> String {
        format!(
            "agent://{}/{}/{}",
            self.org_name, self.workspace_name, self.account_name
        )
    }
}

/// What looking up an API key digest found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLookup {
    Active(Principal),
    Revoked,
    Unknown,
}

/// A change to one intent.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Resolve(Resolution),
    Resume {
        resumption: Resumption,
        owner: Option<String>,
    },
    /// The agent took the intent: a listen stream handed it over (`via` "listen"), its callback
    /// answered 2xx ("http"), or the server handles it itself ("internal").
    Acknowledge {
        by: String,
        via: String,
    },
    /// `deadline_at` passed.
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyTarget {
    Controls,
    Policy,
}

/// A durable write.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    CreateIntent {
        principal: Principal,
        intent: NewIntent,
    },
    Transition {
        org_id: String,
        intent_id: String,
        change: Change,
    },
    UpdatePolicy {
        org_id: String,
        intent_id: String,
        target: PolicyTarget,
        change: PolicyChange,
    },
    /// A fresh organisation, workspace, service account and key (fault-injection credentials).
    CreateCredential {
        label: String,
    },
    /// Drop idempotency records created before this time.
    PurgeIdempotency {
        before_us: i64,
    },
    /// The agent registry, delivery outbox and mesh.
    Agents(agents::AgentsOp),
    /// Organisations, workspaces, service accounts and keys.
    Admin(admin::AdminOp),
    /// Human tasks: answers, reminders, escalations.
    Tasks(TasksOp),
    /// Owner inboxes and approvals.
    Inbox(InboxOp),
    /// Scenario bundles.
    Scenarios(ScenariosOp),
    Invites(InvitesOp),
    Media(MediaOp),
    Schemas(SchemasOp),
    Users(UsersOp),
    Webhooks(WebhooksOp),
}

/// The idempotency record a write is checked against and stored with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    /// Credential, method and concrete path: keys are only compared inside one scope.
    pub scope: String,
    pub key: String,
    /// Digest of the canonical request body.
    pub fingerprint: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WriteRequest {
    pub op: WriteOp,
    pub idempotency: Option<Idempotency>,
}

/// A committed write: the response to send, and whether it is a replay of an earlier one.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

/// A page of intents, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentPage {
    pub intents: Vec<Value>,
    pub next_cursor: Option<String>,
}

/// One item of an agent's delivery queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub cursor: i64,
    pub intent: Value,
}

/// How a user is looked up: by normalised nick or by address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserKey {
    Nick(String),
    Owner(String),
}

/// A webhook delivery still to attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingDelivery {
    pub delivery_id: String,
    pub callback_url: String,
    pub secret: String,
    pub attempts: i64,
    /// When the retry timer may attempt it (µs since the epoch).
    pub next_attempt_us: i64,
}

/// Deliveries of one webhook event by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub delivered: i64,
    pub pending: i64,
    pub dead_lettered: i64,
}

/// A webhook event, its deliveries still to attempt and the counts by state.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookDeliveries {
    pub event: Value,
    pub pending: Vec<PendingDelivery>,
    pub counts: DeliveryCounts,
}

/// The storage interface the HTTP layer and the timers use.
pub trait Store: Send + Sync + 'static {
    /// Executes a write durably (group-committed) and returns its response.
    fn write(&self, request: WriteRequest) -> BoxFuture<'_, Result<Written, ApiError>>;
    fn lookup_key(&self, digest: String) -> BoxFuture<'_, Result<KeyLookup, ApiError>>;
    fn get_intent(
        &self,
        org_id: String,
        intent_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    /// Uploads that expired unfinalized but still hold content, at most `limit`.
    fn expired_uploads_with_content(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<String>, ApiError>>;
    /// [`Store::get_intent`] as the stored JSON text, for answering without decoding it.
    fn get_intent_text(
        &self,
        org_id: String,
        intent_id: String,
    ) -> BoxFuture<'_, Result<Option<String>, ApiError>>;
    fn list_intents(
        &self,
        org_id: String,
        statuses: Vec<Status>,
        limit: usize,
        cursor: Option<i64>,
    ) -> BoxFuture<'_, Result<IntentPage, ApiError>>;
    /// Events with `seq > since`, or `None` when the intent is not visible to the organisation.
    fn list_events(
        &self,
        org_id: String,
        intent_id: String,
        since: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Option<Vec<Value>>, ApiError>>;
    /// An agent's queue items with `cursor > since` whose intent status is in `statuses`.
    fn deliveries(
        &self,
        org_id: String,
        agent: String,
        since: i64,
        statuses: Vec<Status>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Delivery>, ApiError>>;
    /// Open intents whose deadline is at or before `now_us`: `(org_id, intent_id)`.
    fn due_deadlines(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(String, String)>, ApiError>>;
    /// The earliest deadline of an open intent.
    fn next_deadline(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>>;
    /// Reads of the agents family (registry, outbox, mesh).
    fn agents_read(&self, read: agents::AgentsRead) -> BoxFuture<'_, Result<Value, ApiError>>;
    /// Reads of administration data.
    fn admin_read(&self, read: admin::AdminRead) -> BoxFuture<'_, Result<Value, ApiError>>;
    fn lookup_actor(&self, digest: String) -> BoxFuture<'_, Result<ActorLookup, ApiError>>;
    /// Human tasks assigned to any of `keys`, in the given task states, newest first.
    fn my_tasks(
        &self,
        org_id: String,
        keys: Vec<String>,
        states: Vec<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>>;
    /// Threads `owner` sees, most recently changed first (stored form, not yet a view).
    fn inbox_threads(
        &self,
        org_id: String,
        owner: String,
        status: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>>;
    /// Threads `owner` sees that changed after `after`: `(change position, thread)`, oldest first.
    fn inbox_changes(
        &self,
        org_id: String,
        owner: String,
        after: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(i64, Value)>, ApiError>>;
    fn inbox_thread(
        &self,
        org_id: String,
        thread_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    /// Reminders and escalations due at or before `now_us` (timer ids).
    fn due_timers(&self, now_us: i64, limit: usize) -> BoxFuture<'_, Result<Vec<i64>, ApiError>>;
    /// When the next reminder or escalation falls due.
    fn next_timer(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>>;
    /// An invite by its token (any organisation: the token is the capability).
    fn get_invite(&self, token: String) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    fn get_media(
        &self,
        org_id: String,
        upload_id: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    fn get_schema(
        &self,
        org_id: String,
        semantic_type: String,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    fn find_user(
        &self,
        org_id: String,
        key: UserKey,
    ) -> BoxFuture<'_, Result<Option<Value>, ApiError>>;
    /// Subscriptions of an organisation, of one owner (plus the organisation-wide ones) when given.
    fn list_webhook_subscriptions(
        &self,
        org_id: String,
        owner_agent: Option<String>,
        include_inactive: bool,
    ) -> BoxFuture<'_, Result<Vec<Value>, ApiError>>;
    fn webhook_deliveries(
        &self,
        org_id: String,
        event_id: String,
    ) -> BoxFuture<'_, Result<Option<WebhookDeliveries>, ApiError>>;
    /// `(org_id, event_id)` of events with a webhook delivery due at `now_us` (at most `limit`).
    fn due_webhook_events(
        &self,
        now_us: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<(String, String)>, ApiError>>;
    /// When the next pending webhook delivery falls due.
    fn next_webhook_retry(&self) -> BoxFuture<'_, Result<Option<i64>, ApiError>>;
    /// Finishes the writes already accepted and stops the writer.
    fn close(&self) -> BoxFuture<'_, ()>;
}
