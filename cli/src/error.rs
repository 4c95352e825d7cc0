//! The errors `axme` reports, and the exit codes it ends with.
//!
//! An error from the core keeps its kind, message, HTTP status, code and request id; `hint` adds
//! what the user can do about it where the CLI knows (no key configured, server not reachable,
//! a key that is not an admin's). Exit codes are part of the interface: scripts branch on them.

use serde_json::{json, Value};

use crate::output::{Out, Style};

/// The command did what was asked (for `watch`: the intent COMPLETED).
pub const EXIT_OK: i32 = 0;
/// A request failed, or the server refused it.
pub const EXIT_ERROR: i32 = 1;
/// The command line was wrong (clap's code too).
pub const EXIT_USAGE: i32 = 2;
/// `watch`: the intent FAILED.
pub const EXIT_FAILED: i32 = 3;
/// `watch`: the intent was CANCELED.
pub const EXIT_CANCELED: i32 = 4;
/// `watch`: the intent TIMED_OUT (its deadline passed).
pub const EXIT_TIMED_OUT: i32 = 5;
/// `watch --timeout`: the wait ended before the intent did.
pub const EXIT_WATCH_TIMEOUT: i32 = 6;

/// The exit code `watch` ends with for a terminal status.
pub fn exit_for_status(status: &str) -> i32 {
    match status {
        "COMPLETED" => EXIT_OK,
        "FAILED" => EXIT_FAILED,
        "CANCELED" | "CANCELLED" => EXIT_CANCELED,
        "TIMED_OUT" => EXIT_TIMED_OUT,
        _ => EXIT_ERROR,
    }
}

/// A failure to report (boxed: errors travel up every call, successes should stay small).
#[derive(Debug)]
pub struct CliError(Box<ErrorData>);

/// What a [`CliError`] says.
#[derive(Debug)]
pub struct ErrorData {
    /// The core's error kind (`auth`, `not_found`, `connection`, ...), or the CLI's own
    /// (`usage`, `config`, `io`).
    pub kind: String,
    pub message: String,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub hint: Option<String>,
    /// Extra detail: the server's error body, or the problems a local check found.
    pub details: Option<Value>,
    pub exit: i32,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    fn new(kind: &str, message: impl Into<String>, exit: i32) -> CliError {
        CliError(Box::new(ErrorData {
            kind: kind.to_string(),
            message: message.into(),
            status: None,
            code: None,
            request_id: None,
            hint: None,
            details: None,
            exit,
        }))
    }

    /// The command line asks for something that cannot be done as given.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new("usage", message, EXIT_USAGE)
    }

    /// The local configuration is missing something.
    pub fn config(message: impl Into<String>) -> CliError {
        CliError::new("config", message, EXIT_ERROR)
    }

    /// A local file could not be read or written.
    pub fn io(message: impl Into<String>) -> CliError {
        CliError::new("io", message, EXIT_ERROR)
    }

    /// Input the CLI checked before sending and found wrong (a form answer, say).
    pub fn validation(message: impl Into<String>) -> CliError {
        CliError::new("validation", message, EXIT_ERROR)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_details(mut self, details: Value) -> CliError {
        self.details = Some(details);
        self
    }

    pub fn with_exit(mut self, exit: i32) -> CliError {
        self.exit = exit;
        self
    }

    /// Fills in a hint for the common failures when the command gave none. `base_url` is where
    /// the request went; `key_origin` says where its API key came from (`--api-key`, a context).
    pub fn add_hint(&mut self, base_url: &str, key_origin: &str) {
        if self.hint.is_some() {
            return;
        }
        let code = self.code.as_deref().unwrap_or("");
        let hint = match (self.kind.as_str(), self.status) {
            ("connection", _) => Some(format!(
                "the server is not reachable at {base_url}: start a local one with `axme server`, \
                 or point axme elsewhere with --base-url or `axme context use NAME`"
            )),
            ("timeout", None) if self.exit == EXIT_ERROR => Some(format!(
                "no answer from {base_url} in time; is the server overloaded or behind a proxy?"
            )),
            ("auth", Some(401)) if code == "missing_actor_token" => Some(
                "this needs a human's actor token: pass --actor-token or store one with \
                 `axme context set NAME --actor-token TOKEN` (`axme-server admin users create` issues them)"
                    .to_string(),
            ),
            ("auth", Some(401)) => Some(format!(
                "{base_url} refused the API key from {key_origin}; `axme context show` says which \
                 key is in use (a local `axme server` prints its dev key at start)"
            )),
            ("auth", Some(403)) if code == "admin_required" => Some(
                "this is an operator action and needs an admin key (the dev key of `axme server` is one)"
                    .to_string(),
            ),
            ("server", Some(501)) => Some(
                "this server does not serve that operation yet (it is part of AXP, see spec/openapi.yaml)"
                    .to_string(),
            ),
            _ => None,
        };
        self.hint = hint;
    }

    /// Where the input was wrong, as `(place, message)`: the problems a local check found, the
    /// `errors` of a refused scenario bundle, or the `field` of a server validation error.
    pub fn places(&self) -> Vec<(String, String)> {
        let Some(details) = &self.details else {
            return Vec::new();
        };
        let pair = |p: &Value| {
            (
                p["path"].as_str().unwrap_or("").to_string(),
                p["message"].as_str().unwrap_or("").to_string(),
            )
        };
        if let Some(problems) = details["problems"].as_array() {
            return problems.iter().map(pair).collect();
        }
        let server = &details["error"]["details"];
        if let Some(errors) = server["errors"].as_array() {
            return errors.iter().map(pair).collect();
        }
        match server["field"].as_str() {
            Some(field) if !field.is_empty() => vec![(field.to_string(), String::new())],
            _ => Vec::new(),
        }
    }

    /// Prints the error on stderr: text for people, or one JSON object with `--json`.
    pub fn report(&self, out: &Out) {
        if out.json {
            let v = json!({"error": {
                "kind": self.kind, "message": self.message, "status": self.status,
                "code": self.code, "request_id": self.request_id, "hint": self.hint,
                "details": self.details,
            }});
            eprintln!("{v}");
            return;
        }
        let mut text = format!(
            "{} {}: {}\n",
            out.err_paint("error:", Style::RedBold),
            self.kind,
            self.message
        );
        if let Some(status) = self.status {
            match &self.code {
                Some(code) => text.push_str(&format!("  status:     {status} ({code})\n")),
                None => text.push_str(&format!("  status:     {status}\n")),
            }
        } else if let Some(code) = &self.code {
            text.push_str(&format!("  code:       {code}\n"));
        }
        if let Some(id) = &self.request_id {
            text.push_str(&format!("  request id: {id}\n"));
        }
        for (place, msg) in self.places() {
            if msg.is_empty() {
                text.push_str(&format!("  at:         {place}\n"));
            } else {
                text.push_str(&format!("  at {place}: {msg}\n"));
            }
        }
        if let Some(hint) = &self.hint {
            text.push_str(&format!(
                "  {} {hint}\n",
                out.err_paint("hint:", Style::Cyan)
            ));
        }
        eprint!("{text}");
    }
}

impl std::ops::Deref for CliError {
    type Target = ErrorData;

    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for CliError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl From<axme_core::Error> for CliError {
    fn from(e: axme_core::Error) -> CliError {
        let kind = e.kind();
        let exit = match kind {
            axme_core::ErrorKind::InvalidArgument => EXIT_USAGE,
            _ => EXIT_ERROR,
        };
        CliError(Box::new(ErrorData {
            kind: kind.as_str().to_string(),
            message: e.message().to_string(),
            status: e.status(),
            code: e.code().map(str::to_string),
            request_id: e.request_id().map(str::to_string),
            hint: None,
            details: e.body().cloned(),
            exit,
        }))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::io(e.to_string())
    }
}
