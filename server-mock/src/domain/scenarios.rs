//! ScenarioBundle (wire facts §2.7), free of I/O: every problem of a bundle with the path of the field
//! (`workflow.steps[1].on_success`), and the plan a valid bundle compiles to. The store runs the plan
//! (store/sqlite/scenarios.rs); spec/lifecycle.md §9 describes what a caller sees.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scenario_checks::Checker;
use super::scenario_steps::Roles;
use super::tasks::WORKFLOW_PREFIX;
use super::validate::is_intent_type;

pub use super::scenario_checks::BundleError;

/// One agent role of the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentRole {
    pub role: String,
    pub address: String,
    pub display_name: Option<String>,
    /// Absent agents are added to the registry (default); `false` makes an unknown agent an error.
    #[serde(default = "yes")]
    pub create_if_missing: bool,
}

fn yes() -> bool {
    true
}

/// One human role: `contact` is an e-mail address or a user name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HumanRole {
    pub role: String,
    pub contact: String,
    pub display_name: Option<String>,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// A sub-intent addressed to an agent (`tool.agent.task.v1`).
    Agent { to_agent: String },
    /// A sub-intent carrying a human task (`tool.approval.human_signoff`).
    Approval { human_task: Value },
    /// Recorded on the parent and done at once (`tool.notification.notify_owner`).
    Notify,
    /// Done by the server after `seconds` on a durable timer of the parent (`runtime_type` delay,
    /// timeout, reminder or escalation): a delay and a reminder or escalation (recorded on the
    /// parent, naming `target`) then succeed; a timeout then fails.
    Timer {
        runtime_type: String,
        seconds: i64,
        target: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub step_id: String,
    #[serde(flatten)]
    pub kind: StepKind,
    pub input: Value,
    pub deadline_seconds: Option<i64>,
    pub remind_after_seconds: Option<i64>,
    pub remind_interval_seconds: Option<i64>,
    pub max_reminders: Option<i64>,
    pub escalate_to: Option<String>,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    pub max_retries: i64,
    /// Seconds between a failed run and the next (`retry.retry_delay_seconds`; 0: at once).
    /// Plans stored before it existed read as 0.
    #[serde(default)]
    pub retry_delay_seconds: i64,
}

impl Step {
    /// `agent`, `approval`, `notify`, or the runtime type of a timer step.
    pub fn kind_name(&self) -> &str {
        match &self.kind {
            StepKind::Agent { .. } => "agent",
            StepKind::Approval { .. } => "approval",
            StepKind::Notify => "notify",
            StepKind::Timer { runtime_type, .. } => runtime_type,
        }
    }
}

/// The intent a bundle starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanIntent {
    pub intent_type: String,
    pub to_agent: String,
    pub payload: Value,
    pub deadline_us: Option<i64>,
    pub reply_to: Option<String>,
    pub remind_after_seconds: Option<i64>,
    pub remind_interval_seconds: Option<i64>,
    pub max_reminders: Option<i64>,
    pub escalate_to: Option<String>,
    pub max_delivery_attempts: i64,
    pub human_task: Option<Value>,
}

/// A compiled bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub scenario_id: String,
    pub idempotency_key: Option<String>,
    pub agents: Vec<AgentRole>,
    pub humans: Vec<HumanRole>,
    pub intent: PlanIntent,
    pub steps: Vec<Step>,
    pub entry: usize,
}

impl Plan {
    pub fn step_index(&self, step_id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.step_id == step_id)
    }
}

const TOOLS: [&str; 3] = [
    "tool.agent.task.v1",
    "tool.approval.human_signoff",
    "tool.notification.notify_owner",
];

/// The version-less intent types bundles allow become `<type>.v1` (and `scenario.<type>.v1` when a
/// single name would not make a valid type).
pub fn intent_type(raw: &str) -> Option<String> {
    [
        raw.to_string(),
        format!("{raw}.v1"),
        format!("scenario.{raw}.v1"),
    ]
    .into_iter()
    .find(|t| is_intent_type(t))
}

/// Checks a bundle; `Ok` holds the plan, `Err` every problem found.
pub fn compile(bundle: &Value) -> Result<Plan, Vec<BundleError>> {
    let mut c = Checker::default();
    let Some(top) = c.object(bundle, "") else {
        return Err(c.errors);
    };
    let scenario_id = c.scenario_id(top);
    c.opt_text(top, "description", "description", 10_000);
    let idempotency_key = c.opt_text(top, "idempotency_key", "idempotency_key", 255);
    let agents = c.agents(top);
    let humans = c.humans(top);
    let workflow = top.get("workflow").cloned().unwrap_or(Value::Null);
    let empty = Map::new();
    let wf = match &workflow {
        Value::Null => &empty,
        other => c.object(other, "workflow").unwrap_or(&empty),
    };
    if wf.get("macro_id").is_some_and(|m| !m.is_null()) {
        c.error(
            "workflow.macro_id",
            "unsupported",
            "workflow macros are not served by axme-server; list the steps in `workflow.steps`",
        );
    }
    let roles = Roles {
        agents: &agents,
        humans: &humans,
        scenario: scenario_id.as_deref().unwrap_or("scenario"),
    };
    let steps = c.steps(wf, &roles);
    let entry = match wf.get("entry_step").and_then(Value::as_str) {
        None => 0,
        Some(id) => steps
            .iter()
            .position(|s| s.step_id == id)
            .unwrap_or_else(|| {
                c.error(
                    "workflow.entry_step",
                    "unknown_step",
                    &format!("`workflow.entry_step` {id:?} names no step"),
                );
                0
            }),
    };
    for (i, step) in steps.iter().enumerate() {
        for (name, target) in [
            ("on_success", &step.on_success),
            ("on_failure", &step.on_failure),
        ] {
            if let Some(t) = target
                .as_deref()
                .filter(|t| !steps.iter().any(|s| s.step_id == *t))
            {
                c.error(
                    &format!("workflow.steps[{i}].{name}"),
                    "unknown_step",
                    &format!("`{name}` {t:?} names no step of this workflow"),
                );
            }
        }
    }
    let scenario = scenario_id.clone().unwrap_or_default();
    let to_agent = if steps.is_empty() {
        match agents.first() {
            Some(a) => a.address.clone(),
            None => {
                c.error(
                    "workflow.steps",
                    "validation_error",
                    "a bundle needs `workflow.steps`, or at least one agent to send its intent to",
                );
                String::new()
            }
        }
    } else {
        format!("{WORKFLOW_PREFIX}{scenario}")
    };
    let intent = c.intent(top, to_agent);
    if !steps.is_empty() && intent.as_ref().is_some_and(|i| i.human_task.is_some()) {
        c.error(
            "intent.human_task",
            "validation_error",
            "`intent.human_task` is for a bundle without workflow steps; give the approval as a step",
        );
    }
    match (scenario_id, intent) {
        (Some(scenario_id), Some(intent)) if c.errors.is_empty() => Ok(Plan {
            scenario_id,
            idempotency_key,
            agents,
            humans,
            intent,
            steps,
            entry,
        }),
        _ => Err(c.errors),
    }
}

/// Tools the bundle may name, for messages.
pub fn tools() -> String {
    TOOLS.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> Value {
        json!({
            "scenario_id": "shop.order",
            "agents": [
                {"role": "inventory", "address": "agent://shop/inventory"},
                {"role": "payment", "address": "shop/payment"}
            ],
            "humans": [{"role": "manager", "contact": "boss@shop.io"}],
            "workflow": {"steps": [
                {"step_id": "reserve", "tool_id": "tool.agent.task.v1", "assigned_to": "inventory"},
                {"step_id": "approve", "tool_id": "tool.approval.human_signoff", "assigned_to": "manager"},
                {"step_id": "charge", "assigned_to": "payment", "on_failure": "release", "step_deadline_seconds": 60},
                {"step_id": "release", "assigned_to": "inventory"}
            ]},
            "intent": {"type": "shop.order", "payload": {"order": 7}}
        })
    }

    #[test]
    fn a_valid_bundle_compiles_to_a_plan() {
        let plan = compile(&bundle()).expect("valid");
        assert_eq!(plan.intent.intent_type, "shop.order.v1");
        assert_eq!(plan.intent.to_agent, "agent://axme.workflow/shop.order");
        assert_eq!(plan.steps.len(), 4);
        assert_eq!(
            plan.steps[0].kind,
            StepKind::Agent {
                to_agent: "agent://shop/inventory".into()
            }
        );
        let StepKind::Approval { human_task } = &plan.steps[1].kind else {
            panic!("approval step");
        };
        assert_eq!(human_task["assignees"], json!(["boss@shop.io"]));
        assert_eq!(
            plan.steps[2].kind,
            StepKind::Agent {
                to_agent: "agent://shop/payment".into()
            }
        );
        assert_eq!(plan.steps[2].deadline_seconds, Some(60));
        let round: Plan = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
        assert_eq!(round, plan);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut b = bundle();
        b["scenario_id"] = json!("Bad Id");
        b["agents"][1]["address"] = json!("a b");
        b["workflow"]["steps"][0]["on_success"] = json!("nowhere");
        b["workflow"]["steps"][1]["tool_id"] = json!("tool.unknown");
        b["workflow"]["steps"][3]["step_id"] = json!("reserve");
        b["intent"]["type"] = json!("NOT A TYPE");
        let errors = compile(&b).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for expected in [
            "scenario_id",
            "agents[1].address",
            "workflow.steps[0].on_success",
            "workflow.steps[1].tool_id",
            "workflow.steps[3].step_id",
            "intent.type",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
        assert_eq!(compile(&json!([])).unwrap_err()[0].path, "");
        let no_target =
            compile(&json!({"scenario_id": "x", "intent": {"type": "a.b"}})).unwrap_err();
        assert_eq!(no_target[0].path, "workflow.steps");
    }
}
