//! The agent registry inside the writer's transaction: registrations, the checks every new intent
//! passes (kill switch, mesh policies, rate limit) and the hand-off to its delivery binding. Agents
//! are created implicitly the first time they are addressed (binding `stream`, not registered).

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::intents::Effects;
use super::{agent_reads, mesh, outbox};
use crate::domain::agents::{self as domain, DeliveryMode, Registration};
use crate::domain::clock;
use crate::domain::mesh::{day_of, type_allowed, Policy};
use crate::domain::validate::NewIntent;
use crate::error::ApiError;
use crate::hub;
use crate::store::agents::{AgentsOp, OUTBOX_TOPIC};
use crate::store::Principal;

/// What the registry holds about one agent that the write path needs.
#[derive(Clone, Debug)]
pub(super) struct AgentRow {
    pub address: String,
    pub address_id: String,
    pub mode: DeliveryMode,
    pub blocked: Option<String>,
    pub policy: Policy,
    pub rate_start_us: i64,
    pub rate_count: i64,
    pub last_heartbeat_us: Option<i64>,
}

pub(super) fn find(
    conn: &Connection,
    org_id: &str,
    address: &str,
) -> rusqlite::Result<Option<AgentRow>> {
    conn.prepare_cached(
        "SELECT address_id, delivery_mode, blocked, policy, rate_start_us, rate_count, last_heartbeat_us
         FROM agents WHERE org_id = ?1 AND address = ?2",
    )?
    .query_row(params![org_id, address], |r| {
        let mode: String = r.get(1)?;
        let policy: String = r.get(3)?;
        Ok(AgentRow {
            address: address.to_string(),
            address_id: r.get(0)?,
            mode: DeliveryMode::parse(&mode).unwrap_or(DeliveryMode::Stream),
            blocked: r.get(2)?,
            policy: Policy::from_json(&serde_json::from_str(&policy).unwrap_or(Value::Null)),
            rate_start_us: r.get(4)?,
            rate_count: r.get(5)?,
            last_heartbeat_us: r.get(6)?,
        })
    })
    .optional()
}

pub(super) fn new_address_id() -> String {
    format!("agt_{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

/// The agent's row, created (implicit, `stream`) when it is addressed for the first time.
pub(super) fn ensure(
    conn: &Connection,
    org_id: &str,
    address: &str,
    now_us: i64,
) -> rusqlite::Result<AgentRow> {
    if let Some(row) = find(conn, org_id, address)? {
        return Ok(row);
    }
    let at = clock::format_us(now_us);
    conn.prepare_cached(
        "INSERT INTO agents (org_id, address, address_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![org_id, address, new_address_id(), at])?;
    find(conn, org_id, address).map(|row| row.expect("just inserted"))
}

/// Where a new intent goes once admitted.
#[derive(Clone, Debug)]
pub struct Admission {
    org_id: String,
    to_agent: String,
    mode: DeliveryMode,
}

fn blocked_error(row: &AgentRow, direction: &str, reason: &str) -> ApiError {
    let (code, why) = match reason {
        "killed" => ("agent_killed", "is killed (mesh kill switch)".to_string()),
        other => (
            "agent_blocked",
            format!("is blocked after a {} breach", other.replace('_', " ")),
        ),
    };
    ApiError::new(
        403,
        code,
        format!(
            "agent {} {why}; intents to and from it are refused until POST /v1/mesh/agents/{}/resume",
            row.address, row.address_id
        ),
    )
    .with_details(json!({"address": row.address, "address_id": row.address_id, "direction": direction, "reason": reason}))
}

fn type_refused(row: &AgentRow, direction: &str, intent_type: &str) -> ApiError {
    ApiError::new(
        403,
        "intent_type_not_allowed",
        format!(
            "the mesh policy of {} does not allow it to {direction} {intent_type:?} intents",
            row.address
        ),
    )
    .with_details(
        json!({"address": row.address, "direction": direction, "intent_type": intent_type}),
    )
}

fn bump_usage(
    conn: &Connection,
    org_id: &str,
    address: &str,
    day: i64,
    column: &str,
) -> rusqlite::Result<()> {
    let sql = format!(
        "INSERT INTO agent_usage (org_id, address, day, {column}) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (org_id, address, day) DO UPDATE SET {column} = {column} + 1"
    );
    conn.prepare_cached(&sql)?
        .execute(params![org_id, address, day])?;
    Ok(())
}

/// Checks a new intent against the kill switch and the mesh policies of its sender and recipient,
/// counts it, and says how its recipient takes deliveries. Runs before anything is written.
pub fn admit(
    conn: &Connection,
    principal: &Principal,
    new: &NewIntent,
    from_agent: &str,
    now_us: i64,
) -> Result<Admission, ApiError> {
    let org = &principal.org_id;
    let to = ensure(conn, org, &new.to_agent, now_us)?;
    let from = ensure(conn, org, from_agent, now_us)?;
    for (row, direction) in [(&to, "to"), (&from, "from")] {
        if let Some(reason) = &row.blocked {
            return Err(blocked_error(row, direction, reason));
        }
    }
    // A killed agent's own credential cannot send either, whatever `from_agent` it names.
    let caller = principal.default_from_agent();
    if caller != from_agent {
        if let Some(row) = find(conn, org, &caller)? {
            if let Some(reason) = &row.blocked {
                return Err(blocked_error(&row, "from", reason));
            }
        }
    }
    if !type_allowed(from.policy.allowed_send_types.as_deref(), &new.intent_type) {
        return Err(type_refused(&from, "send", &new.intent_type));
    }
    if !type_allowed(to.policy.allowed_receive_types.as_deref(), &new.intent_type) {
        return Err(type_refused(&to, "receive", &new.intent_type));
    }
    if let Some(limit) = from.policy.max_intents_per_minute {
        let (start, count) = if now_us - from.rate_start_us >= 60_000_000 {
            (now_us, 0)
        } else {
            (from.rate_start_us, from.rate_count)
        };
        if count >= limit {
            // The refusal rolls this transaction back; the handler records the block (AgentsOp::Block).
            return Err(ApiError::new(
                429,
                "rate_limit_exceeded",
                format!("{} sent more than {limit} intents in a minute, its mesh limit; the agent is now blocked until resumed", from.address),
            )
            .with_details(json!({"address": from.address, "reason": "rate_limit", "max_intents_per_minute": limit})));
        }
        conn.prepare_cached("UPDATE agents SET rate_start_us = ?3, rate_count = ?4 WHERE org_id = ?1 AND address = ?2")?
            .execute(params![org, from.address, start, count + 1])?;
    }
    if let (Some(max), None) = (from.policy.max_cost_usd, &from.blocked) {
        // The cost a sender reported may already be past its limit (the policy came later, or
        // the window moved): its intents are refused and it is blocked, as a heartbeat would.
        let window = from.policy.cost_window;
        let (_, cost) = super::mesh_reads::usage(conn, org, &from.address, window, now_us)?;
        let spent = cost["cost_usd"].as_f64().unwrap_or(0.0);
        if spent > max {
            return Err(ApiError::new(
                403,
                "cost_limit_exceeded",
                format!("{} reported {spent} USD this {}, past its mesh limit of {max}; the agent is now blocked until resumed", from.address, window.as_str()),
            )
            .with_details(json!({"address": from.address, "reason": "cost_limit", "cost_usd": spent, "max_cost_usd": max, "window": window.as_str()})));
        }
    }
    if to.mode == DeliveryMode::Internal && domain::is_delay_type(&new.intent_type) {
        domain::delay_seconds(&new.payload)?;
    }
    let day = day_of(now_us);
    bump_usage(conn, org, &to.address, day, "received")?;
    bump_usage(conn, org, &from.address, day, "sent")?;
    Ok(Admission {
        org_id: org.clone(),
        to_agent: to.address,
        mode: to.mode,
    })
}

/// Hands a stored intent to its recipient's binding: `http` and `internal` get an outbox row in the
/// same transaction (so a crash can lose neither); `stream`, `poll` and `inbox` read the queue.
pub fn dispatch(
    conn: &Connection,
    admission: &Admission,
    intent_id: &str,
    cursor: i64,
    now_us: i64,
) -> rusqlite::Result<Option<(String, i64)>> {
    let kind = match admission.mode {
        DeliveryMode::Http => "http",
        DeliveryMode::Internal => "internal",
        DeliveryMode::Stream | DeliveryMode::Poll | DeliveryMode::Inbox => return Ok(None),
    };
    conn.prepare_cached(
        "INSERT INTO outbox (id, org_id, agent, intent_id, cursor, kind, state, due_us, created_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
    )?
    .execute(params![
        format!("msg_{}", uuid::Uuid::new_v4().simple()),
        admission.org_id,
        admission.to_agent,
        intent_id,
        cursor,
        kind,
        now_us
    ])?;
    Ok(Some((OUTBOX_TOPIC.to_string(), 0)))
}

fn register(
    conn: &Connection,
    org_id: &str,
    actor: &str,
    reg: &Registration,
    secret: Option<&str>,
) -> Result<(Value, Effects), ApiError> {
    let now_us = clock::now_us();
    let at = clock::format_us(now_us);
    let created = find(conn, org_id, &reg.address)?.is_none();
    if created {
        conn.execute(
            "INSERT INTO agents (org_id, address, address_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![org_id, reg.address, new_address_id(), at],
        )?;
    }
    conn.execute(
        "UPDATE agents SET display_name = COALESCE(?3, display_name), registered = 1, delivery_mode = ?4,
         callback_url = ?5, secret = ?6, updated_at = ?7 WHERE org_id = ?1 AND address = ?2",
        params![org_id, reg.address, reg.display_name, reg.mode.as_str(), reg.callback_url, secret, at],
    )?;
    let details = json!({"delivery_mode": reg.mode.as_str(), "created": created});
    mesh::record_event(
        conn,
        org_id,
        &reg.address,
        "agent.registered",
        &details,
        Some(actor),
    )?;
    let agent = agent_reads::agent_json(conn, org_id, &reg.address)?.unwrap_or(Value::Null);
    let mut body = json!({"ok": true, "created": created, "agent": agent});
    if let Some(secret) = secret {
        // Shown in this answer only; afterwards only `secret_hint` is.
        body["secret"] = json!(secret);
    }
    let topics = vec![(hub::agent_topic(org_id, &reg.address), 0)];
    Ok((
        body,
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

/// Performs a write of the agents family.
pub fn perform(conn: &Connection, op: &AgentsOp) -> Result<(Value, Effects), ApiError> {
    match op {
        AgentsOp::Register {
            org_id,
            actor,
            registration,
            secret,
        } => register(conn, org_id, actor, registration, secret.as_deref()),
        AgentsOp::ClaimDeliveries { limit, lease_us } => outbox::claim(conn, *limit, *lease_us),
        AgentsOp::CompleteDelivery {
            id,
            claim,
            outcome,
            retry_schedule_us,
        } => outbox::complete(conn, id, *claim, outcome, retry_schedule_us),
        AgentsOp::ReleaseClaims => outbox::release(conn),
        other => mesh::perform(conn, other),
    }
}
