//! Runs one case on one SDK: a fresh fault credential, the case's rules, a driver process with
//! the `default` client, the steps in order (some in the background, some repeated), then the
//! journal checks. Whatever the outcome, the credential's request log is kept as an excerpt for
//! the report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::anyhow;
use serde_json::{json, Value};

use super::case_vars::{case_vars, copies, with_copy, Copy};
use super::cases::Case;
use super::driver_proc::{DriverProc, Hello, Ticket};
use super::journal;
use super::matcher::short;
use super::server::{Credential, Faults};
use super::vars::Vars;

/// What every case run needs to know about the run.
#[derive(Clone)]
pub struct Env {
    pub faults: Faults,
    pub base_url: String,
    /// An admin key of the server, when known (`${admin_key}`).
    pub admin_key: Option<String>,
    pub sdk: String,
    pub argv: Vec<String>,
    pub prepare: String,
    /// The repository root, the driver's working directory.
    pub repo: std::path::PathBuf,
    /// The driver's hello when it was probed (its SDK name and version become `${sdk}` and
    /// `${sdk_version}`).
    pub hello: Hello,
}

/// How long a `wait_journal` step waits for its requests.
const WAIT_JOURNAL_LIMIT: Duration = Duration::from_secs(10);
/// How long a driver may take to say hello.
pub const HELLO_LIMIT: Duration = Duration::from_secs(30);
/// Journal lines kept for the report of one case run.
const EXCERPT_LINES: usize = 60;

/// Why a case failed: the message (which step, what was wrong) and, when there was a comparison,
/// what was expected and what came back.
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub message: String,
    pub expected: Option<Value>,
    pub got: Option<Value>,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            ..Failure::default()
        }
    }
}

impl Failure {
    fn within(mut self, prefix: &str) -> Failure {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

/// What one case run produced.
#[derive(Debug, Default)]
pub struct CaseRun {
    /// `None` when the case passed.
    pub failure: Option<Failure>,
    /// The credential's request log, one line per request (possibly shortened).
    pub journal: Vec<String>,
}

/// Run one case on one SDK.
pub async fn run(case: &Case, env: &Env) -> CaseRun {
    let progress = Arc::new(Mutex::new("setting up".to_string()));
    let mut state = State {
        env,
        case,
        driver: None,
        credential: None,
        progress: progress.clone(),
    };
    let limit = case.timeout();
    let outcome = match tokio::time::timeout(limit, state.run()).await {
        Ok(r) => r,
        Err(_) => Err(Failure::from(format!(
            "the case timed out after {limit:?} during {}",
            progress.lock().unwrap_or_else(|p| p.into_inner())
        ))),
    };
    let tail = match state.driver.take() {
        Some(d) => d.stop().await,
        None => String::new(),
    };
    let journal = match &state.credential {
        Some(cred) => match env.faults.journal(cred).await {
            Ok(log) => journal::excerpt(&log, EXCERPT_LINES),
            Err(e) => vec![format!("(the request log could not be read: {e:#})")],
        },
        None => Vec::new(),
    };
    let failure = outcome.err().map(|mut f| {
        if !tail.trim().is_empty() {
            f.message = format!(
                "{}\n  driver stderr (tail):\n    {}",
                f.message,
                tail.replace('\n', "\n    ")
            );
        }
        f
    });
    CaseRun { failure, journal }
}

struct State<'a> {
    env: &'a Env,
    case: &'a Case,
    driver: Option<DriverProc>,
    credential: Option<Credential>,
    progress: Arc<Mutex<String>>,
}

/// One request sent and not yet answered, with the variables of its copy (`i`, `item`), which
/// its expectation sees on top of the case's variables at the time the answer is checked.
struct Pending {
    ticket: Ticket,
    since: u64,
    copy: Copy,
}

/// Requests started by a `background` step (several when it is repeated).
struct Background {
    pending: Vec<Pending>,
    repeated: bool,
    label: String,
}

impl State<'_> {
    fn at(&self, what: String) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = what;
    }

    async fn run(&mut self) -> Result<(), Failure> {
        let env = self.env;
        let doc = &self.case.doc;
        let cred = env
            .faults
            .credential(&format!("{}:{}", env.sdk, self.case.id))
            .await
            .map_err(|e| format!("{e:#}"))?;
        self.credential = Some(cred.clone());
        let mut vars = case_vars(env, &cred);
        if let Some(rules) = doc.get("faults") {
            let rules = vars.apply(rules).map_err(|e| format!("faults: {e:#}"))?;
            env.faults
                .add_rules(&cred, &rules)
                .await
                .map_err(|e| format!("{e:#}"))?;
        }
        let mut driver_env = Vec::new();
        if let Some(Value::Object(vars_env)) = doc.get("env") {
            for (k, v) in vars_env {
                let v = vars.apply(v).map_err(|e| format!("env.{k}: {e:#}"))?;
                driver_env.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
        self.at("starting the driver".into());
        let mut driver = DriverProc::spawn(&env.argv, &env.repo, &env.prepare, &driver_env)
            .map_err(|e| format!("{e:#}"))?;
        let hello = driver.hello(HELLO_LIMIT).await;
        self.driver = Some(driver);
        hello.map_err(|e| format!("{e:#}"))?;

        let mut config = json!({"base_url": env.base_url, "api_key": cred.api_key});
        if let Some(Value::Object(over)) = doc.get("client") {
            for (k, v) in over {
                config[k] = vars.apply(v).map_err(|e| format!("client.{k}: {e:#}"))?;
            }
        }
        self.at("creating the default client (client.new)".into());
        let answer = self
            .ask(json!({"op": "client.new", "args": {"name": "default", "config": config}}))
            .await
            .map_err(|e| format!("client.new: {e:#}"))?;
        if answer["ok"] != true {
            return Err(Failure {
                message: format!("client.new failed: {}", short(&answer["error"])),
                expected: Some(json!({"ok": true})),
                got: Some(answer),
            });
        }

        let mut backgrounds: HashMap<String, Background> = HashMap::new();
        let steps = doc["steps"].as_array().cloned().unwrap_or_default();
        for (i, step) in steps.iter().enumerate() {
            let label = step_label(step);
            self.at(format!("step {i} ({label})"));
            self.step(step, &mut vars, &cred, &mut backgrounds)
                .await
                .map_err(|f| f.within(&format!("step {i} ({label})")))?;
        }
        self.at("journal checks".into());
        if let Some(checks) = doc["journal"].as_array().filter(|c| !c.is_empty()) {
            let log = env
                .faults
                .journal(&cred)
                .await
                .map_err(|e| format!("{e:#}"))?;
            for (i, c) in checks.iter().enumerate() {
                let c = vars.apply(c).map_err(|e| format!("journal {i}: {e:#}"))?;
                if let Err(message) = journal::check(&log, &c) {
                    let picked = journal::select(&log, &c["select"]);
                    let lines: Vec<Value> = picked
                        .iter()
                        .map(|r| Value::String(journal::excerpt_line(r)))
                        .collect();
                    return Err(Failure {
                        message: format!("journal check {i}: {message}"),
                        expected: Some(c),
                        got: Some(Value::Array(lines)),
                    });
                }
            }
        }
        Ok(())
    }

    fn driver(&mut self) -> anyhow::Result<&mut DriverProc> {
        self.driver.as_mut().ok_or_else(|| anyhow!("no driver"))
    }

    async fn ask(&mut self, request: Value) -> anyhow::Result<Value> {
        let ticket = self.driver()?.send(request).await?;
        self.driver()?.answer(ticket).await
    }

    async fn step(
        &mut self,
        step: &Value,
        vars: &mut Vars,
        cred: &Credential,
        backgrounds: &mut HashMap<String, Background>,
    ) -> Result<(), Failure> {
        let expect = step.get("expect").cloned().unwrap_or_else(|| json!({}));
        if let Some(op) = step["op"].as_str() {
            let (copies, repeated) = match copies(step, vars)? {
                Some(list) => (list, true),
                None => (vec![Vec::new()], false),
            };
            let mut pending = Vec::with_capacity(copies.len());
            for copy in copies {
                let copy_vars = with_copy(vars, &copy);
                let sub = |v: &Value| copy_vars.apply(v).map_err(|e| format!("{e:#}"));
                let args = sub(step.get("args").unwrap_or(&json!({})))?;
                let since = args["since"].as_u64().unwrap_or(0);
                let mut request = json!({"op": op, "args": args});
                if let Some(c) = step.get("client") {
                    request["client"] = sub(c)?;
                }
                if let Some(o) = step.get("options") {
                    request["options"] = sub(o)?;
                }
                let ticket = self
                    .driver()
                    .map_err(|e| e.to_string())?
                    .send(request)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                pending.push(Pending {
                    ticket,
                    since,
                    copy,
                });
            }
            if let Some(name) = step["background"].as_str() {
                let label = step_label(step);
                backgrounds.insert(
                    name.to_string(),
                    Background {
                        pending,
                        repeated,
                        label,
                    },
                );
                return Ok(());
            }
            return self
                .collect(pending, repeated, &expect, step, vars, "")
                .await;
        }
        if let Some(name) = step["await"].as_str() {
            let bg = backgrounds
                .remove(name)
                .ok_or_else(|| format!("{name:?} is not running"))?;
            let label = format!(" (background {})", bg.label);
            return self
                .collect(bg.pending, bg.repeated, &expect, step, vars, &label)
                .await;
        }
        if let Some(name) = step["cancel"].as_str() {
            let targets: Vec<u64> = backgrounds
                .get(name)
                .map(|b| b.pending.iter().map(|p| p.ticket.id).collect())
                .ok_or_else(|| format!("{name:?} is not running (already awaited?)"))?;
            for target in targets {
                let answer = self
                    .ask(json!({"op": "cancel", "args": {"target": target}}))
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                conclude(&expect, &answer, 0, vars)?;
            }
            return Ok(());
        }
        let sub = |v: &Value| vars.apply(v).map_err(|e| format!("{e:#}"));
        if let Some(http) = step.get("http") {
            let http = sub(http)?;
            let answer = self.http(&http, cred).await?;
            let saved = conclude(&expect, &answer, 0, vars)?;
            save(step, vars, saved);
            return Ok(());
        }
        if let Some(rules) = step.get("faults") {
            let rules = sub(rules)?;
            return self
                .env
                .faults
                .add_rules(cred, &rules)
                .await
                .map_err(|e| Failure::from(format!("{e:#}")));
        }
        if let Some(w) = step.get("wait_journal") {
            let w = sub(w)?;
            return self.wait_journal(&w, cred).await;
        }
        Err(format!("unknown step kind: {}", short(step)).into())
    }

    /// The answers of `pending`, in order, each checked against `expect` with its copy's
    /// variables; saved as one value, or as the list of them for a repeated step.
    async fn collect(
        &mut self,
        pending: Vec<Pending>,
        repeated: bool,
        expect: &Value,
        step: &Value,
        vars: &mut Vars,
        label: &str,
    ) -> Result<(), Failure> {
        let mut saved = Vec::with_capacity(pending.len());
        for (i, p) in pending.into_iter().enumerate() {
            let answer = self
                .driver()
                .map_err(|e| e.to_string())?
                .answer(p.ticket)
                .await
                .map_err(|e| format!("{e:#}{label}"))?;
            let value =
                conclude(expect, &answer, p.since, &with_copy(vars, &p.copy)).map_err(|f| {
                    if repeated {
                        f.within(&format!("copy {i}"))
                    } else {
                        f
                    }
                })?;
            saved.push(value);
        }
        let value = if repeated {
            Value::Array(saved)
        } else {
            saved.pop().unwrap_or(Value::Null)
        };
        save(step, vars, value);
        Ok(())
    }

    /// A request the runner makes itself, as another actor, with the case's key by default.
    async fn http(&self, http: &Value, cred: &Credential) -> Result<Value, Failure> {
        let method =
            reqwest::Method::from_bytes(http["method"].as_str().unwrap_or("GET").as_bytes())
                .map_err(|e| e.to_string())?;
        let path = http["path"].as_str().unwrap_or("/");
        let faults = &self.env.faults;
        let mut req = faults.http.request(method, faults.url(path));
        match http.get("key") {
            None => req = req.header("x-api-key", &cred.api_key),
            Some(Value::String(k)) => req = req.header("x-api-key", k),
            Some(_) => {}
        }
        if let Some(h) = http["headers"].as_object() {
            for (k, v) in h {
                req = req.header(k.as_str(), v.as_str().unwrap_or_default());
            }
        }
        if let Some(body) = http.get("body") {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("runner request {path}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("runner request {path}: {e}"))?;
        let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
        Ok(json!({"ok": (200..300).contains(&status), "result": {"status": status, "body": body}}))
    }

    async fn wait_journal(&self, w: &Value, cred: &Credential) -> Result<(), Failure> {
        let want = w["count"].as_u64().unwrap_or(1) as usize;
        let started = tokio::time::Instant::now();
        loop {
            let log = self
                .env
                .faults
                .journal(cred)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let picked = journal::select(&log, &w["select"]);
            if picked.len() >= want {
                return Ok(());
            }
            if started.elapsed() > WAIT_JOURNAL_LIMIT {
                return Err(Failure {
                    message: format!(
                        "the journal has {} request(s) matching {} after {WAIT_JOURNAL_LIMIT:?}, expected {want}",
                        picked.len(),
                        w["select"]
                    ),
                    expected: Some(w.clone()),
                    got: Some(Value::Array(
                        log.iter()
                            .map(|r| Value::String(journal::excerpt_line(r)))
                            .collect(),
                    )),
                });
            }
            // Polling the control API is the only way to see the server's side; 50 ms keeps the
            // wait short without flooding the log.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn save(step: &Value, vars: &mut Vars, value: Value) {
    if let Some(name) = step["save"].as_str() {
        vars.set(name, value);
    }
}

/// Check an answer against `expect` (substituted with `vars`); returns what a `save` keeps: the
/// result, or the error when the request failed.
fn conclude(expect: &Value, answer: &Value, since: u64, vars: &Vars) -> Result<Value, Failure> {
    let expect = vars.apply(expect).map_err(|e| format!("expect: {e:#}"))?;
    let failed = |message: String| {
        // Shown with the success or failure it implies (`{}` means "succeeds").
        let mut shown = expect.clone();
        if let Value::Object(o) = &mut shown {
            if !o.contains_key("ok") {
                let ok = !o.contains_key("error");
                o.insert("ok".into(), json!(ok));
            }
        }
        Failure {
            message,
            expected: Some(shown),
            got: Some(answer.clone()),
        }
    };
    if answer["ok"] == false {
        let kind = answer["error"]["kind"].as_str().unwrap_or("");
        if kind == "driver_error" || kind == "unsupported" {
            return Err(failed(format!(
                "the driver failed: {}",
                short(&answer["error"])
            )));
        }
    }
    super::expect::check(&expect, answer, since).map_err(failed)?;
    Ok(if answer["ok"] == true {
        answer["result"].clone()
    } else {
        answer["error"].clone()
    })
}

fn step_label(step: &Value) -> String {
    for key in ["op", "await", "cancel", "wait_journal", "faults"] {
        if key == "op" {
            if let (Some(op), Some(n)) = (step["op"].as_str(), step["repeat"].as_u64()) {
                return format!("op {op} ×{n}");
            }
            if let (Some(op), Some(list)) = (step["op"].as_str(), step["for_each"].as_str()) {
                return format!("op {op} for each of {list}");
            }
        }
        if let Some(v) = step.get(key) {
            return match v.as_str() {
                Some(s) => format!("{key} {s}"),
                None => key.to_string(),
            };
        }
    }
    if let Some(h) = step.get("http") {
        return format!(
            "http {} {}",
            h["method"].as_str().unwrap_or("?"),
            h["path"].as_str().unwrap_or("?")
        );
    }
    "?".into()
}
