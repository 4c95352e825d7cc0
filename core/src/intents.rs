//! High-level intent calls: create/send, get, list events, resolve, resume, cancel.
//!
//! Thin wrappers over the generic operation call so every binding gets the same conveniences
//! (a minted `correlation_id`, cancel as resolve-with-CANCELED) without reimplementing them.
//! Results are the server's JSON responses, unchanged, except `send_intent` (the intent id).

use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::Error;
use crate::operations::{self, OperationDescriptor};
use crate::records::CallOptions;
use crate::request::{merge_options, new_id};

pub use crate::generated::operations::{TERMINAL_EVENT_TYPES, TERMINAL_STATUSES};

fn non_empty<'a>(what: &str, v: &'a str) -> Result<&'a str, Error> {
    if v.trim().is_empty() {
        return Err(Error::invalid_argument(format!("{what} must not be empty")));
    }
    Ok(v)
}

impl Client {
    pub(crate) async fn call_with(
        &self,
        op: &OperationDescriptor,
        mut args: Map<String, Value>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        merge_options(op, &mut args, opts)?;
        self.call(op, Value::Object(args)).await
    }

    fn intent_args(intent_id: &str) -> Result<Map<String, Value>, Error> {
        let mut m = Map::new();
        m.insert(
            "intent_id".into(),
            Value::String(non_empty("intent_id", intent_id)?.into()),
        );
        Ok(m)
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Value, Error> {
        self.call(operations::get(operations::ids::HEALTH), Value::Null)
            .await
    }

    /// Create an intent; `correlation_id` is minted when absent. Returns
    /// `{ok, intent_id, status, correlation_id, created_at}`.
    pub async fn create_intent(&self, intent: Value, opts: &CallOptions) -> Result<Value, Error> {
        let Value::Object(mut body) = intent else {
            return Err(Error::invalid_argument("intent must be a JSON object"));
        };
        if body.get("correlation_id").is_none_or(Value::is_null) {
            body.insert("correlation_id".into(), Value::String(new_id()));
        }
        let mut args = Map::new();
        args.insert("body".into(), Value::Object(body));
        self.call_with(operations::get(operations::ids::INTENTS_CREATE), args, opts)
            .await
    }

    /// [`Client::create_intent`], returning only the new intent id.
    pub async fn send_intent(&self, intent: Value, opts: &CallOptions) -> Result<String, Error> {
        let resp = self.create_intent(intent, opts).await?;
        match resp.get("intent_id").and_then(Value::as_str) {
            Some(id) => Ok(id.to_string()),
            None => Err(Error::protocol("create response has no intent_id").with_body(resp)),
        }
    }

    /// `GET /v1/intents/{intent_id}` → `{ok, intent}`.
    pub async fn get_intent(&self, intent_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        self.call_with(
            operations::get(operations::ids::INTENTS_GET),
            Self::intent_args(intent_id)?,
            opts,
        )
        .await
    }

    /// `GET /v1/intents/{intent_id}/events?since=` → `{ok, events, next_seq}` (events with
    /// `seq > since`).
    pub async fn list_intent_events(
        &self,
        intent_id: &str,
        since: Option<u64>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Self::intent_args(intent_id)?;
        if let Some(s) = since {
            args.insert("since".into(), json!(s));
        }
        self.call_with(
            operations::get(operations::ids::INTENTS_EVENTS_LIST),
            args,
            opts,
        )
        .await
    }

    /// `POST /v1/intents/{intent_id}/resolve` with `body` (`{status, result?, error?, reason?}`).
    pub async fn resolve_intent(
        &self,
        intent_id: &str,
        body: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Self::intent_args(intent_id)?;
        args.insert("body".into(), body);
        self.call_with(
            operations::get(operations::ids::INTENTS_RESOLVE),
            args,
            opts,
        )
        .await
    }

    /// `POST /v1/intents/{intent_id}/resume` with `body` (`{action, ...}` or `{task_result}`).
    pub async fn resume_intent(
        &self,
        intent_id: &str,
        body: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut args = Self::intent_args(intent_id)?;
        args.insert("body".into(), body);
        self.call_with(operations::get(operations::ids::INTENTS_RESUME), args, opts)
            .await
    }

    /// Cancel = resolve with status `CANCELED` (there is no cancel endpoint).
    pub async fn cancel_intent(
        &self,
        intent_id: &str,
        reason: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let mut body = json!({"status": "CANCELED"});
        if let Some(r) = reason {
            body["reason"] = Value::String(r.to_string());
        }
        self.resolve_intent(intent_id, body, opts).await
    }
}

/// Whether an event (or intent) JSON is terminal: a terminal `status`, or a terminal
/// `event_type`, as the spec's `x-axme-terminal` lists name them.
pub fn is_terminal(event: &Value) -> bool {
    let field = |name| event.get(name).and_then(Value::as_str).unwrap_or("");
    TERMINAL_STATUSES.contains(&field("status"))
        || TERMINAL_EVENT_TYPES.contains(&field("event_type"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_detection() {
        assert!(is_terminal(&json!({"status": "COMPLETED"})));
        assert!(is_terminal(&json!({"status": "TIMED_OUT"})));
        assert!(is_terminal(&json!({"event_type": "intent.canceled"})));
        assert!(!is_terminal(
            &json!({"status": "WAITING", "event_type": "intent.waiting"})
        ));
        assert!(!is_terminal(&json!({"status": "CANCELLED"})));
        assert!(!is_terminal(&json!({})));
    }
}
