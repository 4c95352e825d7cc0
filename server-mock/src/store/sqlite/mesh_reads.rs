//! Mesh reads: agents with their health (from heartbeat age) and usage over a window, mesh events,
//! policies.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::agents::find;
use super::mesh::resolve;
use crate::domain::clock;
use crate::domain::mesh::{day_of, health, HealthThresholds, Policy, Window};
use crate::store::agents::AgentsRead;

/// Sums usage buckets over a window ending today.
pub(super) fn usage(
    conn: &Connection,
    org_id: &str,
    address: &str,
    window: Window,
    now_us: i64,
) -> rusqlite::Result<(Value, Value)> {
    let first_day = day_of(now_us) - window.days() + 1;
    let since = clock::format_us(first_day * 86_400_000_000);
    let sums = conn
        .prepare_cached(
            // TOTAL never fails on overflow (SUM does); buckets saturate when written, and the
            // clamps below keep even an old, unbounded bucket from breaking the read.
            "SELECT TOTAL(sent), TOTAL(received), TOTAL(reported), TOTAL(succeeded), TOTAL(failed), TOTAL(cost_usd)
             FROM agent_usage WHERE org_id = ?1 AND address = ?2 AND day >= ?3",
        )?
        .query_row(params![org_id, address, first_day], |r| {
            let count = |i: usize| r.get::<_, f64>(i).map(clamp_count);
            Ok((
                count(0)?,
                count(1)?,
                count(2)?,
                count(3)?,
                count(4)?,
                clamp_cost(r.get::<_, f64>(5)?),
            ))
        })?;
    let (sent, received, reported, succeeded, failed, cost) = sums;
    let intents = json!({"window": window.as_str(), "since": since, "sent": sent, "received": received,
        "reported": reported, "succeeded": succeeded, "failed": failed});
    let cost = json!({"window": window.as_str(), "since": since, "cost_usd": cost});
    Ok((intents, cost))
}

fn clamp_count(total: f64) -> i64 {
    if total.is_nan() {
        return 0;
    }
    // `as` saturates; the bound keeps the figure exact in every JSON reader.
    (total as i64).clamp(0, MAX_SAFE_INTEGER)
}

fn clamp_cost(total: f64) -> f64 {
    if total.is_nan() {
        return 0.0;
    }
    total.clamp(0.0, MAX_SAFE_INTEGER as f64)
}

/// 2^53 - 1: the largest integer every JSON reader holds exactly.
const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// One agent as the mesh shows it.
fn mesh_agent(
    conn: &Connection,
    org_id: &str,
    address: &str,
    window: Window,
    thresholds: &HealthThresholds,
) -> rusqlite::Result<Option<Value>> {
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
    let Some(mut agent) = row else {
        return Ok(None);
    };
    let (intents, cost) = usage(conn, org_id, address, window, now_us)?;
    agent["intents_period"] = intents;
    agent["cost_period"] = cost;
    Ok(Some(agent))
}

fn events(
    conn: &Connection,
    org_id: &str,
    address: Option<&str>,
    event_type: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Value> {
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

fn list(
    conn: &Connection,
    org_id: &str,
    window: Window,
    wanted: Option<&str>,
    limit: usize,
    thresholds: &HealthThresholds,
) -> rusqlite::Result<Value> {
    let addresses: Vec<String> = conn
        .prepare_cached("SELECT address FROM agents WHERE org_id = ?1 ORDER BY address")?
        .query_map([org_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut summary = json!({"total": 0, "healthy": 0, "degraded": 0, "unreachable": 0, "killed": 0, "unknown": 0});
    let mut agents = Vec::new();
    for address in addresses {
        let Some(agent) = mesh_agent(conn, org_id, &address, window, thresholds)? else {
            continue;
        };
        let health = agent["health_status"]
            .as_str()
            .unwrap_or("unknown")
            .to_string();
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
        AgentsRead::MeshList {
            org_id,
            window,
            health,
            limit,
            thresholds,
        } => list(conn, org_id, *window, health.as_deref(), *limit, thresholds),
        AgentsRead::MeshGet {
            org_id,
            target,
            window,
            thresholds,
        } => {
            let Some(address) = resolve(conn, org_id, target)? else {
                return Ok(Value::Null);
            };
            let Some(mut agent) = mesh_agent(conn, org_id, &address, *window, thresholds)? else {
                return Ok(Value::Null);
            };
            agent["ok"] = json!(true);
            agent["recent_events"] = events(conn, org_id, Some(&address), None, 20)?;
            Ok(agent)
        }
        AgentsRead::MeshEvents {
            org_id,
            limit,
            event_type,
        } => Ok(
            json!({"ok": true, "events": events(conn, org_id, None, event_type.as_deref(), *limit)?}),
        ),
        AgentsRead::Policy { org_id, target } => {
            let Some(address) = resolve(conn, org_id, target)? else {
                return Ok(Value::Null);
            };
            let Some(row) = find(conn, org_id, &address)? else {
                return Ok(Value::Null);
            };
            Ok(
                json!({"ok": true, "address_id": row.address_id, "address": row.address, "policy": row.policy.to_json()}),
            )
        }
        other => Err(rusqlite::Error::InvalidParameterName(format!(
            "not a mesh read: {other:?}"
        ))),
    }
}
