//! Fault injection for tests and conformance, reachable only when the server runs with `--faults`
//! (spec/faults.md). The control API hands out a fresh credential per test; rules attached to it
//! disturb that credential's requests only, and every request it makes is logged for assertions.

pub mod api;
mod ending;
pub mod layer;
mod rules;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

pub use rules::{parse_rules, Plan, Rule, RuleAction};

/// Marker on a response: close the connection instead of sending it.
#[derive(Clone, Copy, Debug)]
pub struct ResetConnection;

/// One credential's rules, attempt counters and request log.
#[derive(Debug, Default)]
pub struct CredentialFaults {
    pub credential_id: String,
    rules: Vec<Rule>,
    next_rule: u64,
    attempts: HashMap<String, u32>,
    log: Vec<Value>,
}

impl CredentialFaults {
    /// Counts a request to `method route` and returns its 1-based attempt number.
    pub fn next_attempt(&mut self, method: &str, route: &str) -> u32 {
        let count = self
            .attempts
            .entry(format!("{method} {route}"))
            .or_default();
        *count += 1;
        *count
    }

    pub fn plan(&self, method: &str, route: &str, attempt: u32) -> Plan {
        rules::plan(&self.rules, method, route, attempt)
    }

    pub fn add_rules(&mut self, rules: Vec<Rule>) -> Vec<String> {
        rules
            .into_iter()
            .map(|mut rule| {
                self.next_rule += 1;
                rule.id = format!("rule_{}", self.next_rule);
                let id = rule.id.clone();
                self.rules.push(rule);
                id
            })
            .collect()
    }

    /// Removes every rule; returns how many there were.
    pub fn clear_rules(&mut self) -> usize {
        let cleared = self.rules.len();
        self.rules.clear();
        cleared
    }

    /// Appends a log entry; returns its index so the status can be filled in later.
    pub fn log(&mut self, mut entry: Value) -> usize {
        let index = self.log.len();
        entry["index"] = Value::from(index);
        self.log.push(entry);
        index
    }

    pub fn set_status(&mut self, index: usize, status: u16) {
        if let Some(entry) = self.log.get_mut(index) {
            entry["status"] = Value::from(status);
        }
    }

    /// Records how the exchange ended (`completed`, `fault_reset`, `client_closed`) and when, in
    /// milliseconds on the clock of `elapsed_ms`.
    pub fn set_ended(&mut self, index: usize, how: &str, at_ms: f64) {
        if let Some(entry) = self.log.get_mut(index) {
            entry["ended"] = Value::from(how);
            entry["ended_ms"] = Value::from(at_ms);
        }
    }

    pub fn requests(&self) -> Vec<Value> {
        self.log.clone()
    }
}

/// Every fault-managed credential, by key digest and by id.
#[derive(Debug)]
pub struct Faults {
    pub started: Instant,
    by_digest: Mutex<HashMap<String, Arc<Mutex<CredentialFaults>>>>,
    by_id: Mutex<HashMap<String, Arc<Mutex<CredentialFaults>>>>,
}

impl Faults {
    pub fn new(started: Instant) -> Faults {
        Faults {
            started,
            by_digest: Mutex::new(HashMap::new()),
            by_id: Mutex::new(HashMap::new()),
        }
    }

    pub fn register(&self, credential_id: &str, digest: &str) {
        let state = Arc::new(Mutex::new(CredentialFaults {
            credential_id: credential_id.to_string(),
            ..CredentialFaults::default()
        }));
        self.by_digest
            .lock()
            .expect("faults lock")
            .insert(digest.to_string(), Arc::clone(&state));
        self.by_id
            .lock()
            .expect("faults lock")
            .insert(credential_id.to_string(), state);
    }

    pub fn by_digest(&self, digest: &str) -> Option<Arc<Mutex<CredentialFaults>>> {
        self.by_digest
            .lock()
            .expect("faults lock")
            .get(digest)
            .cloned()
    }

    pub fn by_id(&self, credential_id: &str) -> Option<Arc<Mutex<CredentialFaults>>> {
        self.by_id
            .lock()
            .expect("faults lock")
            .get(credential_id)
            .cloned()
    }
}
