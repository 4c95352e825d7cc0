//! Registry reads: agents as `GET /v1/agents[/{address}]` show them, with the service account their
//! address names and their outbox counters.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::agents::find;
use super::{mesh_reads, outbox};
use crate::domain::signature;
use crate::store::agents::AgentsRead;

/// The service account an address names, when it is `agent://<this org>/<workspace>/<account>`.
fn account_of(
    conn: &Connection,
    org_id: &str,
    address: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    let parts: Vec<&str> = address.trim_start_matches("agent://").split('/').collect();
    let [org, workspace, name] = parts.as_slice() else {
        return Ok(None);
    };
    conn.prepare_cached(
        "SELECT s.id, s.name FROM service_accounts s JOIN workspaces w ON w.id = s.workspace_id
         JOIN orgs o ON o.id = s.org_id WHERE o.id = ?1 AND o.name = ?2 AND w.name = ?3 AND s.name = ?4",
    )?
    .query_row(params![org_id, org, workspace, name], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Outbox counters of one agent.
fn deliveries(conn: &Connection, org_id: &str, address: &str) -> rusqlite::Result<Value> {
    let mut counts =
        json!({"pending": 0, "in_flight": 0, "delivered": 0, "failed": 0, "canceled": 0});
    let mut stmt = conn.prepare_cached(
        "SELECT state, COUNT(*) FROM outbox WHERE org_id = ?1 AND agent = ?2 GROUP BY state",
    )?;
    let rows = stmt.query_map(params![org_id, address], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, n) = row?;
        let key = match state.as_str() {
            "claimed" => "in_flight",
            "done" => "delivered",
            other => other,
        };
        counts[key] = json!(n);
    }
    Ok(counts)
}

/// One agent as `GET /v1/agents/{address}` shows it.
pub(super) fn agent_json(
    conn: &Connection,
    org_id: &str,
    address: &str,
) -> rusqlite::Result<Option<Value>> {
    let row = conn
        .prepare_cached(
            "SELECT address_id, display_name, registered, delivery_mode, callback_url, secret, blocked, created_at, updated_at
             FROM agents WHERE org_id = ?1 AND address = ?2",
        )?
        .query_row(params![org_id, address], |r| {
            let secret: Option<String> = r.get(5)?;
            let blocked: Option<String> = r.get(6)?;
            Ok(json!({
                "address": address,
                "address_id": r.get::<_, String>(0)?,
                "display_name": r.get::<_, Option<String>>(1)?,
                "status": if blocked.is_some() { "suspended" } else { "active" },
                "registered": r.get::<_, bool>(2)?,
                "delivery_mode": r.get::<_, String>(3)?,
                "callback_url": r.get::<_, Option<String>>(4)?,
                "secret_hint": secret.as_deref().map(signature::hint),
                "blocked_reason": blocked,
                "created_at": r.get::<_, String>(7)?,
                "updated_at": r.get::<_, String>(8)?,
            }))
        })
        .optional()?;
    let Some(mut agent) = row else {
        return Ok(None);
    };
    let account = account_of(conn, org_id, address)?;
    agent["service_account_id"] = json!(account.as_ref().map(|a| &a.0));
    agent["service_account_name"] = json!(account.as_ref().map(|a| &a.1));
    agent["deliveries"] = deliveries(conn, org_id, address)?;
    Ok(Some(agent))
}

fn list(
    conn: &Connection,
    org_id: &str,
    prefix: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Value> {
    let prefix = prefix.unwrap_or("");
    let addresses: Vec<String> = conn
        .prepare_cached(
            "SELECT address FROM agents WHERE org_id = ?1 AND substr(address, 1, length(?2)) = ?2 ORDER BY address LIMIT ?3",
        )?
        .query_map(params![org_id, prefix, limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut agents = Vec::with_capacity(addresses.len());
    for address in addresses {
        agents.extend(agent_json(conn, org_id, &address)?);
    }
    Ok(Value::Array(agents))
}

/// Answers a read of the agents family.
pub fn read(conn: &Connection, query: &AgentsRead) -> rusqlite::Result<Value> {
    match query {
        AgentsRead::List {
            org_id,
            workspace_prefix,
            limit,
        } => list(conn, org_id, workspace_prefix.as_deref(), *limit),
        AgentsRead::Get { org_id, address } => {
            Ok(agent_json(conn, org_id, address)?.unwrap_or(Value::Null))
        }
        AgentsRead::Blocked { org_id, address } => Ok(find(conn, org_id, address)?
            .and_then(|row| row.blocked)
            .map_or(Value::Null, Value::String)),
        AgentsRead::NextDue => outbox::next_due(conn),
        other => mesh_reads::read(conn, other),
    }
}
