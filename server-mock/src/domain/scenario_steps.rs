//! The workflow steps of a ScenarioBundle: what each step does (agent task, human approval,
//! notification), whom it goes to, and its links, deadline, reminders and retries.

use serde_json::{json, Map, Value};

use super::address;
use super::scenario_checks::{is_id, join, Checker, RUNTIME_TYPES};
use super::scenarios::{tools, AgentRole, HumanRole, Step, StepKind};
use super::tasks::normalize_spec;
use super::validate::kind;

/// Longest schedule a step may ask for, in seconds (a year).
const YEAR: i64 = 31_536_000;
/// The longest wait between a failed step and its retry.
const DAY: i64 = 86_400;
/// Runtime types the server carries out itself on a durable timer.
const TIMER_TYPES: [&str; 4] = ["delay", "timeout", "reminder", "escalation"];
/// The wait before a retry when `retry` gives none (the upstream schema's default).
const DEFAULT_RETRY_DELAY_SECONDS: i64 = 30;

/// The roles a step may name in `assigned_to`.
pub struct Roles<'a> {
    pub agents: &'a [AgentRole],
    pub humans: &'a [HumanRole],
    pub scenario: &'a str,
}

impl Checker {
    pub fn steps(&mut self, wf: &Map<String, Value>, roles: &Roles<'_>) -> Vec<Step> {
        let mut out: Vec<Step> = Vec::new();
        for (raw_path, obj) in self.list(wf, "steps") {
            let path = format!("workflow.{raw_path}");
            let step = self.step(&path, obj, roles);
            if out.iter().any(|s| s.step_id == step.step_id) && is_id(&step.step_id) {
                let message = format!("step_id {:?} is used twice", step.step_id);
                self.error(&join(&path, "step_id"), "duplicate_step", &message);
            }
            out.push(step);
        }
        out
    }

    fn int_at(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        key: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        self.opt_int(obj, key, &join(path, key), min, max)
    }

    fn step(&mut self, path: &str, obj: &Map<String, Value>, roles: &Roles<'_>) -> Step {
        let step_id = obj
            .get("step_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !is_id(&step_id) {
            let message = "`step_id` is required: 1-64 lower-case letters, digits, '_', '.', '-'";
            self.error(&join(path, "step_id"), "validation_error", message);
        }
        let step_kind = self.step_kind(path, obj, &step_id, roles);
        let input = match obj.get("input") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                let message = format!("`input` must be an object, got {}", kind(other));
                self.error(&join(path, "input"), "validation_error", &message);
                json!({})
            }
        };
        let (max_retries, retry_delay_seconds) = match obj.get("retry") {
            None | Some(Value::Null) => (0, 0),
            Some(Value::Object(retry)) => (
                self.opt_int(
                    retry,
                    "max_retries",
                    &join(path, "retry.max_retries"),
                    0,
                    10,
                )
                .unwrap_or(0),
                self.opt_int(
                    retry,
                    "retry_delay_seconds",
                    &join(path, "retry.retry_delay_seconds"),
                    0,
                    DAY,
                )
                .unwrap_or(DEFAULT_RETRY_DELAY_SECONDS),
            ),
            Some(other) => {
                let message = format!("`retry` must be an object, got {}", kind(other));
                self.error(&join(path, "retry"), "validation_error", &message);
                (0, 0)
            }
        };
        Step {
            step_id,
            kind: step_kind,
            input,
            deadline_seconds: self.int_at(obj, path, "step_deadline_seconds", 1, YEAR),
            remind_after_seconds: self.int_at(obj, path, "remind_after_seconds", 1, YEAR),
            remind_interval_seconds: self.int_at(obj, path, "remind_interval_seconds", 1, YEAR),
            max_reminders: self.int_at(obj, path, "max_reminders", 0, 1000),
            escalate_to: self.opt_address(obj, "escalate_to", &join(path, "escalate_to")),
            on_success: self.opt_text(obj, "on_success", &join(path, "on_success"), 64),
            on_failure: self.opt_text(obj, "on_failure", &join(path, "on_failure"), 64),
            max_retries,
            retry_delay_seconds,
        }
    }

    /// A step is a notification, an approval (a human signs off) or, by default, an agent task.
    fn step_kind(
        &mut self,
        path: &str,
        obj: &Map<String, Value>,
        step_id: &str,
        roles: &Roles<'_>,
    ) -> StepKind {
        let tool = self.opt_text(obj, "tool_id", &join(path, "tool_id"), 128);
        let runtime = self.opt_text(obj, "runtime_type", &join(path, "runtime_type"), 64);
        let assigned = self.opt_text(obj, "assigned_to", &join(path, "assigned_to"), 383);
        if let Some(t) = tool
            .as_deref()
            .filter(|t| !tools().split(", ").any(|k| k == *t))
        {
            let message = format!("tool {t:?} is not served; accepted: {}", tools());
            self.error(&join(path, "tool_id"), "unknown_tool", &message);
        }
        if let Some(r) = runtime.as_deref() {
            if !RUNTIME_TYPES.contains(&r) {
                let message = format!("`runtime_type` must be one of {}", RUNTIME_TYPES.join(", "));
                self.error(&join(path, "runtime_type"), "validation_error", &message);
            } else if TIMER_TYPES.contains(&r) {
                return self.timer_step(path, obj, r, assigned.as_deref(), roles);
            }
        }
        let notify = tool.as_deref() == Some("tool.notification.notify_owner")
            || runtime.as_deref() == Some("notification");
        let approval = tool.as_deref() == Some("tool.approval.human_signoff")
            || runtime.as_deref() == Some("human_approval")
            || obj.contains_key("human_task")
            || (tool.is_none() && obj.get("requires_approval") == Some(&Value::Bool(true)));
        if notify {
            StepKind::Notify
        } else if approval {
            let human_task = self.approval_task(path, obj, step_id, assigned.as_deref(), roles);
            StepKind::Approval { human_task }
        } else {
            let to_agent = self.agent_target(path, assigned.as_deref(), roles);
            StepKind::Agent { to_agent }
        }
    }

    /// A step the server does itself after `wait_seconds`: delay, timeout, reminder (of whom
    /// `assigned_to` names) or escalation (to `escalate_to`).
    fn timer_step(
        &mut self,
        path: &str,
        obj: &Map<String, Value>,
        runtime: &str,
        assigned: Option<&str>,
        roles: &Roles<'_>,
    ) -> StepKind {
        let field = join(path, "wait_seconds");
        let seconds = self.opt_int(obj, "wait_seconds", &field, 1, YEAR);
        if seconds.is_none() && !obj.contains_key("wait_seconds") {
            let message = format!("a {runtime} step needs `wait_seconds`: 1 to {YEAR}");
            self.error(&field, "validation_error", &message);
        }
        let target = match runtime {
            "reminder" => assigned.map(|who| {
                roles
                    .agents
                    .iter()
                    .find(|a| a.role == who)
                    .map(|a| a.address.clone())
                    .or_else(|| {
                        roles
                            .humans
                            .iter()
                            .find(|h| h.role == who)
                            .map(|h| h.contact.clone())
                    })
                    .unwrap_or_else(|| who.to_string())
            }),
            "escalation" => {
                let to = self.opt_address(obj, "escalate_to", &join(path, "escalate_to"));
                if to.is_none() && !obj.contains_key("escalate_to") {
                    let message =
                        "an escalation step needs `escalate_to`: the agent address it escalates to";
                    self.error(&join(path, "escalate_to"), "validation_error", message);
                }
                to
            }
            _ => None,
        };
        StepKind::Timer {
            runtime_type: runtime.to_string(),
            seconds: seconds.unwrap_or(1),
            target,
        }
    }

    /// The human task of an approval step; its assignees default to whom `assigned_to` names.
    fn approval_task(
        &mut self,
        path: &str,
        obj: &Map<String, Value>,
        step_id: &str,
        assigned: Option<&str>,
        roles: &Roles<'_>,
    ) -> Value {
        let default = json!({"title": format!("Approve step {step_id} of {}", roles.scenario), "task_type": "approval"});
        let raw = obj
            .get("human_task")
            .filter(|t| !t.is_null())
            .cloned()
            .unwrap_or(default);
        let mut task = match normalize_spec(&raw, &join(path, "human_task")) {
            Ok(task) => task,
            Err(bad) => {
                self.error(&bad.field, bad.code, &bad.message);
                raw
            }
        };
        if let (None, Some(who)) = (task.get("assignees"), assigned) {
            let human = roles
                .humans
                .iter()
                .find(|h| h.role == who)
                .map(|h| h.contact.clone());
            let agent = roles
                .agents
                .iter()
                .find(|a| a.role == who)
                .map(|a| a.address.clone());
            task["assignees"] = json!([human.or(agent).unwrap_or_else(|| who.to_string())]);
        }
        task
    }

    /// The agent of an agent step: an agent role of the bundle, or an address.
    fn agent_target(&mut self, path: &str, assigned: Option<&str>, roles: &Roles<'_>) -> String {
        let field = join(path, "assigned_to");
        let Some(who) = assigned else {
            let message =
                "an agent step needs `assigned_to`: an agent role of the bundle or an address";
            self.error(&field, "assigned_to_required", message);
            return String::new();
        };
        if let Some(agent) = roles.agents.iter().find(|a| a.role == who) {
            return agent.address.clone();
        }
        address::normalize(who).unwrap_or_else(|why| {
            let message = format!("`assigned_to` {who:?} is neither an agent role of the bundle nor an address: {why}");
            self.error(&field, "unknown_role", &message);
            String::new()
        })
    }
}
