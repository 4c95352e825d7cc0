//! The single writer and its group commit. Requests queue on a channel; the writer takes every request
//! waiting (up to a batch limit), runs each inside its own savepoint of one transaction, commits once
//! (one fsync for the whole batch), and only then answers each request and wakes the streams. With a
//! batch limit of 1 it is the classic one-transaction-per-request store, kept for the benchmark.

use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::{
    admin, agents, credentials, inbox, intents, invites, media, scenarios, schemas, task_timers,
    tasks, users, webhooks,
};
use crate::domain::clock;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::humans::{ScenariosOp, TasksOp};
use crate::store::{Idempotency, WriteOp, WriteRequest, Written};

pub(super) struct Job {
    pub request: WriteRequest,
    pub reply: oneshot::Sender<Result<Written, ApiError>>,
}

pub(super) enum Message {
    Write(Box<Job>),
    /// Finish what is queued, then stop.
    Stop,
}

/// Runs the writer loop on the current (dedicated) thread until stopped or every sender is gone.
pub(super) fn run(
    mut conn: Connection,
    mut queue: mpsc::Receiver<Message>,
    max_batch: usize,
    hub: Arc<Hub>,
    metrics: Arc<Metrics>,
) {
    let mut stopping = false;
    while !stopping {
        let Some(first) = queue.blocking_recv() else {
            break;
        };
        let mut batch = Vec::new();
        match first {
            Message::Write(job) => batch.push(*job),
            Message::Stop => stopping = true,
        }
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(Message::Write(job)) => batch.push(*job),
                Ok(Message::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        metrics.commit_batch_size.observe(batch.len() as f64);
        commit_batch(&mut conn, batch, &hub);
    }
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(error = %err, "checkpoint at shutdown failed");
    }
    tracing::info!("store writer stopped");
}

/// Commits a batch and answers its requests; returns the path it took (tests look at it).
fn commit_batch(conn: &mut Connection, batch: Vec<Job>, hub: &Hub) -> Isolation {
    // Fast path: the whole batch in one transaction without a savepoint per request. A request that
    // fails without having changed a row needs no undo, so the batch goes on; only one that fails
    // after changing rows sends the batch down the isolated path, where every request has its own
    // savepoint. A savepoint copies every page it touches that an earlier request already dirtied
    // into its statement journal, which was a sixth of the writer's time (BENCHMARKS.md).
    let mut isolation = Isolation::Shared;
    let attempt = match run_batch(conn, &batch, isolation) {
        Ok(Some(outcomes)) => Ok(outcomes),
        Ok(None) => {
            isolation = Isolation::SavepointEach;
            run_batch(conn, &batch, isolation)
                .map(|outcomes| outcomes.expect("the isolated path always completes"))
        }
        Err(err) => Err(err),
    };
    let outcomes = match attempt {
        Ok(outcomes) => outcomes,
        Err(err) => {
            tracing::error!(error = %err, batch = batch.len(), "commit failed; the whole batch is refused");
            for job in batch {
                let _ = job.reply.send(Err(ApiError::new(
                    503,
                    "unavailable",
                    "the store could not commit this write; it was not applied, retry it",
                )));
            }
            return isolation;
        }
    };
    for (job, outcome) in batch.into_iter().zip(outcomes) {
        let reply = outcome.map(|(written, effects)| {
            for (topic, position) in &effects.topics {
                hub.notify(topic, *position);
            }
            if effects.deadline_added {
                hub.deadlines.notify_one();
            }
            written
        });
        // The requester may have gone away; the write is durable either way.
        let _ = job.reply.send(reply);
    }
    isolation
}

type Outcome = Result<(Written, intents::Effects), ApiError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isolation {
    /// Every request straight in the batch's transaction.
    Shared,
    /// Every request in its own savepoint, rolled back alone when it fails.
    SavepointEach,
}

/// Runs a batch in one transaction and commits it. `Ok(None)`: a request failed after changing rows
/// under [`Isolation::Shared`], so nothing was committed and the batch must run isolated.
fn run_batch(
    conn: &mut Connection,
    batch: &[Job],
    isolation: Isolation,
) -> rusqlite::Result<Option<Vec<Outcome>>> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in batch {
        let outcome = match isolation {
            Isolation::Shared => {
                let before = tx.total_changes();
                let outcome = execute(&tx, &job.request);
                // Statements that fail are undone by SQLite itself and add nothing to the count.
                if outcome.is_err() && tx.total_changes() != before {
                    return Ok(None); // dropping `tx` rolls the whole batch back
                }
                outcome
            }
            Isolation::SavepointEach => {
                let mut savepoint = tx.savepoint()?;
                let outcome = execute(&savepoint, &job.request);
                match &outcome {
                    Ok(_) => savepoint.commit()?,
                    Err(_) => savepoint.rollback()?,
                }
                outcome
            }
        };
        outcomes.push(outcome);
    }
    tx.commit()?;
    Ok(Some(outcomes))
}

/// Runs one request: replays or refuses a reused idempotency key, else performs the operation and
/// stores the key with its response in the same transaction.
fn execute(
    conn: &Connection,
    request: &WriteRequest,
) -> Result<(Written, intents::Effects), ApiError> {
    if let Some(idem) = &request.idempotency {
        if let Some(previous) = replay(conn, idem)? {
            return Ok((previous, intents::Effects::default()));
        }
    }
    let (body, effects) = perform(conn, &request.op)?;
    if let Some(idem) = &request.idempotency {
        conn.prepare_cached(
            "INSERT INTO idempotency (scope, key, fingerprint, status, body, created_us) VALUES (?1, ?2, ?3, 200, ?4, ?5)",
        )?
        .execute(params![idem.scope, idem.key, idem.fingerprint, replay_copy(&body).to_string(), clock::now_us()])?;
    }
    Ok((
        Written {
            status: 200,
            body,
            replayed: false,
        },
        effects,
    ))
}

/// What a replay answers: the response without the secrets that are shown once (a new API key, a
/// binding's secret), so they are never kept in the idempotency table.
fn replay_copy(body: &Value) -> Value {
    let mut copy = body.clone();
    if let Some(map) = copy.as_object_mut() {
        for field in ["api_key", "secret"] {
            if map.contains_key(field) {
                map.insert(field.into(), Value::Null);
            }
        }
    }
    copy
}

fn replay(conn: &Connection, idem: &Idempotency) -> Result<Option<Written>, ApiError> {
    let found: Option<(String, u16, String)> = conn
        .prepare_cached(
            "SELECT fingerprint, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
        )?
        .query_row(params![idem.scope, idem.key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match found {
        None => Ok(None),
        Some((fingerprint, _, _)) if fingerprint != idem.fingerprint => Err(ApiError::conflict(
            "idempotency_key_reused",
            "idempotency key reused with different payload: a key names one request; send a new key for a different body",
        )),
        Some((_, status, body)) => Ok(Some(Written {
            status,
            body: serde_json::from_str(&body).unwrap_or(Value::Null),
            replayed: true,
        })),
    }
}

fn perform(conn: &Connection, op: &WriteOp) -> Result<(Value, intents::Effects), ApiError> {
    match op {
        WriteOp::CreateIntent { principal, intent } => {
            let (body, effects) = intents::create(conn, principal, intent)?;
            tasks::after_create(conn, principal, intent, body, effects)
        }
        WriteOp::Transition {
            org_id,
            intent_id,
            change,
        } => intents::transition(conn, org_id, intent_id, change),
        WriteOp::UpdatePolicy {
            org_id,
            intent_id,
            target,
            change,
        } => intents::update_policy(conn, org_id, intent_id, *target, change),
        WriteOp::CreateCredential { label } => {
            let key = credentials::create_isolated_credential(conn, label)
                .map_err(|e| ApiError::internal(format!("could not create a credential: {e}")))?;
            let body = serde_json::json!({
                "credential_id": key.service_account_id,
                "api_key": key.api_key,
                "key_id": key.key_id,
                "org_id": key.org_id,
                "workspace_id": key.workspace_id,
            });
            Ok((body, intents::Effects::default()))
        }
        WriteOp::Agents(op) => agents::perform(conn, op),
        WriteOp::Admin(op) => admin::perform(conn, op),
        WriteOp::Tasks(TasksOp::Submit {
            org_id,
            intent_id,
            answer,
            actor,
            by,
        }) => tasks::submit(conn, org_id, intent_id, answer, actor.as_deref(), by),
        WriteOp::Tasks(TasksOp::FireTimer { timer_id }) => task_timers::fire(conn, *timer_id),
        WriteOp::Inbox(op) => inbox::perform(conn, op),
        WriteOp::Scenarios(ScenariosOp::Apply {
            principal,
            plan,
            fingerprint,
        }) => scenarios::apply(conn, principal, plan, fingerprint),
        WriteOp::Invites(op) => invites::perform(conn, op),
        WriteOp::Media(op) => media::perform(conn, op),
        WriteOp::Schemas(op) => schemas::perform(conn, op),
        WriteOp::Users(op) => users::perform(conn, op),
        WriteOp::Webhooks(op) => webhooks::perform(conn, op),
        WriteOp::PurgeIdempotency { before_us } => {
            let purged =
                conn.execute("DELETE FROM idempotency WHERE created_us < ?1", [before_us])?;
            Ok((
                serde_json::json!({"purged": purged}),
                intents::Effects::default(),
            ))
        }
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
