//! Running a workflow's steps. An agent step is a sub-intent to the step's agent, an approval step a
//! sub-intent carrying a human task (addressed to the workflow engine, so the answer completes it).
//! When a step's intent ends, the hook of that transition advances the parent in the same transaction
//! (on_success / on_failure, retries), so a crash never leaves a finished step without its successor.
//!
//! Workflow state is read from and written back to the store around every call that may run hooks,
//! because those hooks read it too.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::hooks::Followup;
use super::intent_ops::{self, SERVER_ACTOR};
use super::intents;
use super::scenarios::{load_state, plan_of, principal_of, save_state, MAX_RUNS};
use super::{humans, task_timers, tasks};
use crate::domain::clock;
use crate::domain::scenarios::{Plan, Step, StepKind};
use crate::domain::status::Status;
use crate::domain::validate::NewIntent;
use crate::error::ApiError;

/// Records a step boundary on the parent: a new status (IN_PROGRESS, or WAITING for a human) and
/// who the workflow now waits on.
fn mark_parent(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    engine: &str,
    details: Value,
    pending_with: Value,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let waits_for_human = pending_with["type"] == "human";
    let status = if waits_for_human {
        Status::Waiting
    } else {
        Status::InProgress
    };
    let (_, _, moved) =
        intent_ops::move_to(conn, org_id, parent, status, engine, details, |doc| {
            if waits_for_human {
                doc.insert("waiting_reason".into(), json!("WAITING_FOR_HUMAN"));
            }
            doc.insert("pending_with".into(), pending_with);
        })?;
    followup.absorb(moved);
    Ok(())
}

/// The sub-intent of an agent or approval step.
fn sub_intent(
    plan: &Plan,
    step: &Step,
    parent: &str,
    parent_doc: &Map<String, Value>,
    unit_us: i64,
) -> NewIntent {
    let engine = &plan.intent.to_agent;
    let to_agent = match &step.kind {
        StepKind::Agent { to_agent } => to_agent.clone(),
        _ => engine.clone(),
    };
    NewIntent {
        intent_type: plan.intent.intent_type.clone(),
        correlation_id: parent_doc
            .get("correlation_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        to_agent,
        from_agent: Some(engine.clone()),
        reply_to: None,
        payload: json!({
            "scenario_id": plan.scenario_id, "step_id": step.step_id, "parent_intent_id": parent,
            "input": step.input, "parent_payload": plan.intent.payload,
        }),
        deadline_us: step.deadline_seconds.map(|s| clock::now_us() + s * unit_us),
        remind_after_seconds: step.remind_after_seconds,
        remind_interval_seconds: step.remind_interval_seconds,
        max_reminders: step.max_reminders,
        escalate_to: step.escalate_to.clone(),
        max_delivery_attempts: plan.intent.max_delivery_attempts,
        human_task: None,
    }
}

/// Starts step `index`: its sub-intent (or, for a notification, the step is done at once).
/// A delayed retry's timer fired: runs the step again unless the workflow has moved on meanwhile.
pub(super) fn retry_step(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    if state["finished"] == json!(true) || !state["current"].is_null() {
        return Ok(());
    }
    start_step(conn, org_id, parent, index, followup)
}

pub(super) fn start_step(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(mut state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    let plan = plan_of(&state)?;
    let step = plan.steps[index].clone();
    let runs = state["runs"][&step.step_id].as_i64().unwrap_or_default() + 1;
    if runs > MAX_RUNS {
        let message = format!("step {} would run more than {MAX_RUNS} times", step.step_id);
        let error = json!({"code": "workflow_loop", "message": message, "step_id": step.step_id});
        return finish(conn, org_id, parent, Some(error), followup);
    }
    state["runs"][&step.step_id] = json!(runs);
    let engine = plan.intent.to_agent.clone();
    if step.kind == StepKind::Notify {
        state["results"][&step.step_id] =
            json!({"status": "COMPLETED", "notification": step.input});
        save_state(conn, org_id, parent, &state)?;
        let details = json!({"step_id": step.step_id, "kind": "notify", "outcome": "completed", "notification": step.input});
        let internal = json!({"type": "internal", "ref": "axme-server", "name": "workflow"});
        mark_parent(conn, org_id, parent, &engine, details, internal, followup)?;
        return next(conn, org_id, parent, index, true, followup);
    }
    if let StepKind::Timer {
        runtime_type,
        seconds,
        target,
    } = &step.kind
    {
        // The server does this step itself, when a durable timer of the parent fires.
        let due_us = clock::now_us() + seconds * humans::timer_unit_us(conn)?;
        state["current"] = json!({"step_id": step.step_id, "timer_due_us": due_us});
        save_state(conn, org_id, parent, &state)?;
        task_timers::arm_step_timer(conn, org_id, parent, index, due_us, followup)?;
        let details = json!({"step_id": step.step_id, "kind": runtime_type, "attempt": runs,
            "wait_seconds": seconds, "due_at": clock::format_us(due_us), "target": target});
        let internal = json!({"type": "internal", "ref": "axme-server", "name": "workflow"});
        return mark_parent(conn, org_id, parent, &engine, details, internal, followup);
    }
    let parent_doc = intents::load(conn, org_id, parent)?;
    let new = sub_intent(
        &plan,
        &step,
        parent,
        &parent_doc,
        humans::timer_unit_us(conn)?,
    );
    let (body, effects) = intents::create(conn, &principal_of(&state["owner"]), &new)?;
    followup.absorb_effects(effects);
    let sub = body["intent_id"].as_str().unwrap_or_default().to_string();
    conn.prepare_cached(
        "INSERT INTO workflow_steps (step_intent_id, org_id, parent_intent_id, step_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![sub, org_id, parent, step.step_id])?;
    state["current"] = json!({"step_id": step.step_id, "intent_id": sub});
    save_state(conn, org_id, parent, &state)?;
    let mut details = json!({"step_id": step.step_id, "step_intent_id": sub, "kind": step.kind_name(), "attempt": runs});
    let pending_with = match &step.kind {
        StepKind::Approval { human_task } => {
            tasks::open(conn, org_id, &sub, human_task, &engine, followup)?;
            details["assignees"] = human_task.get("assignees").cloned().unwrap_or(json!([]));
            let holder = human_task["assignees"][0].as_str().unwrap_or("*");
            json!({"type": "human", "ref": holder, "name": human_task["title"]})
        }
        _ => {
            let sub_doc = intents::load(conn, org_id, &sub)?;
            task_timers::schedule(conn, org_id, &sub, &sub_doc, followup)?;
            details["to_agent"] = json!(new.to_agent);
            json!({"type": "agent", "ref": new.to_agent, "name": step.step_id})
        }
    };
    mark_parent(
        conn,
        org_id,
        parent,
        &engine,
        details,
        pending_with,
        followup,
    )
}

/// The timer of step `index` (a delay, timeout, reminder or escalation step) fired: the step ends,
/// unless the workflow has moved on meanwhile, and the workflow goes on.
pub(super) fn timer_step_fired(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(mut state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    let plan = plan_of(&state)?;
    let Some(step) = plan.steps.get(index).cloned() else {
        return Ok(());
    };
    let StepKind::Timer {
        runtime_type,
        seconds,
        target,
    } = &step.kind
    else {
        return Ok(());
    };
    if state["finished"] == json!(true)
        || state["current"]["step_id"] != json!(step.step_id)
        || state["current"]["timer_due_us"].is_null()
    {
        return Ok(());
    }
    let success = runtime_type != "timeout";
    let status = if success { "COMPLETED" } else { "FAILED" };
    let mut outcome = json!({"step_id": step.step_id, "status": status, "kind": runtime_type});
    match runtime_type.as_str() {
        "reminder" => outcome["reminded"] = json!(target),
        "escalation" => outcome["escalated_to"] = json!(target),
        "timeout" => {
            outcome["error"] = json!({"code": "step_timed_out",
                "message": format!("step {} timed out after {seconds} s", step.step_id)});
        }
        _ => {}
    }
    state["results"][&step.step_id] = outcome.clone();
    state["current"] = Value::Null;
    if !success && state["failed"].is_null() {
        let mut failure = outcome.clone();
        failure["code"] = json!("workflow_step_failed");
        failure["message"] = json!(format!(
            "step {} ended FAILED (step_timed_out)",
            step.step_id
        ));
        state.insert("failed".into(), failure);
    }
    save_state(conn, org_id, parent, &state)?;
    let mut details = outcome;
    details["outcome"] = json!(status.to_ascii_lowercase());
    let internal = json!({"type": "internal", "ref": "axme-server", "name": "workflow"});
    let engine = plan.intent.to_agent.clone();
    mark_parent(conn, org_id, parent, &engine, details, internal, followup)?;
    next(conn, org_id, parent, index, success, followup)
}

/// Goes on after step `index` succeeded or failed: `on_success` / `on_failure`, else the next step in
/// order (only while nothing has failed), else the end.
fn next(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    success: bool,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    let plan = plan_of(&state)?;
    let step = &plan.steps[index];
    let failed = !state["failed"].is_null();
    let target = match (success, &step.on_success, &step.on_failure) {
        (true, Some(t), _) | (false, _, Some(t)) => plan.step_index(t),
        (true, None, _) if !failed && index + 1 < plan.steps.len() => Some(index + 1),
        _ => None,
    };
    match target {
        Some(i) => start_step(conn, org_id, parent, i, followup),
        None => {
            let error = state.get("failed").filter(|f| !f.is_null()).cloned();
            finish(conn, org_id, parent, error, followup)
        }
    }
}

/// Ends the parent: COMPLETED with every step's result, or FAILED with the failing step's context.
fn finish(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    error: Option<Value>,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(mut state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    state.insert("finished".into(), json!(true));
    save_state(conn, org_id, parent, &state)?;
    let plan = plan_of(&state)?;
    let results = state.get("results").cloned().unwrap_or(json!({}));
    let (next, details, field, value) = match error {
        None => {
            let result = json!({"scenario_id": plan.scenario_id, "steps": results});
            (
                Status::Completed,
                json!({"result": result}),
                "result",
                result,
            )
        }
        Some(failure) => {
            let error = json!({"code": failure.get("code").cloned().unwrap_or(json!("workflow_step_failed")),
                "message": failure.get("message").cloned().unwrap_or(json!("a workflow step failed")),
                "failed_step": failure.get("step_id"), "step_intent_id": failure.get("step_intent_id"),
                "step_status": failure.get("status"), "step_error": failure.get("error"), "steps": results});
            (Status::Failed, json!({"error": error}), "error", error)
        }
    };
    let moved = intent_ops::move_to(
        conn,
        org_id,
        parent,
        next,
        &plan.intent.to_agent,
        details,
        |doc| {
            doc.insert(field.into(), value);
        },
    )?;
    followup.absorb(moved.2);
    Ok(())
}

/// Hook: an intent ended. A step's end advances its workflow; a workflow's own end (canceled, timed
/// out) cancels the step it was waiting on.
pub fn after_terminal(
    conn: &Connection,
    org_id: &str,
    doc: &Map<String, Value>,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let intent_id = doc
        .get("intent_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let step: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT parent_intent_id, step_id FROM workflow_steps WHERE step_intent_id = ?1",
        )?
        .query_row([intent_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((parent, step_id)) = step {
        return step_finished(conn, org_id, &parent, &step_id, doc, followup);
    }
    let Some(mut state) = load_state(conn, org_id, intent_id)? else {
        return Ok(());
    };
    if state["finished"] == json!(true) {
        return Ok(());
    }
    state.insert("finished".into(), json!(true));
    save_state(conn, org_id, intent_id, &state)?;
    if let Some(current) = state["current"]["intent_id"].as_str() {
        let status = doc
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let details = json!({"reason": format!("the workflow ended {status}")});
        match intent_ops::move_to(
            conn,
            org_id,
            current,
            Status::Canceled,
            SERVER_ACTOR,
            details,
            |_| {},
        ) {
            Ok(moved) => followup.absorb(moved.2),
            Err(e) if e.status == 409 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn step_finished(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    step_id: &str,
    doc: &Map<String, Value>,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let Some(mut state) = load_state(conn, org_id, parent)? else {
        return Ok(());
    };
    let intent_id = doc.get("intent_id").cloned().unwrap_or(Value::Null);
    if state["finished"] == json!(true) || state["current"]["intent_id"] != intent_id {
        return Ok(());
    }
    let plan = plan_of(&state)?;
    let Some(index) = plan.step_index(step_id) else {
        return Ok(());
    };
    let status = doc
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let success = status == "COMPLETED";
    let mut outcome = json!({"step_id": step_id, "step_intent_id": intent_id, "status": status});
    for key in ["result", "error"] {
        if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
            outcome[key] = v.clone();
        }
    }
    state["results"][step_id] = outcome.clone();
    state["current"] = Value::Null;
    let retry =
        !success && state["runs"][step_id].as_i64().unwrap_or(1) <= plan.steps[index].max_retries;
    // A retry after `retry_delay_seconds` waits on a durable timer of the parent (task_timers.rs).
    let delay = plan.steps[index].retry_delay_seconds;
    let retry_due_us = if retry && delay > 0 {
        Some(clock::now_us() + delay * humans::timer_unit_us(conn)?)
    } else {
        None
    };
    if !success && !retry && state["failed"].is_null() {
        let code = doc.get("error").and_then(|e| e.get("code")).cloned();
        let mut failure = outcome.clone();
        failure["code"] = json!("workflow_step_failed");
        failure["message"] = json!(format!(
            "step {step_id} ended {status}{}",
            code.and_then(|c| c.as_str().map(|c| format!(" ({c})")))
                .unwrap_or_default()
        ));
        state.insert("failed".into(), failure);
    }
    save_state(conn, org_id, parent, &state)?;
    let mut details = outcome;
    details["outcome"] = json!(status.to_ascii_lowercase());
    details["retrying"] = json!(retry);
    if let Some(due) = retry_due_us {
        details["retry_at"] = json!(clock::format_us(due));
    }
    let engine = plan.intent.to_agent.clone();
    let moved = intent_ops::move_to(
        conn,
        org_id,
        parent,
        Status::InProgress,
        &engine,
        details,
        |doc| {
            doc.insert(
                "pending_with".into(),
                json!({"type": "internal", "ref": "axme-server", "name": "workflow"}),
            );
        },
    )?;
    followup.absorb(moved.2);
    if let Some(due) = retry_due_us {
        task_timers::arm_step_retry(conn, org_id, parent, index, due, followup)?;
        Ok(())
    } else if retry {
        start_step(conn, org_id, parent, index, followup)
    } else {
        next(conn, org_id, parent, index, success, followup)
    }
}
