//! Mesh writes inside the store: heartbeats with metrics, the kill switch and automatic blocks,
//! per-agent policies and mesh events. A mesh target is an `address_id` (`agt_…`) or a normalised
//! address.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::agents::{ensure, find, AgentRow};
use super::intents::Effects;
use super::mesh_reads::usage;
use crate::domain::clock;
use crate::domain::mesh::{
    day_of, health, HealthThresholds, Metrics, Policy, MAX_DAY_COST_USD, MAX_DAY_COUNT,
};
use crate::error::ApiError;
use crate::hub;
use crate::store::agents::{AgentsOp, OUTBOX_TOPIC};

fn not_found(target: &str) -> ApiError {
    ApiError::not_found(
        "agent_not_found",
        format!("no agent {target:?} in this organisation; agents appear when they are registered, addressed or send a heartbeat"),
    )
}

/// The address a target names, when that agent exists.
pub(super) fn resolve(
    conn: &Connection,
    org_id: &str,
    target: &str,
) -> rusqlite::Result<Option<String>> {
    if target.starts_with("agt_") {
        return conn
            .prepare_cached("SELECT address FROM agents WHERE org_id = ?1 AND address_id = ?2")?
            .query_row(params![org_id, target], |r| r.get(0))
            .optional();
    }
    Ok(find(conn, org_id, target)?.map(|row| row.address))
}

/// The agent a write targets: an id must exist; an address is created if missing (so an operator
/// can kill or constrain an agent before it first appears).
fn target_row(
    conn: &Connection,
    org_id: &str,
    target: &str,
    now_us: i64,
) -> Result<AgentRow, ApiError> {
    if target.starts_with("agt_") {
        let address = resolve(conn, org_id, target)?.ok_or_else(|| not_found(target))?;
        return find(conn, org_id, &address)?.ok_or_else(|| not_found(target));
    }
    Ok(ensure(conn, org_id, target, now_us)?)
}

pub(super) fn record_event(
    conn: &Connection,
    org_id: &str,
    address: &str,
    event_type: &str,
    details: &Value,
    actor: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO mesh_events (event_id, org_id, address, event_type, details, actor_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        format!("mev_{}", uuid::Uuid::new_v4().simple()),
        org_id,
        address,
        event_type,
        details.to_string(),
        actor,
        clock::format_us(clock::now_us())
    ])?;
    Ok(())
}

fn set_blocked(
    conn: &Connection,
    org_id: &str,
    address: &str,
    blocked: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE agents SET blocked = ?3, rate_count = 0, updated_at = ?4 WHERE org_id = ?1 AND address = ?2",
    )?
    .execute(params![org_id, address, blocked, clock::format_us(clock::now_us())])?;
    Ok(())
}

fn heartbeat(
    conn: &Connection,
    org_id: &str,
    address: &str,
    metrics: Option<&Metrics>,
    thresholds: &HealthThresholds,
) -> Result<(Value, Effects), ApiError> {
    let now_us = clock::now_us();
    let row = ensure(conn, org_id, address, now_us)?;
    let previous = health(false, row.last_heartbeat_us, now_us, thresholds);
    let latency = metrics
        .and_then(|m| m.avg_latency_ms)
        .map(|ms| json!({"avg_latency_ms": ms}).to_string());
    conn.prepare_cached(
        "UPDATE agents SET last_heartbeat_us = ?3, last_metrics = COALESCE(?4, last_metrics) WHERE org_id = ?1 AND address = ?2",
    )?
    .execute(params![org_id, address, now_us, latency])?;
    if matches!(previous, "unknown" | "unreachable") {
        record_event(
            conn,
            org_id,
            address,
            "agent.online",
            &json!({"previous_health": previous}),
            Some(address),
        )?;
    }
    let mut blocked = row.blocked.clone();
    if let Some(m) = metrics {
        conn.prepare_cached(
            "INSERT INTO agent_usage (org_id, address, day, reported, succeeded, failed, cost_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (org_id, address, day) DO UPDATE SET reported = MIN(reported + ?4, ?8),
             succeeded = MIN(succeeded + ?5, ?8), failed = MIN(failed + ?6, ?8), cost_usd = MIN(cost_usd + ?7, ?9)",
        )?
        // Each report is bounded and a day saturates, so no sum over a window can overflow.
        .execute(params![org_id, address, day_of(now_us), m.intents_total, m.intents_succeeded, m.intents_failed, m.cost_usd, MAX_DAY_COUNT, MAX_DAY_COST_USD])?;
        if let (None, Some(max), true) = (&blocked, row.policy.max_cost_usd, m.cost_usd > 0.0) {
            let window = row.policy.cost_window;
            let (_, cost) = usage(conn, org_id, address, window, now_us)?;
            let spent = cost["cost_usd"].as_f64().unwrap_or(0.0);
            if spent > max {
                let details = json!({"reason": "cost_limit", "cost_usd": spent, "max_cost_usd": max, "window": window.as_str()});
                set_blocked(conn, org_id, address, Some("cost_limit"))?;
                record_event(
                    conn,
                    org_id,
                    address,
                    "agent.blocked",
                    &details,
                    Some("axme-server"),
                )?;
                blocked = Some("cost_limit".into());
            }
        }
    }
    let body = json!({
        "ok": true, "address": address, "address_id": row.address_id,
        "health_status": health(blocked.is_some(), Some(now_us), now_us, thresholds),
        "last_heartbeat_at": clock::format_us(now_us), "blocked_reason": blocked,
    });
    let topics = vec![(hub::agent_topic(org_id, address), 0)];
    Ok((
        body,
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

fn switch(
    conn: &Connection,
    org_id: &str,
    target: &str,
    actor: &str,
    kill: bool,
) -> Result<(Value, Effects), ApiError> {
    let row = target_row(conn, org_id, target, clock::now_us())?;
    let changed = match (kill, row.blocked.as_deref()) {
        (true, Some("killed")) | (false, None) => false,
        (true, previous) => {
            set_blocked(conn, org_id, &row.address, Some("killed"))?;
            record_event(
                conn,
                org_id,
                &row.address,
                "agent.killed",
                &json!({"previous_block": previous}),
                Some(actor),
            )?;
            true
        }
        (false, Some(previous)) => {
            set_blocked(conn, org_id, &row.address, None)?;
            record_event(
                conn,
                org_id,
                &row.address,
                "agent.resumed",
                &json!({"previous_block": previous}),
                Some(actor),
            )?;
            true
        }
    };
    let blocked = if kill { Some("killed") } else { None };
    let body = json!({
        "ok": true, "address_id": row.address_id, "address": row.address, "killed": kill, "changed": changed,
        "blocked_reason": blocked,
    });
    // Open listen streams of the agent wake and end; paused outbox rows run again after a resume.
    let topics = vec![
        (hub::agent_topic(org_id, &row.address), 0),
        (OUTBOX_TOPIC.to_string(), 0),
    ];
    Ok((
        body,
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

fn block(
    conn: &Connection,
    org_id: &str,
    address: &str,
    reason: &str,
    details: &Value,
) -> Result<(Value, Effects), ApiError> {
    let row = ensure(conn, org_id, address, clock::now_us())?;
    if row.blocked.is_none() {
        set_blocked(conn, org_id, address, Some(reason))?;
        let mut details = details.clone();
        details["reason"] = json!(reason);
        record_event(
            conn,
            org_id,
            address,
            "agent.blocked",
            &details,
            Some("axme-server"),
        )?;
    }
    let topics = vec![(hub::agent_topic(org_id, address), 0)];
    Ok((
        json!({"ok": true, "address": address, "blocked_reason": reason}),
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

fn set_policy(
    conn: &Connection,
    org_id: &str,
    target: &str,
    policy: &Policy,
    actor: &str,
) -> Result<(Value, Effects), ApiError> {
    let row = target_row(conn, org_id, target, clock::now_us())?;
    conn.prepare_cached("UPDATE agents SET policy = ?3 WHERE org_id = ?1 AND address = ?2")?
        .execute(params![org_id, row.address, policy.to_json().to_string()])?;
    record_event(
        conn,
        org_id,
        &row.address,
        "agent.policy_updated",
        &json!({"policy": policy.to_json()}),
        Some(actor),
    )?;
    let body = json!({"ok": true, "address_id": row.address_id, "address": row.address, "policy": policy.to_json()});
    Ok((body, Effects::default()))
}

pub fn perform(conn: &Connection, op: &AgentsOp) -> Result<(Value, Effects), ApiError> {
    match op {
        AgentsOp::Heartbeat {
            org_id,
            address,
            metrics,
            thresholds,
        } => heartbeat(conn, org_id, address, metrics.as_ref(), thresholds),
        AgentsOp::Kill {
            org_id,
            target,
            actor,
        } => switch(conn, org_id, target, actor, true),
        AgentsOp::Resume {
            org_id,
            target,
            actor,
        } => switch(conn, org_id, target, actor, false),
        AgentsOp::Block {
            org_id,
            address,
            reason,
            details,
        } => block(conn, org_id, address, reason, details),
        AgentsOp::SetPolicy {
            org_id,
            target,
            policy,
            actor,
        } => set_policy(conn, org_id, target, policy, actor),
        other => Err(ApiError::internal(format!(
            "not a mesh operation: {other:?}"
        ))),
    }
}
