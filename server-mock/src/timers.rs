//! Background work driven by time: deadlines (`deadline_at` → TIMED_OUT), reminders and escalations
//! of human tasks, the delivery outbox (`http` callbacks and their retries, `internal` agents) and the
//! purge of expired idempotency records. All read their schedule from the store, so they survive
//! restarts.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::delivery::{Claimed, Sender};
use crate::domain::agents::AgentsSettings;
use crate::domain::clock;
use crate::hub::Hub;
use crate::store::agents::{AgentsOp, AgentsRead, OUTBOX_TOPIC};
use crate::store::humans::TasksOp;
use crate::store::{Change, Store, WriteOp, WriteRequest};

const DUE_PAGE: usize = 256;

/// Times out open intents whose deadline passed, waking at the next deadline or when one is added.
pub async fn deadlines(store: Arc<dyn Store>, hub: Arc<Hub>) {
    loop {
        let now = clock::now_us();
        let due = match store.due_deadlines(now, DUE_PAGE).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "reading due deadlines failed");
                Vec::new()
            }
        };
        for (org_id, intent_id) in &due {
            let op = WriteOp::Transition {
                org_id: org_id.clone(),
                intent_id: intent_id.clone(),
                change: Change::Timeout,
            };
            if let Err(err) = store
                .write(WriteRequest {
                    op,
                    idempotency: None,
                })
                .await
            {
                tracing::warn!(error = %err, %intent_id, "timing out an intent failed");
            }
        }
        if due.len() == DUE_PAGE {
            continue;
        }
        let next = store.next_deadline().await.ok().flatten();
        let sleep = match next {
            Some(at) => Duration::from_micros((at - clock::now_us()).max(0) as u64),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = hub.deadlines.notified() => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

/// The hub topic writes announce new reminder/escalation timers on (see store/sqlite/task_timers.rs).
pub const TIMERS_TOPIC: &str = "timers";

/// Fires reminders and escalations as they fall due, waking at the next due time or when a write
/// arms a new timer. Each firing is one write that deletes its timer row, so none fires twice.
pub async fn human_timers(store: Arc<dyn Store>, hub: Arc<Hub>) {
    // Subscribed for the whole loop: a timer armed while we read cannot be missed.
    let mut armed = hub.subscribe(TIMERS_TOPIC);
    loop {
        let due = match store.due_timers(clock::now_us(), DUE_PAGE).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "reading due timers failed");
                Vec::new()
            }
        };
        let mut failed = false;
        for timer_id in &due {
            let op = WriteOp::Tasks(TasksOp::FireTimer {
                timer_id: *timer_id,
            });
            if let Err(err) = store
                .write(WriteRequest {
                    op,
                    idempotency: None,
                })
                .await
            {
                tracing::warn!(error = %err, timer_id, "firing a reminder or escalation failed");
                failed = true;
            }
        }
        if due.len() == DUE_PAGE && !failed {
            continue;
        }
        let next = store.next_timer().await.ok().flatten();
        let sleep = match next {
            Some(at) => Duration::from_micros((at - clock::now_us()).max(0) as u64),
            None => Duration::from_secs(3600),
        };
        // After a failed firing (the store refusing writes), retry in a second rather than spin.
        let sleep = if failed {
            sleep.max(Duration::from_secs(1))
        } else {
            sleep
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = armed.changed() => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

/// Deletes idempotency records older than `ttl`.
pub async fn purge_expired_keys(store: &dyn Store, ttl: Duration) {
    let before_us = clock::now_us() - ttl.as_micros() as i64;
    let op = WriteOp::PurgeIdempotency { before_us };
    match store
        .write(WriteRequest {
            op,
            idempotency: None,
        })
        .await
    {
        Ok(written) => {
            tracing::debug!(purged = %written.body["purged"], "purged expired idempotency records")
        }
        Err(err) => tracing::warn!(error = %err, "purging idempotency records failed"),
    }
}

/// Deletes the files of uploads that expired before being finalized (nothing can use them any more:
/// finalize refuses an expired upload) and forgets their content in the store, in batches, up to
/// `now_us`. Files go first: a crash in between leaves a row whose content is forgotten on the next
/// pass, never a file no row accounts for. Returns how many uploads were purged.
pub async fn purge_expired_uploads(
    store: &dyn Store,
    data_dir: &std::path::Path,
    now_us: i64,
) -> Result<usize, crate::error::ApiError> {
    const BATCH: usize = 256;
    let mut purged = 0;
    loop {
        let ids = store.expired_uploads_with_content(now_us, BATCH).await?;
        if ids.is_empty() {
            return Ok(purged);
        }
        for id in &ids {
            match tokio::fs::remove_file(data_dir.join("media").join(id)).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(crate::error::ApiError::internal(format!(
                        "cannot delete the content of expired upload {id}: {e}"
                    )))
                }
            }
        }
        let op = WriteOp::Media(crate::domain::media::MediaOp::ForgetExpired {
            upload_ids: ids.clone(),
            now_us,
        });
        store
            .write(WriteRequest {
                op,
                idempotency: None,
            })
            .await?;
        purged += ids.len();
        if ids.len() < BATCH {
            return Ok(purged);
        }
    }
}

/// Purges expired uploads' content every `every` (and once at start).
pub async fn purge_uploads(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    data_dir: std::path::PathBuf,
    every: Duration,
) {
    loop {
        match purge_expired_uploads(store.as_ref(), &data_dir, clock::now_us()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "deleted the content of expired uploads"),
            Err(err) => tracing::warn!(error = %err, "purging expired uploads failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

/// Purges expired idempotency records every `every` (the server purges once at start itself).
pub async fn purge_idempotency(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    ttl: Duration,
    every: Duration,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = hub.shutdown.cancelled() => return,
        }
        purge_expired_keys(store.as_ref(), ttl).await;
    }
}

/// Most callback POSTs in flight at once.
const MAX_IN_FLIGHT: usize = 32;

async fn write(store: &dyn Store, op: AgentsOp) -> Option<serde_json::Value> {
    match store
        .write(WriteRequest {
            op: WriteOp::Agents(op),
            idempotency: None,
        })
        .await
    {
        Ok(written) => Some(written.body),
        Err(err) => {
            tracing::warn!(error = %err, "outbox write failed");
            None
        }
    }
}

/// Runs the delivery outbox: claims due rows (as many as there are free sending slots), posts the
/// `http` ones concurrently, and sleeps until the next due time or a commit that touches the outbox.
pub async fn deliveries(store: Arc<dyn Store>, hub: Arc<Hub>, settings: AgentsSettings) {
    // Subscribe before the first read, like streams: no new row can slip past the first sleep.
    let mut wake = hub.subscribe(OUTBOX_TOPIC);
    // A previous process may have died mid-delivery: what it had claimed is due again.
    write(store.as_ref(), AgentsOp::ReleaseClaims).await;
    let sender = Arc::new(Sender::new(settings));
    let lease_us = sender.lease().as_micros() as i64;
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    loop {
        let mut until = None;
        let free = slots.available_permits();
        if free > 0 {
            match store
                .agents_read(AgentsRead::NextDue)
                .await
                .map(|v| v.as_i64())
            {
                Ok(Some(at)) if at <= clock::now_us() => {
                    let op = AgentsOp::ClaimDeliveries {
                        limit: free,
                        lease_us,
                    };
                    if let Some(body) = write(store.as_ref(), op).await {
                        for item in body["claimed"].as_array().into_iter().flatten() {
                            let (Some(claimed), Ok(permit)) =
                                (Claimed::from_json(item), slots.clone().try_acquire_owned())
                            else {
                                continue;
                            };
                            let (store, sender) = (store.clone(), sender.clone());
                            tokio::spawn(async move {
                                sender.deliver(store.as_ref(), claimed).await;
                                drop(permit);
                            });
                        }
                        continue;
                    }
                    // A failed claim: try again in a second rather than spin on a broken store.
                    until = Some(clock::now_us() + 1_000_000);
                }
                Ok(next) => until = next,
                Err(err) => {
                    tracing::warn!(error = %err, "reading the outbox failed");
                    until = Some(clock::now_us() + 1_000_000);
                }
            }
        }
        let sleep = match until {
            Some(at) => Duration::from_micros((at - clock::now_us()).max(0) as u64),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = wake.changed() => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
#[path = "timers_tests.rs"]
mod tests;
