//! Runs one case on one SDK: a fresh fault credential, the case's rules, a driver process with
//! the `default` client, the steps in order (some in the background), then the journal checks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::anyhow;
use serde_json::{json, Value};

use super::cases::Case;
use super::driver_proc::{DriverProc, Ticket};
use super::journal;
use super::matcher::short;
use super::server::{fingerprint, Credential, Faults};
use super::vars::Vars;

/// What every case run needs to know about the run.
#[derive(Clone)]
pub struct Env {
    pub faults: Faults,
    pub base_url: String,
    pub sdk: String,
    pub argv: Vec<String>,
    pub prepare: String,
    /// The repository root, the driver's working directory.
    pub repo: std::path::PathBuf,
}

/// How long a `wait_journal` step waits for its requests.
const WAIT_JOURNAL_LIMIT: Duration = Duration::from_secs(10);
/// How long a driver may take to say hello.
pub const HELLO_LIMIT: Duration = Duration::from_secs(30);

/// `Ok` when the case passed; `Err(detail)` says which step failed and why.
pub async fn run(case: &Case, env: &Env) -> Result<(), String> {
    let progress = Arc::new(Mutex::new("setting up".to_string()));
    let mut state = State {
        env,
        case,
        driver: None,
        progress: progress.clone(),
    };
    let limit = case.timeout();
    let outcome = match tokio::time::timeout(limit, state.run()).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "the case timed out after {limit:?} during {}",
            progress.lock().unwrap_or_else(|p| p.into_inner())
        )),
    };
    let tail = match state.driver.take() {
        Some(d) => d.stop().await,
        None => String::new(),
    };
    outcome.map_err(|e| {
        if tail.trim().is_empty() {
            e
        } else {
            format!(
                "{e}\n  driver stderr (tail):\n    {}",
                tail.replace('\n', "\n    ")
            )
        }
    })
}

struct State<'a> {
    env: &'a Env,
    case: &'a Case,
    driver: Option<DriverProc>,
    progress: Arc<Mutex<String>>,
}

struct Background {
    ticket: Ticket,
    since: u64,
    label: String,
}

impl State<'_> {
    fn at(&self, what: String) {
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = what;
    }

    async fn run(&mut self) -> Result<(), String> {
        let env = self.env;
        let doc = &self.case.doc;
        let cred = env
            .faults
            .credential(&format!("{}:{}", env.sdk, self.case.id))
            .await
            .map_err(|e| format!("{e:#}"))?;
        let mut vars = case_vars(env, &cred);
        if let Some(rules) = doc.get("faults") {
            let rules = vars.apply(rules).map_err(|e| format!("faults: {e:#}"))?;
            env.faults
                .add_rules(&cred, &rules)
                .await
                .map_err(|e| format!("{e:#}"))?;
        }
        self.at("starting the driver".into());
        let mut driver =
            DriverProc::spawn(&env.argv, &env.repo, &env.prepare).map_err(|e| format!("{e:#}"))?;
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
            return Err(format!("client.new failed: {}", short(&answer["error"])));
        }

        let mut backgrounds: HashMap<String, Background> = HashMap::new();
        let steps = doc["steps"].as_array().cloned().unwrap_or_default();
        for (i, step) in steps.iter().enumerate() {
            let label = step_label(step);
            self.at(format!("step {i} ({label})"));
            self.step(step, &mut vars, &cred, &mut backgrounds)
                .await
                .map_err(|e| format!("step {i} ({label}): {e}"))?;
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
                journal::check(&log, &c).map_err(|e| format!("journal check {i}: {e}"))?;
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
    ) -> Result<(), String> {
        let sub = |v: &Value| vars.apply(v).map_err(|e| format!("{e:#}"));
        let expect = step.get("expect").cloned().unwrap_or_else(|| json!({}));
        if let Some(op) = step["op"].as_str() {
            let args = sub(step.get("args").unwrap_or(&json!({})))?;
            let since = args["since"].as_u64().unwrap_or(0);
            let mut request = json!({"op": op, "args": args});
            if let Some(c) = step.get("client") {
                request["client"] = sub(c)?;
            }
            if let Some(o) = step.get("options") {
                request["options"] = sub(o)?;
            }
            if let Some(name) = step["background"].as_str() {
                let ticket = self
                    .driver()
                    .map_err(|e| e.to_string())?
                    .send(request)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                let label = step_label(step);
                backgrounds.insert(
                    name.to_string(),
                    Background {
                        ticket,
                        since,
                        label,
                    },
                );
                return Ok(());
            }
            let answer = self.ask(request).await.map_err(|e| format!("{e:#}"))?;
            return conclude(&expect, &answer, since, step, vars);
        }
        if let Some(name) = step["await"].as_str() {
            let bg = backgrounds
                .remove(name)
                .ok_or_else(|| format!("{name:?} is not running"))?;
            let answer = self
                .driver()
                .map_err(|e| e.to_string())?
                .answer(bg.ticket)
                .await
                .map_err(|e| format!("{e:#} (background {})", bg.label))?;
            return conclude(&expect, &answer, bg.since, step, vars);
        }
        if let Some(name) = step["cancel"].as_str() {
            let target = backgrounds
                .get(name)
                .map(|b| b.ticket.id)
                .ok_or_else(|| format!("{name:?} is not running (already awaited?)"))?;
            let answer = self
                .ask(json!({"op": "cancel", "args": {"target": target}}))
                .await
                .map_err(|e| format!("{e:#}"))?;
            return conclude(&expect, &answer, 0, step, vars);
        }
        if let Some(http) = step.get("http") {
            let http = sub(http)?;
            let answer = self.http(&http, cred).await?;
            return conclude(&expect, &answer, 0, step, vars);
        }
        if let Some(rules) = step.get("faults") {
            let rules = sub(rules)?;
            return self
                .env
                .faults
                .add_rules(cred, &rules)
                .await
                .map_err(|e| format!("{e:#}"));
        }
        if let Some(w) = step.get("wait_journal") {
            let w = sub(w)?;
            return self.wait_journal(&w, cred).await;
        }
        Err(format!("unknown step kind: {}", short(step)))
    }

    /// A request the runner makes itself, as another actor, with the case's key by default.
    async fn http(&self, http: &Value, cred: &Credential) -> Result<Value, String> {
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

    async fn wait_journal(&self, w: &Value, cred: &Credential) -> Result<(), String> {
        let want = w["count"].as_u64().unwrap_or(1) as usize;
        let started = tokio::time::Instant::now();
        loop {
            let log = self
                .env
                .faults
                .journal(cred)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let got = journal::select(&log, &w["select"]).len();
            if got >= want {
                return Ok(());
            }
            if started.elapsed() > WAIT_JOURNAL_LIMIT {
                return Err(format!(
                    "the journal has {got} request(s) matching {} after {WAIT_JOURNAL_LIMIT:?}, expected {want}",
                    w["select"]
                ));
            }
            // Polling the control API is the only way to see the server's side; 50 ms keeps the
            // wait short without flooding the log.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Check an answer against `expect` and keep it under the step's `save` name.
fn conclude(
    expect: &Value,
    answer: &Value,
    since: u64,
    step: &Value,
    vars: &mut Vars,
) -> Result<(), String> {
    if answer["ok"] == false {
        let kind = answer["error"]["kind"].as_str().unwrap_or("");
        if kind == "driver_error" || kind == "unsupported" {
            return Err(format!("the driver failed: {}", short(&answer["error"])));
        }
    }
    let expect = vars.apply(expect).map_err(|e| format!("expect: {e:#}"))?;
    super::expect::check(&expect, answer, since)?;
    if let Some(name) = step["save"].as_str() {
        let v = if answer["ok"] == true {
            &answer["result"]
        } else {
            &answer["error"]
        };
        vars.set(name, v.clone());
    }
    Ok(())
}

fn case_vars(env: &Env, cred: &Credential) -> Vars {
    let mut vars = Vars::default();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let run = &run[..12];
    vars.set("base_url", json!(env.base_url));
    vars.set("api_key", json!(cred.api_key));
    vars.set("api_key_fp", json!(fingerprint(&cred.api_key)));
    vars.set("run_id", json!(run));
    vars.set("case_uuid", json!(uuid::Uuid::new_v4().to_string()));
    vars.set("agent", json!(format!("agent://conformance/{run}-a")));
    vars.set("agent2", json!(format!("agent://conformance/{run}-b")));
    vars
}

fn step_label(step: &Value) -> String {
    for key in ["op", "await", "cancel", "wait_journal", "faults"] {
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
