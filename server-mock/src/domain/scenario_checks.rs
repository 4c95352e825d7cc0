//! The field-by-field checks of a ScenarioBundle: each records a problem with its path and goes on,
//! so one dry run reports everything that is wrong.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::address;
use super::clock;
use super::scenarios::{intent_type, AgentRole, HumanRole, PlanIntent};
use super::tasks::normalize_spec;
use super::validate::kind;

/// One problem of a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BundleError {
    /// Where: `workflow.steps[2].assigned_to` (empty for the bundle itself).
    pub path: String,
    pub code: String,
    pub message: String,
}

pub(super) const RUNTIME_TYPES: [&str; 6] = [
    "human_approval",
    "timeout",
    "reminder",
    "delay",
    "escalation",
    "notification",
];
const DELIVERY_MODES: [&str; 5] = ["stream", "poll", "http", "inbox", "internal"];

pub(super) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

pub(super) fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

#[derive(Default, Debug)]
pub struct Checker {
    pub errors: Vec<BundleError>,
}

impl Checker {
    pub fn error(&mut self, path: &str, code: &str, message: &str) {
        self.errors.push(BundleError {
            path: path.to_string(),
            code: code.to_string(),
            message: message.to_string(),
        });
    }

    pub fn object<'a>(&mut self, value: &'a Value, path: &str) -> Option<&'a Map<String, Value>> {
        let found = value.as_object();
        if found.is_none() {
            let what = if path.is_empty() { "the bundle" } else { path };
            self.error(
                path,
                "validation_error",
                &format!("{what} must be a JSON object, got {}", kind(value)),
            );
        }
        found
    }

    pub fn opt_text(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Some(s.clone()),
            Some(other) => {
                self.error(
                    path,
                    "validation_error",
                    &format!("`{path}` must be a string of 1 to {max} characters, got {other}"),
                );
                None
            }
        }
    }

    pub(super) fn opt_int(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some_and(|v| (min..=max).contains(&v)) => {
                n.as_i64()
            }
            Some(other) => {
                self.error(
                    path,
                    "validation_error",
                    &format!("`{path}` must be an integer from {min} to {max}, got {other}"),
                );
                None
            }
        }
    }

    pub(super) fn opt_address(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<String> {
        let raw = self.opt_text(obj, key, path, 383)?;
        match address::normalize(&raw) {
            Ok(a) => Some(a),
            Err(why) => {
                self.error(path, "invalid_agent_address", &format!("`{path}`: {why}"));
                None
            }
        }
    }

    pub(super) fn list<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
    ) -> Vec<(String, &'a Map<String, Value>)> {
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let path = format!("{key}[{i}]");
                    self.object(item, &path).map(|o| (path, o))
                })
                .collect(),
            Some(other) => {
                self.error(
                    key,
                    "validation_error",
                    &format!("`{key}` must be an array, got {}", kind(other)),
                );
                Vec::new()
            }
        }
    }

    fn role(&mut self, obj: &Map<String, Value>, path: &str, seen: &mut Vec<String>) -> String {
        let role = self
            .opt_text(obj, "role", &join(path, "role"), 64)
            .unwrap_or_default();
        if role.is_empty() {
            self.error(
                &join(path, "role"),
                "validation_error",
                "`role` is required",
            );
        } else if seen.contains(&role) {
            self.error(
                &join(path, "role"),
                "duplicate_role",
                &format!("role {role:?} is defined twice"),
            );
        }
        seen.push(role.clone());
        role
    }

    pub fn scenario_id(&mut self, top: &Map<String, Value>) -> Option<String> {
        match top.get("scenario_id").and_then(Value::as_str) {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 128
                    && id.split('.').all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    }) =>
            {
                Some(id.to_string())
            }
            other => {
                self.error("scenario_id", "validation_error", &format!("`scenario_id` is required: lower-case dotted names like \"deploy.approval\", got {}", other.map_or("nothing".into(), |s| format!("{s:?}"))));
                None
            }
        }
    }

    pub fn agents(&mut self, top: &Map<String, Value>) -> Vec<AgentRole> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (path, obj) in self.list(top, "agents") {
            let role = self.role(obj, &path, &mut seen);
            let address = self.opt_address(obj, "address", &join(&path, "address"));
            if !obj.contains_key("address") {
                self.error(
                    &join(&path, "address"),
                    "validation_error",
                    "`address` is required, e.g. \"agent://acme/prod/billing\" or a bare name",
                );
            }
            if let Some(mode) = obj.get("delivery_mode").filter(|m| !m.is_null()) {
                if !mode.as_str().is_some_and(|m| DELIVERY_MODES.contains(&m)) {
                    self.error(
                        &join(&path, "delivery_mode"),
                        "validation_error",
                        &format!(
                            "`delivery_mode` must be one of {}",
                            DELIVERY_MODES.join(", ")
                        ),
                    );
                }
            }
            let display_name =
                self.opt_text(obj, "display_name", &join(&path, "display_name"), 255);
            let create_if_missing = match obj.get("create_if_missing") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    let message =
                        format!("`create_if_missing` must be a boolean, got {}", kind(other));
                    self.error(
                        &join(&path, "create_if_missing"),
                        "validation_error",
                        &message,
                    );
                    true
                }
            };
            if let Some(address) = address {
                out.push(AgentRole {
                    role,
                    address,
                    display_name,
                    create_if_missing,
                });
            }
        }
        out
    }

    pub fn humans(&mut self, top: &Map<String, Value>) -> Vec<HumanRole> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (path, obj) in self.list(top, "humans") {
            let role = self.role(obj, &path, &mut seen);
            let contact = self.opt_text(obj, "contact", &join(&path, "contact"), 320);
            let display_name =
                self.opt_text(obj, "display_name", &join(&path, "display_name"), 255);
            match contact {
                Some(contact) => out.push(HumanRole {
                    role,
                    contact,
                    display_name,
                }),
                None => self.error(
                    &join(&path, "contact"),
                    "validation_error",
                    "`contact` is required: an e-mail address or a user name",
                ),
            }
        }
        out
    }

    pub fn intent(&mut self, top: &Map<String, Value>, to_agent: String) -> Option<PlanIntent> {
        let Some(obj) = top.get("intent").and_then(|i| self.object(i, "intent")) else {
            if !top.contains_key("intent") {
                self.error(
                    "intent",
                    "validation_error",
                    "`intent` is required: {\"type\": ..., \"payload\": {...}}",
                );
            }
            return None;
        };
        let raw_type = self
            .opt_text(obj, "type", "intent.type", 128)
            .unwrap_or_default();
        let intent_type = intent_type(&raw_type);
        if intent_type.is_none() {
            self.error("intent.type", "invalid_intent_type", &format!("`intent.type` {raw_type:?} is required: dotted lower-case names, e.g. \"deploy.approval\" (a version like .v1 is optional)"));
        }
        let payload = match obj.get("payload") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                self.error(
                    "intent.payload",
                    "validation_error",
                    &format!("`intent.payload` must be an object, got {}", kind(other)),
                );
                json!({})
            }
        };
        let deadline_us = self
            .opt_text(obj, "deadline_at", "intent.deadline_at", 64)
            .and_then(|t| {
                let parsed = clock::parse_rfc3339_us(&t);
                if parsed.is_none() {
                    self.error(
                        "intent.deadline_at",
                        "validation_error",
                        &format!("`intent.deadline_at` {t:?} is not an RFC 3339 timestamp"),
                    );
                }
                parsed
            });
        let human_task = obj
            .get("human_task")
            .filter(|t| !t.is_null())
            .and_then(|t| {
                normalize_spec(t, "intent.human_task")
                    .map_err(|bad| self.error(&bad.field, bad.code, &bad.message))
                    .ok()
            });
        Some(PlanIntent {
            intent_type: intent_type?,
            to_agent,
            payload,
            deadline_us,
            reply_to: self.opt_address(obj, "reply_to", "intent.reply_to"),
            remind_after_seconds: self.opt_int(
                obj,
                "remind_after_seconds",
                "intent.remind_after_seconds",
                1,
                31_536_000,
            ),
            remind_interval_seconds: self.opt_int(
                obj,
                "remind_interval_seconds",
                "intent.remind_interval_seconds",
                1,
                31_536_000,
            ),
            max_reminders: self.opt_int(obj, "max_reminders", "intent.max_reminders", 0, 1000),
            escalate_to: self.opt_address(obj, "escalate_to", "intent.escalate_to"),
            max_delivery_attempts: self
                .opt_int(
                    obj,
                    "max_delivery_attempts",
                    "intent.max_delivery_attempts",
                    1,
                    100,
                )
                .unwrap_or(3),
            human_task,
        })
    }
}
