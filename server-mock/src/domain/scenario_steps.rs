//! The workflow steps of a ScenarioBundle: what each step does (agent task, human approval,
//! notification), whom it goes to, and its links, deadline, reminders and retries.

use serde_json::{json, Map, Value};

use super::address;
use super::scenario_checks::{is_id, join, Checker, RUNTIME_TYPES};
use super::scenarios::{tools, AgentRole, HumanRole, Step, StepKind};
use super::tasks::normalize_spec;
use super::validate::kind;

impl Checker {
    pub fn steps(
        &mut self,
        wf: &Map<String, Value>,
        agents: &[AgentRole],
        humans: &[HumanRole],
        scenario: &str,
    ) -> Vec<Step> {
        let mut out: Vec<Step> = Vec::new();
        for (raw_path, obj) in self.list(wf, "steps") {
            let path = format!("workflow.{raw_path}");
            let step_id = obj
                .get("step_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !is_id(&step_id) {
                self.error(
                    &join(&path, "step_id"),
                    "validation_error",
                    "`step_id` is required: 1-64 lower-case letters, digits, '_', '.', '-'",
                );
            } else if out.iter().any(|s| s.step_id == step_id) {
                self.error(
                    &join(&path, "step_id"),
                    "duplicate_step",
                    &format!("step_id {step_id:?} is used twice"),
                );
            }
            let tool = self.opt_text(obj, "tool_id", &join(&path, "tool_id"), 128);
            let runtime = self.opt_text(obj, "runtime_type", &join(&path, "runtime_type"), 64);
            let assigned = self.opt_text(obj, "assigned_to", &join(&path, "assigned_to"), 383);
            if let Some(t) = tool
                .as_deref()
                .filter(|t| !tools().split(", ").any(|k| k == *t))
            {
                self.error(
                    &join(&path, "tool_id"),
                    "unknown_tool",
                    &format!("tool {t:?} is not served; accepted: {}", tools()),
                );
            }
            if let Some(r) = runtime.as_deref() {
                if !RUNTIME_TYPES.contains(&r) {
                    self.error(
                        &join(&path, "runtime_type"),
                        "validation_error",
                        &format!("`runtime_type` must be one of {}", RUNTIME_TYPES.join(", ")),
                    );
                } else if !matches!(r, "human_approval" | "notification") {
                    self.error(&join(&path, "runtime_type"), "unsupported", &format!("runtime_type {r:?} is not served by axme-server; use step_deadline_seconds and remind_* on the step instead"));
                }
            }
            let approval = tool.as_deref() == Some("tool.approval.human_signoff")
                || runtime.as_deref() == Some("human_approval")
                || obj.contains_key("human_task")
                || (tool.is_none() && obj.get("requires_approval") == Some(&Value::Bool(true)));
            let notify = tool.as_deref() == Some("tool.notification.notify_owner")
                || runtime.as_deref() == Some("notification");
            let step_kind = if notify {
                StepKind::Notify
            } else if approval {
                let default = json!({"title": format!("Approve step {step_id} of {scenario}"), "task_type": "approval"});
                let raw = obj
                    .get("human_task")
                    .filter(|t| !t.is_null())
                    .cloned()
                    .unwrap_or(default);
                let mut task = match normalize_spec(&raw, &join(&path, "human_task")) {
                    Ok(task) => task,
                    Err(bad) => {
                        self.error(&bad.field, bad.code, &bad.message);
                        raw
                    }
                };
                if task.get("assignees").is_none() {
                    if let Some(who) = &assigned {
                        let assignee = humans
                            .iter()
                            .find(|h| &h.role == who)
                            .map(|h| h.contact.clone())
                            .or_else(|| {
                                agents
                                    .iter()
                                    .find(|a| &a.role == who)
                                    .map(|a| a.address.clone())
                            })
                            .unwrap_or_else(|| who.clone());
                        task["assignees"] = json!([assignee]);
                    }
                }
                StepKind::Approval { human_task: task }
            } else {
                let to_agent = match assigned.as_deref() {
                    None => {
                        self.error(&join(&path, "assigned_to"), "validation_error", "an agent step needs `assigned_to`: an agent role of the bundle or an address");
                        String::new()
                    }
                    Some(who) => match agents.iter().find(|a| a.role == who) {
                        Some(a) => a.address.clone(),
                        None => address::normalize(who).unwrap_or_else(|why| {
                            self.error(&join(&path, "assigned_to"), "unknown_role", &format!("`assigned_to` {who:?} is neither an agent role of the bundle nor an address: {why}"));
                            String::new()
                        }),
                    },
                };
                StepKind::Agent { to_agent }
            };
            let input = match obj.get("input") {
                None | Some(Value::Null) => json!({}),
                Some(v @ Value::Object(_)) => v.clone(),
                Some(other) => {
                    self.error(
                        &join(&path, "input"),
                        "validation_error",
                        &format!("`input` must be an object, got {}", kind(other)),
                    );
                    json!({})
                }
            };
            let max_retries = match obj.get("retry") {
                None | Some(Value::Null) => 0,
                Some(Value::Object(retry)) => self
                    .opt_int(
                        retry,
                        "max_retries",
                        &join(&path, "retry.max_retries"),
                        0,
                        10,
                    )
                    .unwrap_or(0),
                Some(other) => {
                    self.error(
                        &join(&path, "retry"),
                        "validation_error",
                        &format!("`retry` must be an object, got {}", kind(other)),
                    );
                    0
                }
            };
            out.push(Step {
                step_id,
                kind: step_kind,
                input,
                deadline_seconds: self.opt_int(
                    obj,
                    "step_deadline_seconds",
                    &join(&path, "step_deadline_seconds"),
                    1,
                    31_536_000,
                ),
                remind_after_seconds: self.opt_int(
                    obj,
                    "remind_after_seconds",
                    &join(&path, "remind_after_seconds"),
                    1,
                    31_536_000,
                ),
                remind_interval_seconds: self.opt_int(
                    obj,
                    "remind_interval_seconds",
                    &join(&path, "remind_interval_seconds"),
                    1,
                    31_536_000,
                ),
                max_reminders: self.opt_int(
                    obj,
                    "max_reminders",
                    &join(&path, "max_reminders"),
                    0,
                    1000,
                ),
                escalate_to: self.opt_address(obj, "escalate_to", &join(&path, "escalate_to")),
                on_success: self.opt_text(obj, "on_success", &join(&path, "on_success"), 64),
                on_failure: self.opt_text(obj, "on_failure", &join(&path, "on_failure"), 64),
                max_retries,
            });
        }
        out
    }
}
