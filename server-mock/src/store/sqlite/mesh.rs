//! The mesh inside the store: heartbeats with metrics, the kill switch and automatic blocks, per-agent
//! policies, mesh events, and the health/usage view of agents. A mesh target is an `address_id`
//! (`agt_…`) or a normalised address.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::agents::{ensure, find, AgentRow};
use super::intents::Effects;
use crate::domain::clock;
use crate::domain::mesh::{day_of, health, HealthThresholds, Metrics, Policy, Window};
use crate::error::ApiError;
use crate::hub;
use crate::store::agents::{AgentsOp, AgentsRead, OUTBOX_TOPIC};

fn not_found(target: &str) -> ApiError {
    ApiError::not_found(
        "agent_not_found",
        format!("no agent {target:?} in this organisation; agents appear when they are registered, addressed or send a heartbeat"),
    )
}

/// The address a target names, when that agent exists.
fn resolve(conn: &Connection, org_id: &str, target: &str) -> rusqlite::Result<Option<String>> {
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
fn target_row(conn: &Connection, org_id: &str, target: &str, now_us: i64) -> Result<AgentRow, ApiError> {
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

fn set_blocked(conn: &Connection, org_id: &str, address: &str, blocked: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE agents SET blocked = ?3, rate_count = 0, updated_at = ?4 WHERE org_id = ?1 AND address = ?2",
    )?
    .execute(params![org_id, address, blocked, clock::format_us(clock::now_us())])?;
    Ok(())
}

/// Sums usage buckets over a window ending today.
fn usage(conn: &Connection, org_id: &str, address: &str, window: Window, now_us: i64) -> rusqlite::Result<(Value, Value)> {
    let first_day = day_of(now_us) - window.days() + 1;
    let since = clock::format_us(first_day * 86_400_000_000);
    let sums = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(sent), 0), COALESCE(SUM(received), 0), COALESCE(SUM(reported), 0),
             COALESCE(SUM(succeeded), 0), COALESCE(SUM(failed), 0), COALESCE(SUM(cost_usd), 0.0)
             FROM agent_usage WHERE org_id = ?1 AND address = ?2 AND day >= ?3",
        )?
        .query_row(params![org_id, address, first_day], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, i64>(4)?, r.get::<_, f64>(5)?))
        })?;
    let (sent, received, reported, succeeded, failed, cost) = sums;
    let intents = json!({"window": window.as_str(), "since": since, "sent": sent, "received": received,
        "reported": reported, "succeeded": succeeded, "failed": failed});
    let cost = json!({"window": window.as_str(), "since": since, "cost_usd": cost});
    Ok((intents, cost))
}

fn heartbeat(conn: &Connection, org_id: &str, address: &str, metrics: Option<&Metrics>, thresholds: &HealthThresholds) -> Result<(Value, Effects), ApiError> {
    let now_us = clock::now_us();
    let row = ensure(conn, org_id, address, now_us)?;
    let previous = health(false, row.last_heartbeat_us, now_us, thresholds);
    let latency = metrics.and_then(|m| m.avg_latency_ms).map(|ms| json!({"avg_latency_ms": ms}).to_string());
    conn.prepare_cached(
        "UPDATE agents SET last_heartbeat_us = ?3, last_metrics = COALESCE(?4, last_metrics) WHERE org_id = ?1 AND address = ?2",
    )?
    .execute(params![org_id, address, now_us, latency])?;
    if matches!(previous, "unknown" | "unreachable") {
        record_event(conn, org_id, address, "agent.online", &json!({"previous_health": previous}), Some(address))?;
    }
    let mut blocked = row.blocked.clone();
    if let Some(m) = metrics {
        conn.prepare_cached(
            "INSERT INTO agent_usage (org_id, address, day, reported, succeeded, failed, cost_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (org_id, address, day) DO UPDATE SET reported = reported + ?4, succeeded = succeeded + ?5,
             failed = failed + ?6, cost_usd = cost_usd + ?7",
        )?
        .execute(params![org_id, address, day_of(now_us), m.intents_total, m.intents_succeeded, m.intents_failed, m.cost_usd])?;
        if let (None, Some(max), true) = (&blocked, row.policy.max_cost_usd, m.cost_usd > 0.0) {
            let window = row.policy.cost_window;
            let (_, cost) = usage(conn, org_id, address, window, now_us)?;
            let spent = cost["cost_usd"].as_f64().unwrap_or(0.0);
            if spent > max {
                let details = json!({"reason": "cost_limit", "cost_usd": spent, "max_cost_usd": max, "window": window.as_str()});
                set_blocked(conn, org_id, address, Some("cost_limit"))?;
                record_event(conn, org_id, address, "agent.blocked", &details, Some("axme-server"))?;
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
    Ok((body, Effects { topics, deadline_added: false }))
}

fn switch(conn: &Connection, org_id: &str, target: &str, actor: &str, kill: bool) -> Result<(Value, Effects), ApiError> {
    let row = target_row(conn, org_id, target, clock::now_us())?;
    let changed = match (kill, row.blocked.as_deref()) {
        (true, Some("killed")) | (false, None) => false,
        (true, previous) => {
            set_blocked(conn, org_id, &row.address, Some("killed"))?;
            record_event(conn, org_id, &row.address, "agent.killed", &json!({"previous_block": previous}), Some(actor))?;
            true
        }
        (false, Some(previous)) => {
            set_blocked(conn, org_id, &row.address, None)?;
            record_event(conn, org_id, &row.address, "agent.resumed", &json!({"previous_block": previous}), Some(actor))?;
            true
        }
    };
    let blocked = if kill { Some("killed") } else { None };
    let body = json!({
        "ok": true, "address_id": row.address_id, "address": row.address, "killed": kill, "changed": changed,
        "blocked_reason": blocked,
    });
    // Open listen streams of the agent wake and end; paused outbox rows run again after a resume.
    let topics = vec![(hub::agent_topic(org_id, &row.address), 0), (OUTBOX_TOPIC.to_string(), 0)];
    Ok((body, Effects { topics, deadline_added: false }))
}

fn block(conn: &Connection, org_id: &str, address: &str, reason: &str, details: &Value) -> Result<(Value, Effects), ApiError> {
    let row = ensure(conn, org_id, address, clock::now_us())?;
    if row.blocked.is_none() {
        set_blocked(conn, org_id, address, Some(reason))?;
        let mut details = details.clone();
        details["reason"] = json!(reason);
        record_event(conn, org_id, address, "agent.blocked", &details, Some("axme-server"))?;
    }
    let topics = vec![(hub::agent_topic(org_id, address), 0)];
    Ok((json!({"ok": true, "address": address, "blocked_reason": reason}), Effects { topics, deadline_added: false }))
}

fn set_policy(conn: &Connection, org_id: &str, target: &str, policy: &Policy, actor: &str) -> Result<(Value, Effects), ApiError> {
    let row = target_row(conn, org_id, target, clock::now_us())?;
    conn.prepare_cached("UPDATE agents SET policy = ?3 WHERE org_id = ?1 AND address = ?2")?
        .execute(params![org_id, row.address, policy.to_json().to_string()])?;
    record_event(conn, org_id, &row.address, "agent.policy_updated", &json!({"policy": policy.to_json()}), Some(actor))?;
    let body = json!({"ok": true, "address_id": row.address_id, "address": row.address, "policy": policy.to_json()});
    Ok((body, Effects::default()))
}

pub fn perform(conn: &Connection, op: &AgentsOp) -> Result<(Value, Effects), ApiError> {
    match op {
        AgentsOp::Heartbeat { org_id, address, metrics, thresholds } => heartbeat(conn, org_id, address, metrics.as_ref(), thresholds),
        AgentsOp::Kill { org_id, target, actor } => switch(conn, org_id, target, actor, true),
        AgentsOp::Resume { org_id, target, actor } => switch(conn, org_id, target, actor, false),
        AgentsOp::Block { org_id, address, reason, details } => block(conn, org_id, address, reason, details),
        AgentsOp::SetPolicy { org_id, target, policy, actor } => set_policy(conn, org_id, target, policy, actor),
        other => Err(ApiError::internal(format!("not a mesh operation: {other:?}"))),
    }
}

/// One agent as the mesh shows it.
fn mesh_agent(conn: &Connection, org_id: &str, address: &str, window: Window, thresholds: &HealthThresholds) -> rusqlite::Result<Option<Value>> {
    let now_us = clock::now_us();
    let row = conn
        .prepare_cached(
            "SELECT address_id, display_name, blocked, last_heartbeat_us, last_metrics, created_at, delivery_mode, registered, policy
             FROM agents WHERE org_id = ?1 AND address = ?2",
        )?
        .query_row(params![org_id, address], |r| {
            let blocked: Option<String> = r.get(2)?;
            let last: Option<i64> = r.get(3)?;
            let metrics: Option<String> = r.get(4)?;
            let metrics: Value = metrics.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or(json!({}));
            let policy: String = r.get(8)?;
            Ok(json!({
                "address_id": r.get::<_, String>(0)?,
                "address": address,
                "display_name": r.get::<_, Option<String>>(1)?,
                "health_status": health(blocked.is_some(), last, now_us, thresholds),
                "last_heartbeat_at": last.map(clock::format_us),
                "created_at": r.get::<_, String>(5)?,
                "metadata": {
                    "delivery_mode": r.get::<_, String>(6)?,
                    "registered": r.get::<_, bool>(7)?,
                    "blocked_reason": blocked,
                    "avg_latency_ms": metrics.get("avg_latency_ms").cloned().unwrap_or(Value::Null),
                    "policy": Policy::from_json(&serde_json::from_str(&policy).unwrap_or(Value::Null)).to_json(),
                },
            }))
        })
        .optional()?;
    let Some(mut agent) = row else { return Ok(None) };
    let (intents, cost) = usage(conn, org_id, address, window, now_us)?;
    agent["intents_period"] = intents;
    agent["cost_period"] = cost;
    Ok(Some(agent))
}

fn events(conn: &Connection, org_id: &str, address: Option<&str>, event_type: Option<&str>, limit: usize) -> rusqlite::Result<Value> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, address, event_type, details, actor_id, created_at FROM mesh_events
         WHERE org_id = ?1 AND (?2 IS NULL OR address = ?2) AND (?3 IS NULL OR event_type = ?3) ORDER BY seq DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![org_id, address, event_type, limit as i64], |r| {
        let details: String = r.get(3)?;
        Ok(json!({
            "event_id": r.get::<_, String>(0)?, "address": r.get::<_, String>(1)?, "event_type": r.get::<_, String>(2)?,
            "details": serde_json::from_str::<Value>(&details).unwrap_or(json!({})),
            "actor_id": r.get::<_, Option<String>>(4)?, "created_at": r.get::<_, String>(5)?,
        }))
    })?;
    rows.collect::<Result<Vec<_>, _>>().map(Value::Array)
}

fn list(conn: &Connection, org_id: &str, window: Window, wanted: Option<&str>, limit: usize, thresholds: &HealthThresholds) -> rusqlite::Result<Value> {
    let addresses: Vec<String> = conn
        .prepare_cached("SELECT address FROM agents WHERE org_id = ?1 ORDER BY address")?
        .query_map([org_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut summary = json!({"total": 0, "healthy": 0, "degraded": 0, "unreachable": 0, "killed": 0, "unknown": 0});
    let mut agents = Vec::new();
    for address in addresses {
        let Some(agent) = mesh_agent(conn, org_id, &address, window, thresholds)? else { continue };
        let health = agent["health_status"].as_str().unwrap_or("unknown").to_string();
        summary["total"] = json!(summary["total"].as_i64().unwrap_or(0) + 1);
        summary[&health] = json!(summary[&health].as_i64().unwrap_or(0) + 1);
        if wanted.is_none_or(|w| w == health) && agents.len() < limit {
            agents.push(agent);
        }
    }
    Ok(json!({"ok": true, "agents": agents, "summary": summary, "window": window.as_str()}))
}

pub fn read(conn: &Connection, query: &AgentsRead) -> rusqlite::Result<Value> {
    match query {
        AgentsRead::MeshList { org_id, window, health, limit, thresholds } => list(conn, org_id, *window, health.as_deref(), *limit, thresholds),
        AgentsRead::MeshGet { org_id, target, window, thresholds } => {
            let Some(address) = resolve(conn, org_id, target)? else { return Ok(Value::Null) };
            let Some(mut agent) = mesh_agent(conn, org_id, &address, *window, thresholds)? else { return Ok(Value::Null) };
            agent["ok"] = json!(true);
            agent["recent_events"] = events(conn, org_id, Some(&address), None, 20)?;
            Ok(agent)
        }
        AgentsRead::MeshEvents { org_id, limit, event_type } => {
            Ok(json!({"ok": true, "events": events(conn, org_id, None, event_type.as_deref(), *limit)?}))
        }
        AgentsRead::Policy { org_id, target } => {
            let Some(address) = resolve(conn, org_id, target)? else { return Ok(Value::Null) };
            let Some(row) = find(conn, org_id, &address)? else { return Ok(Value::Null) };
            Ok(json!({"ok": true, "address_id": row.address_id, "address": row.address, "policy": row.policy.to_json()}))
        }
        other => Err(rusqlite::Error::InvalidParameterName(format!("not a mesh read: {other:?}"))),
    }
}
