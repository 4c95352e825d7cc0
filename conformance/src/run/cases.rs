//! Case files: `cases/<area>/<name>.yaml` read as YAML, converted to JSON, validated against
//! `schema/case.schema.json`, then checked for what a schema cannot see (a background name used
//! before it was started, a save name reused). Every error names the file and the JSON path.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

/// The schema, compiled into the binary so a case is checked the same way everywhere.
pub const CASE_SCHEMA: &str = include_str!("../../schema/case.schema.json");

/// One validated case.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<area>/<name>`.
    pub id: String,
    /// The case document as JSON (validated).
    pub doc: Value,
}

impl Case {
    pub fn requires(&self) -> Vec<String> {
        self.doc["requires"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn timeout(&self) -> std::time::Duration {
        let secs = self.doc["timeout_s"].as_f64().unwrap_or(60.0);
        std::time::Duration::from_secs_f64(secs)
    }
}

/// A compiled validator for case documents.
pub struct CaseValidator {
    validator: jsonschema::Validator,
}

impl CaseValidator {
    pub fn new() -> anyhow::Result<CaseValidator> {
        let schema: Value = serde_json::from_str(CASE_SCHEMA).context("case.schema.json")?;
        let validator = jsonschema::validator_for(&schema)
            .map_err(|e| anyhow!("case.schema.json is not a valid schema: {e}"))?;
        Ok(CaseValidator { validator })
    }

    /// Parse and validate one case document; `id` and `path` only label errors.
    pub fn check(&self, id: &str, path: &Path, yaml_text: &str) -> anyhow::Result<Case> {
        let shown = path.display();
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(yaml_text).map_err(|e| anyhow!("{shown}: not valid YAML: {e}"))?;
        let doc: Value = serde_json::to_value(&yaml)
            .map_err(|e| anyhow!("{shown}: cannot be read as JSON (keys must be strings): {e}"))?;
        let errors: Vec<String> = self
            .validator
            .iter_errors(&doc)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                let is_step =
                    at.starts_with("/steps/") && at[7..].bytes().all(|b| b.is_ascii_digit());
                let hint = if is_step && e.to_string().contains("oneOf") {
                    " (a step has exactly one of op, await, cancel, http, faults, wait_journal)"
                } else {
                    ""
                };
                format!("  at {at}: {e}{hint}")
            })
            .collect();
        if !errors.is_empty() {
            bail!(
                "{shown}: does not match conformance/schema/case.schema.json:\n{}",
                errors.join("\n")
            );
        }
        check_names(&doc).map_err(|e| anyhow!("{shown}: {e}"))?;
        check_matchers(&doc).map_err(|e| anyhow!("{shown}: {e}"))?;
        Ok(Case {
            id: id.to_string(),
            doc,
        })
    }
}

/// Background, await, cancel and save names must refer to something that exists at that point.
fn check_names(doc: &Value) -> anyhow::Result<()> {
    let mut started: HashSet<String> = HashSet::new();
    let mut finished: HashSet<String> = HashSet::new();
    let mut saved: HashSet<String> = HashSet::new();
    let steps = doc["steps"].as_array().cloned().unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        let at = format!("/steps/{i}");
        if let Some(name) = step["background"].as_str() {
            if !started.insert(name.to_string()) {
                bail!("at {at}: background name {name:?} is used twice");
            }
        }
        for key in ["await", "cancel"] {
            if let Some(name) = step[key].as_str() {
                if !started.contains(name) {
                    bail!("at {at}: {key} {name:?} names no earlier `background` step");
                }
                if key == "await" && !finished.insert(name.to_string()) {
                    bail!("at {at}: {name:?} is awaited twice");
                }
            }
        }
        if step.get("background").is_some()
            && (step.get("save").is_some() || step.get("expect").is_some())
        {
            bail!("at {at}: a background step has its `save` and `expect` on its `await` step");
        }
        if let Some(name) = step["for_each"].as_str() {
            if !saved.contains(name) {
                bail!("at {at}: for_each {name:?} names no earlier `save`");
            }
        }
        if let Some(name) = step["save"].as_str() {
            if !saved.insert(name.to_string()) {
                bail!("at {at}: save name {name:?} is used twice");
            }
        }
    }
    if let Some(name) = started.difference(&finished).next() {
        bail!("background {name:?} is never awaited (add an `await: {name}` step)");
    }
    Ok(())
}

/// `$`-operators in expectations and journal checks must exist and have usable arguments.
fn check_matchers(doc: &Value) -> Result<(), String> {
    use super::matcher::check_operators;
    let empty = Vec::new();
    for (i, step) in doc["steps"].as_array().unwrap_or(&empty).iter().enumerate() {
        for key in ["result", "error"] {
            if let Some(m) = step["expect"].get(key) {
                check_operators(m, &format!("at /steps/{i}/expect/{key}"))?;
            }
        }
    }
    for (i, check) in doc["journal"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        for key in ["header", "query", "body_sha256"] {
            for (base, v) in [("", check.get(key)), ("nth/", check["nth"].get(key))] {
                if let Some(m) = v {
                    check_operators(m, &format!("at /journal/{i}/{base}{key}"))?;
                }
            }
        }
    }
    Ok(())
}

/// Every case under `dir` (`<area>/<name>.yaml`), sorted by id.
pub fn load_all(dir: &Path, validator: &CaseValidator) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    let areas = std::fs::read_dir(dir)
        .with_context(|| format!("reading the cases directory {}", dir.display()))?;
    for area in areas {
        let area = area?.path();
        if !area.is_dir() {
            continue;
        }
        let area_name = file_name(&area)?;
        for file in std::fs::read_dir(&area)? {
            let file = file?.path();
            let Some(name) = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".yaml"))
            else {
                problems.push(format!(
                    "{}: case files must be named <name>.yaml",
                    file.display()
                ));
                continue;
            };
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match validator.check(&format!("{area_name}/{name}"), &file, &text) {
                Ok(case) => cases.push(case),
                Err(e) => problems.push(format!("{e:#}")),
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "{} invalid case file(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(cases)
}

fn file_name(p: &Path) -> anyhow::Result<String> {
    p.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{}: not a UTF-8 name", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> anyhow::Result<Case> {
        CaseValidator::new()
            .unwrap()
            .check("a/b", Path::new("cases/a/b.yaml"), text)
    }

    #[test]
    fn a_minimal_case_is_valid() {
        let c = check("description: health answers ok\nsteps:\n  - op: health\n").unwrap();
        assert_eq!(c.id, "a/b");
        assert_eq!(c.timeout(), std::time::Duration::from_secs(60));
        assert!(c.requires().is_empty());
    }

    #[test]
    fn errors_name_the_file_and_the_place() {
        let e = check("description: health answers ok\nsteps:\n  - op: health\n    args: 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cases/a/b.yaml"), "{e}");
        assert!(e.contains("/steps/0/args"), "{e}");
        let e = check(
            "description: health answers ok\nsteps:\n  - op: health\n    expect: {okk: true}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/steps/0/expect") && e.contains("okk"), "{e}");
        let e = check("description: health answers ok\nstep: []\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("step"), "{e}");
        let e = check("description: health answers ok\nsteps:\n  - {op: health, cancel: x}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("/steps/0"), "{e}");
        let e =
            check("description: health answers ok\nrequires: [telepathy]\nsteps: [{op: health}]\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("/requires/0"), "{e}");
        let e = check("description: health answers ok\nsteps:\n  - op: health\n    expect: {result: {ok: {$eq: 1}}}\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/steps/0/expect/result.ok: unknown operator $eq"),
            "{e}"
        );
    }

    #[test]
    fn names_must_refer_to_earlier_steps() {
        let e = check("description: health answers ok\nsteps:\n  - await: s\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("/steps/0") && e.contains("no earlier"), "{e}");
        let e = check("description: health answers ok\nsteps:\n  - {op: observe, background: s}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("never awaited"), "{e}");
        let e = check("description: health answers ok\nsteps:\n  - {op: observe, background: s, expect: {ok: true}}\n  - await: s\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("on its `await` step"), "{e}");
        let e = check(
            "description: health answers ok\nsteps:\n  - {op: health, save: h}\n  - {op: health, save: h}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("used twice"), "{e}");
        let e = check("description: health answers ok\nsteps:\n  - {op: health, for_each: h}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("names no earlier `save`"), "{e}");
        let e = check(
            "description: health answers ok\nsteps:\n  - {op: health, repeat: 2, for_each: h}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/steps/0"), "{e}");
        assert!(check("description: health answers ok\nsteps:\n  - {op: health, repeat: 3, save: h}\n  - {op: health, for_each: h}\n").is_ok());
    }

    #[test]
    fn every_case_in_the_repository_validates() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
        let cases = load_all(&dir, &CaseValidator::new().unwrap()).unwrap();
        assert!(cases.len() >= 80, "only {} cases", cases.len());
        let areas: HashSet<&str> = cases
            .iter()
            .map(|c| c.id.split('/').next().unwrap())
            .collect();
        for area in [
            "auth",
            "idempotency",
            "retries",
            "errors",
            "observe",
            "wait_for",
            "listen",
            "mcp",
            "mesh",
            "input",
            "cancellation",
            "concurrency",
            "payloads",
            "human",
            "inbox",
            "scenarios",
            "config",
            "timeouts",
        ] {
            assert!(areas.contains(area), "no case in area {area}: {areas:?}");
        }
    }
}
