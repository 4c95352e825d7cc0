//! `conformance/expected-failures/<sdk>.yaml`: known SDK defects, each `{case, reason}`. A listed
//! case that fails is `expected-fail`; one that passes is `stale` (the list must be updated).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{anyhow, bail};
use serde::Deserialize;

use crate::report::Outcome;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    case: String,
    reason: Option<String>,
}

/// Listed case id → reason, for one SDK.
pub type Expected = BTreeMap<String, String>;

/// Read `<dir>/<sdk>.yaml` (absent or empty: nothing expected). Every entry needs a reason and a
/// case id that exists.
pub fn load(dir: &Path, sdk: &str, known: &HashSet<String>) -> anyhow::Result<Expected> {
    let path = dir.join(format!("{sdk}.yaml"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Expected::new()),
        Err(e) => bail!("reading {}: {e}", path.display()),
    };
    let shown = path.display();
    let entries: Option<Vec<Entry>> = serde_yaml::from_str(&text).map_err(|e| {
        anyhow!("{shown}: {e} (expected a list of {{case: <area>/<name>, reason: \"…\"}})")
    })?;
    let mut out = Expected::new();
    for (i, e) in entries.unwrap_or_default().into_iter().enumerate() {
        let reason = e.reason.unwrap_or_default();
        if reason.trim().is_empty() {
            bail!(
                "{shown}: entry {i} ({}) needs a reason: say what the SDK does wrong",
                e.case
            );
        }
        if !known.contains(&e.case) {
            bail!("{shown}: entry {i} names the unknown case {:?} (case ids are <area>/<name> under conformance/cases)", e.case);
        }
        if out.insert(e.case.clone(), reason).is_some() {
            bail!("{shown}: {} is listed twice", e.case);
        }
    }
    Ok(out)
}

/// The reported outcome of a case, given whether it passed and whether it is listed.
pub fn outcome(passed: bool, listed: Option<&String>, detail: String) -> (Outcome, String) {
    match (passed, listed) {
        (true, None) => (Outcome::Pass, String::new()),
        (false, None) => (Outcome::Fail, detail),
        (false, Some(reason)) => (Outcome::ExpectedFail, format!("{reason} — {detail}")),
        (true, Some(reason)) => (
            Outcome::Stale,
            format!("listed as an expected failure ({reason}) but passed: remove it from the list"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, HashSet<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("py.yaml"), text).unwrap();
        (dir, HashSet::from(["a/b".to_string()]))
    }

    #[test]
    fn entries_need_reasons_and_known_cases() {
        let (d, known) = write("# nothing yet\n");
        assert!(load(d.path(), "py", &known).unwrap().is_empty());
        assert!(load(d.path(), "missing", &known).unwrap().is_empty());
        let (d, known) = write("- {case: a/b, reason: \"drops Retry-After\"}\n");
        assert_eq!(
            load(d.path(), "py", &known).unwrap()["a/b"],
            "drops Retry-After"
        );
        let (d, known) = write("- {case: a/b}\n");
        assert!(load(d.path(), "py", &known)
            .unwrap_err()
            .to_string()
            .contains("needs a reason"));
        let (d, known) = write("- {case: a/c, reason: x}\n");
        assert!(load(d.path(), "py", &known)
            .unwrap_err()
            .to_string()
            .contains("unknown case"));
        let (d, known) = write("- {case: a/b, reason: x, extra: 1}\n");
        assert!(load(d.path(), "py", &known).is_err());
    }

    #[test]
    fn outcomes() {
        let r = "why".to_string();
        assert_eq!(outcome(true, None, "d".into()).0, Outcome::Pass);
        assert_eq!(outcome(false, None, "d".into()).0, Outcome::Fail);
        assert_eq!(
            outcome(false, Some(&r), "d".into()).0,
            Outcome::ExpectedFail
        );
        assert_eq!(outcome(true, Some(&r), "d".into()).0, Outcome::Stale);
    }
}
