//! Scenario bundles in the store: applying one provisions its humans, starts its intent and, for a
//! workflow, the first step (workflow.rs runs the steps). The stored answer makes apply idempotent by
//! the bundle's key. Workflow state lives in `workflows.state` (plan, owner, runs, current step,
//! results, first failure).

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::hooks::Followup;
use super::intent_ops::{self, parse_object};
use super::intents::{self, Effects};
use super::{agents, humans, tasks, workflow};
use crate::domain::clock;
use crate::domain::scenarios::Plan;
use crate::domain::status::Status;
use crate::domain::validate::NewIntent;
use crate::error::ApiError;
use crate::store::Principal;

/// A step may run this often in one workflow (retries and loops included).
pub(super) const MAX_RUNS: i64 = 10;

/// The applying principal, kept so later steps are created in its name.
fn principal_json(p: &Principal) -> Value {
    json!({
        "key_id": p.key_id, "org_id": p.org_id, "org_name": p.org_name,
        "workspace_id": p.workspace_id, "workspace_name": p.workspace_name,
        "service_account_id": p.service_account_id, "account_name": p.account_name,
    })
}

pub(super) fn principal_of(v: &Value) -> Principal {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Principal {
        key_id: s("key_id"),
        org_id: s("org_id"),
        org_name: s("org_name"),
        workspace_id: s("workspace_id"),
        workspace_name: s("workspace_name"),
        service_account_id: s("service_account_id"),
        account_name: s("account_name"),
    }
}

pub(super) fn load_state(
    conn: &Connection,
    org_id: &str,
    parent: &str,
) -> rusqlite::Result<Option<Map<String, Value>>> {
    conn.prepare_cached("SELECT state FROM workflows WHERE org_id = ?1 AND intent_id = ?2")?
        .query_row(params![org_id, parent], |r| r.get::<_, String>(0))
        .optional()
        .map(|s| s.map(|s| parse_object(&s)))
}

pub(super) fn save_state(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    state: &Map<String, Value>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE workflows SET state = ?3 WHERE org_id = ?1 AND intent_id = ?2")?
        .execute(params![
            org_id,
            parent,
            Value::Object(state.clone()).to_string()
        ])?;
    Ok(())
}

pub(super) fn plan_of(state: &Map<String, Value>) -> Result<Plan, ApiError> {
    serde_json::from_value(state.get("plan").cloned().unwrap_or(Value::Null))
        .map_err(|e| ApiError::internal(format!("stored workflow plan is unreadable: {e}")))
}

/// The answer of an earlier apply with the same idempotency key, marked `idempotent`; 409 when that
/// apply was of another bundle.
fn earlier_answer(
    conn: &Connection,
    org_id: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Value>, ApiError> {
    let earlier: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT fingerprint, response FROM workflows WHERE org_id = ?1 AND idempotency_key = ?2",
        )?
        .query_row(params![org_id, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((earlier_fingerprint, response)) = earlier else {
        return Ok(None);
    };
    if earlier_fingerprint != fingerprint {
        return Err(ApiError::conflict(
            "idempotency_key_reused",
            "idempotency_key reused with a different bundle: a key names one bundle; send a new key for a different one",
        ));
    }
    let mut response = Value::Object(parse_object(&response));
    response["idempotent"] = json!(true);
    Ok(Some(response))
}

/// Finds or creates the bundle's humans; their entries of the answer.
fn provision_humans(
    conn: &Connection,
    principal: &Principal,
    plan: &Plan,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for h in &plan.humans {
        let (human_id, name, created) = humans::ensure_human(
            conn,
            &principal.org_id,
            &principal.workspace_id,
            &h.role,
            &h.contact,
            h.display_name.as_deref(),
        )?;
        out.push(json!({
            "role": h.role, "contact": h.contact, "human_id": human_id, "name": name, "created": created,
        }));
    }
    Ok(out)
}

/// Adds the bundle's agents missing from the registry (with the implicit `stream` binding: other
/// bindings are registered with `POST /v1/agents`); an absent agent with `create_if_missing: false`
/// is 404 `agent_not_found`.
fn provision_agents(
    conn: &Connection,
    principal: &Principal,
    plan: &Plan,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for (i, a) in plan.agents.iter().enumerate() {
        let known = agents::find(conn, &principal.org_id, &a.address)?;
        if known.is_none() && !a.create_if_missing {
            return Err(ApiError::not_found(
                "agent_not_found",
                format!(
                    "agents[{i}]: {} is not registered and `create_if_missing` is false",
                    a.address
                ),
            )
            .with_details(json!({"field": format!("agents[{i}].address")})));
        }
        let row = agents::ensure(conn, &principal.org_id, &a.address, clock::now_us())?;
        out.push(json!({
            "role": a.role, "address": a.address, "display_name": a.display_name,
            "created": known.is_none(), "address_id": row.address_id, "delivery_mode": row.mode.as_str(),
        }));
    }
    Ok(out)
}

fn new_intent(plan: &Plan) -> NewIntent {
    let i = &plan.intent;
    NewIntent {
        intent_type: i.intent_type.clone(),
        correlation_id: None,
        to_agent: i.to_agent.clone(),
        from_agent: None,
        reply_to: i.reply_to.clone(),
        payload: i.payload.clone(),
        deadline_us: i.deadline_us,
        remind_after_seconds: i.remind_after_seconds,
        remind_interval_seconds: i.remind_interval_seconds,
        max_reminders: i.max_reminders,
        escalate_to: i.escalate_to.clone(),
        max_delivery_attempts: i.max_delivery_attempts,
        human_task: i.human_task.clone(),
    }
}

/// `POST /v1/scenarios/apply` for a compiled bundle.
pub fn apply(
    conn: &Connection,
    principal: &Principal,
    plan: &Plan,
    fingerprint: &str,
) -> Result<(Value, Effects), ApiError> {
    let org_id = &principal.org_id;
    if let Some(key) = &plan.idempotency_key {
        if let Some(answer) = earlier_answer(conn, org_id, key, fingerprint)? {
            return Ok((answer, Effects::default()));
        }
    }
    let humans = provision_humans(conn, principal, plan)?;
    let agents = provision_agents(conn, principal, plan)?;
    let new = new_intent(plan);
    let mut followup = Followup::default();
    let (body, effects) = intents::create(conn, principal, &new)?;
    followup.absorb_effects(effects);
    let parent = body["intent_id"].as_str().unwrap_or_default().to_string();
    let compile_id = format!("wfc_{}", uuid::Uuid::new_v4().simple());
    let plan_json = serde_json::to_value(plan).map_err(|e| ApiError::internal(e.to_string()))?;
    let state = json!({
        "plan": plan_json, "owner": principal_json(principal), "runs": {}, "current": null,
        "failed": null, "results": {}, "finished": plan.steps.is_empty(), "compile_id": compile_id,
    });
    conn.prepare_cached(
        "INSERT INTO workflows (org_id, intent_id, idempotency_key, fingerprint, response, state)
         VALUES (?1, ?2, ?3, ?4, '{}', ?5)",
    )?
    .execute(params![
        org_id,
        parent,
        plan.idempotency_key,
        fingerprint,
        state.to_string()
    ])?;
    if plan.steps.is_empty() {
        let (_, effects) = tasks::after_create(conn, principal, &new, body, Effects::default())?;
        followup.absorb_effects(effects);
    } else {
        let ids: Vec<&str> = plan.steps.iter().map(|s| s.step_id.as_str()).collect();
        let details = json!({"scenario_id": plan.scenario_id, "workflow_compile_id": compile_id, "steps": ids});
        let engine = &plan.intent.to_agent;
        let (_, _, moved) = intent_ops::move_to(
            conn,
            org_id,
            &parent,
            Status::InProgress,
            engine,
            details,
            |_| {},
        )?;
        followup.absorb(moved);
        workflow::start_step(conn, org_id, &parent, plan.entry, &mut followup)?;
    }
    let doc = intents::load(conn, org_id, &parent)?;
    let steps: Vec<Value> = plan
        .steps
        .iter()
        .map(|s| json!({"step_id": s.step_id, "kind": s.kind_name()}))
        .collect();
    let pending = doc.get("pending_with").and_then(|p| p.get("ref")).cloned();
    let response = json!({
        "ok": true, "intent_id": parent, "scenario_id": plan.scenario_id, "status": doc.get("status"),
        "pending_with": pending.unwrap_or(json!(new.to_agent)), "workflow_compile_id": compile_id,
        "idempotent": false, "agents": agents, "humans": humans, "steps": steps,
        "deadline_at": doc.get("deadline_at"), "created_at": doc.get("created_at"),
    });
    conn.prepare_cached("UPDATE workflows SET response = ?3 WHERE org_id = ?1 AND intent_id = ?2")?
        .execute(params![org_id, parent, response.to_string()])?;
    Ok((response, followup.effects))
}
