//! What follows a transition, in the transaction that made it: an open human task ends when its intent
//! stops waiting for a human, timers of a finished task or intent are dropped, a terminal intent is
//! delivered to its `reply_to` inbox, and a workflow hears that one of its steps (or itself) ended.

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::intent_ops;
use super::intents::Effects;
use super::{inbox, task_timers, tasks, workflow};
use crate::domain::status::Status;
use crate::error::ApiError;

/// What a transition's follow-ups produced.
#[derive(Debug, Default)]
pub struct Followup {
    /// For terminal transitions: the `completion_delivery` of the answer.
    pub completion_delivery: Option<Value>,
    pub effects: Effects,
}

impl Followup {
    pub fn absorb(&mut self, other: Followup) {
        self.effects.topics.extend(other.effects.topics);
        self.effects.deadline_added |= other.effects.deadline_added;
        if self.completion_delivery.is_none() {
            self.completion_delivery = other.completion_delivery;
        }
    }

    pub fn absorb_effects(&mut self, effects: Effects) {
        self.effects.topics.extend(effects.topics);
        self.effects.deadline_added |= effects.deadline_added;
    }
}

fn waits_for_human(doc: &Map<String, Value>) -> bool {
    doc.get("waiting_reason").and_then(Value::as_str) == Some("WAITING_FOR_HUMAN")
}

/// Runs after an intent moved from `previous` to `next` (`doc` is its saved projection).
/// `approved_by` is set for `approve_current_step`, which answers an open task with `approved`.
pub fn after_transition(
    conn: &Connection,
    org_id: &str,
    doc: &Map<String, Value>,
    previous: Status,
    next: Status,
    approved_by: Option<&str>,
) -> Result<Followup, ApiError> {
    let mut followup = Followup::default();
    let intent_id = doc
        .get("intent_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let still_waiting = next == Status::Waiting && waits_for_human(doc);
    if previous == Status::Waiting && !still_waiting && tasks::is_open(conn, intent_id)? {
        if let Some(by) = approved_by {
            let answer = json!({"outcome": "approved", "via": "approve_current_step"});
            tasks::close(conn, intent_id, "answered", Some(by), Some(&answer))?;
            let agent = doc
                .get("to_agent")
                .and_then(Value::as_str)
                .unwrap_or_default();
            followup
                .effects
                .topics
                .push(intent_ops::enqueue(conn, org_id, agent, intent_id)?);
        } else {
            tasks::close(conn, intent_id, "closed", None, None)?;
        }
        task_timers::clear(conn, intent_id)?;
    }
    if next.is_terminal() {
        task_timers::clear(conn, intent_id)?;
        followup.completion_delivery = Some(inbox::deliver_completion(conn, org_id, doc)?);
        workflow::after_terminal(conn, org_id, doc, &mut followup)?;
    }
    Ok(followup)
}
