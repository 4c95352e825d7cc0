//! Fault rules: what they match (method, route template, attempt number) and what they do.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::sse::{Framing, LineEnd};

#[derive(Clone, Debug, PartialEq)]
pub enum RuleAction {
    /// Answer with this status, headers and body instead of serving the request.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// Wait, then serve normally.
    Delay(Duration),
    /// Close the connection without a response.
    Reset,
    /// Disturb the event stream this request opens.
    Sse(Framing),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub method: Option<String>,
    pub route: Option<String>,
    pub attempt: Option<u32>,
    pub action: RuleAction,
}

/// A canned answer: status, headers and body.
pub type CannedResponse = (u16, Vec<(String, String)>, Value);

/// What the matching rules of one request add up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub delay: Duration,
    pub reset: bool,
    pub respond: Option<CannedResponse>,
    pub sse: Option<Framing>,
}

/// Combines every rule matching this request: delays add up, the first respond or reset wins,
/// stream disturbances merge.
pub fn plan(rules: &[Rule], method: &str, route: &str, attempt: u32) -> Plan {
    let mut plan = Plan::default();
    let matching = rules.iter().filter(|r| {
        r.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && r.route.as_deref().is_none_or(|t| t == route)
            && r.attempt.is_none_or(|n| n == attempt)
    });
    for rule in matching {
        match &rule.action {
            RuleAction::Delay(d) => plan.delay += *d,
            RuleAction::Reset if plan.respond.is_none() => plan.reset = true,
            RuleAction::Respond {
                status,
                headers,
                body,
            } if !plan.reset && plan.respond.is_none() => {
                plan.respond = Some((*status, headers.clone(), body.clone()));
            }
            RuleAction::Sse(framing) => {
                let merged = plan.sse.get_or_insert_with(Framing::default);
                merge_framing(merged, framing);
            }
            _ => {}
        }
    }
    plan
}

fn merge_framing(into: &mut Framing, from: &Framing) {
    if from.line_end != LineEnd::Lf {
        into.line_end = from.line_end;
    }
    into.bom |= from.bom;
    into.comments |= from.comments;
    into.multiline_data |= from.multiline_data;
    into.bytewise |= from.bytewise;
    into.duplicate_events |= from.duplicate_events;
    if from.drop_after_events.is_some() {
        into.drop_after_events = from.drop_after_events;
    }
}

fn invalid(index: usize, message: impl Into<String>) -> ApiError {
    ApiError::new(
        422,
        "validation_error",
        format!("rules[{index}]: {}", message.into()),
    )
}

/// Parses `{"rules": [...]}` with messages that name the rule and field.
pub fn parse_rules(body: &Value) -> Result<Vec<Rule>, ApiError> {
    let rules = body.get("rules").and_then(Value::as_array).ok_or_else(|| {
        ApiError::new(
            422,
            "validation_error",
            "body must be {\"rules\": [rule, ...]} (see spec/faults.md)",
        )
    })?;
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| parse_rule(i, r))
        .collect()
}

fn parse_rule(index: usize, rule: &Value) -> Result<Rule, ApiError> {
    let empty = Map::new();
    let matcher = match rule.get("match") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid(index, "`match` must be an object")),
    };
    let text = |field: &str| -> Result<Option<String>, ApiError> {
        match matcher.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(index, format!("`match.{field}` must be a string"))),
        }
    };
    let attempt = match matcher.get("attempt") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
                .ok_or_else(|| {
                    invalid(
                        index,
                        "`match.attempt` must be a positive integer (1 = first request)",
                    )
                })? as u32,
        ),
    };
    let action = rule
        .get("action")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(index, "`action` is required and must be an object"))?;
    Ok(Rule {
        id: String::new(),
        method: text("method")?,
        route: text("route")?,
        attempt,
        action: parse_action(index, action)?,
    })
}

fn parse_action(index: usize, action: &Map<String, Value>) -> Result<RuleAction, ApiError> {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "respond" => {
            let status = action
                .get("status")
                .and_then(Value::as_u64)
                .filter(|s| (200..=599).contains(s))
                .ok_or_else(|| {
                    invalid(
                        index,
                        "`action.status` must be an HTTP status from 200 to 599",
                    )
                })? as u16;
            let headers = match action.get("headers") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(h)) => h
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k.clone(), s.clone())),
                        Value::Number(n) => Ok((k.clone(), n.to_string())),
                        _ => Err(invalid(
                            index,
                            format!("header {k:?} must be a string or number"),
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(invalid(index, "`action.headers` must be an object")),
            };
            Ok(RuleAction::Respond {
                status,
                headers,
                body: action.get("body").cloned().unwrap_or(Value::Null),
            })
        }
        "delay" => {
            let ms = action
                .get("ms")
                .and_then(Value::as_u64)
                .filter(|ms| *ms <= 120_000)
                .ok_or_else(|| invalid(index, "`action.ms` must be an integer from 0 to 120000"))?;
            Ok(RuleAction::Delay(Duration::from_millis(ms)))
        }
        "reset" => Ok(RuleAction::Reset),
        "sse" => {
            let mut framing = Framing::default();
            if let Some(n) = action.get("drop_after_events") {
                framing.drop_after_events = Some(n.as_u64().ok_or_else(|| {
                    invalid(index, "`drop_after_events` must be a non-negative integer")
                })?);
            }
            framing.duplicate_events = action
                .get("duplicate_events")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            match action.get("framing").and_then(Value::as_str) {
                None | Some("lf") => {}
                Some("crlf") => framing.line_end = LineEnd::CrLf,
                Some("cr") => framing.line_end = LineEnd::Cr,
                Some("bom") => framing.bom = true,
                Some("comments") => framing.comments = true,
                Some("multiline") => framing.multiline_data = true,
                Some("bytewise") => framing.bytewise = true,
                Some(other) => {
                    return Err(invalid(
                        index,
                        format!("`framing` {other:?} is not accepted; expected crlf, cr, bom, comments, multiline or bytewise"),
                    ))
                }
            }
            Ok(RuleAction::Sse(framing))
        }
        other => Err(invalid(
            index,
            format!(
                "`action.type` {other:?} is not accepted; expected respond, delay, reset or sse"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_match_by_method_route_and_attempt() {
        let rules = parse_rules(&json!({"rules": [
            {"match": {"method": "POST", "route": "/v1/intents", "attempt": 1}, "action": {"type": "respond", "status": 503, "headers": {"Retry-After": 1}}},
            {"match": {"route": "/v1/intents"}, "action": {"type": "delay", "ms": 5}},
        ]}))
        .unwrap();
        let first = plan(&rules, "POST", "/v1/intents", 1);
        assert_eq!(first.respond.as_ref().map(|r| r.0), Some(503));
        assert_eq!(first.delay, Duration::from_millis(5));
        let second = plan(&rules, "POST", "/v1/intents", 2);
        assert!(second.respond.is_none());
        assert!(plan(&rules, "GET", "/v1/other", 1).respond.is_none());
    }

    #[test]
    fn bad_rules_name_the_rule() {
        let err = parse_rules(&json!({"rules": [{"action": {"type": "explode"}}]})).unwrap_err();
        assert!(err.message.starts_with("rules[0]"), "{}", err.message);
        assert!(
            parse_rules(&json!({"rules": [{"action": {"type": "sse", "framing": "wobbly"}}]}))
                .is_err()
        );
    }
}
