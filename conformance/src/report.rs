//! Results of a conformance run and the three ways they are shown: the terminal matrix, the JSON
//! report (`{"results":[{"case","sdk","outcome","detail"}]}`) and JUnit XML. Used by both modes
//! (`run`, where `sdk` is a driver name, and `server`, where it is `"server"`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

/// What happened to one case on one SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Failed, and listed in `expected-failures/<sdk>.yaml`.
    ExpectedFail,
    /// Not run: the driver lacks a feature the case requires.
    Skipped,
    /// Listed as an expected failure but passed: the list must be updated.
    Stale,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::ExpectedFail => "expected-fail",
            Outcome::Skipped => "skipped",
            Outcome::Stale => "stale",
        }
    }

    /// Outcomes that make the run exit non-zero.
    pub fn is_bad(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Stale)
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub case: String,
    pub sdk: String,
    pub outcome: Outcome,
    /// Why it failed or was skipped; empty for a plain pass.
    pub detail: String,
    /// Wall time of the case in milliseconds (not part of the JSON contract's required fields).
    pub duration_ms: u64,
}

#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
}

impl Report {
    pub fn push(&mut self, r: CaseResult) {
        self.results.push(r);
    }

    pub fn has_bad(&self) -> bool {
        self.results.iter().any(|r| r.outcome.is_bad())
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The JSON report.
    pub fn to_json(&self) -> serde_json::Value {
        let mut rows = self.results.clone();
        rows.sort_by(|a, b| (&a.case, &a.sdk).cmp(&(&b.case, &b.sdk)));
        serde_json::json!({ "results": rows })
    }

    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
    }

    /// JUnit XML: one `<testsuite>` per SDK, one `<testcase>` per case.
    pub fn to_junit(&self) -> String {
        let sdks: BTreeSet<&str> = self.results.iter().map(|r| r.sdk.as_str()).collect();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
        for sdk in sdks {
            let rows: Vec<&CaseResult> = self.results.iter().filter(|r| r.sdk == sdk).collect();
            let failures = rows.iter().filter(|r| r.outcome.is_bad()).count();
            let skipped = rows
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Skipped | Outcome::ExpectedFail))
                .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"axme-conformance.{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
                xml_escape(sdk),
                rows.len(),
                failures,
                skipped
            );
            for r in rows {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml_escape(sdk),
                    xml_escape(&r.case),
                    r.duration_ms as f64 / 1000.0
                );
                match r.outcome {
                    Outcome::Pass => out.push_str("/>\n"),
                    Outcome::Fail | Outcome::Stale => {
                        let _ = write!(
                            out,
                            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                            r.outcome.as_str(),
                            xml_escape(&r.detail)
                        );
                    }
                    Outcome::Skipped | Outcome::ExpectedFail => {
                        let _ = write!(
                            out,
                            ">\n      <skipped message=\"{}: {}\"/>\n    </testcase>\n",
                            r.outcome.as_str(),
                            xml_escape(&r.detail)
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    pub fn write_junit(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, self.to_junit())
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
    }

    /// The cases × SDKs matrix as plain text, followed by the details of every bad outcome.
    pub fn matrix(&self) -> String {
        let sdks: Vec<String> = self
            .results
            .iter()
            .map(|r| r.sdk.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let cases: BTreeSet<&str> = self.results.iter().map(|r| r.case.as_str()).collect();
        let case_w = cases.iter().map(|c| c.len()).max().unwrap_or(4).max(4);
        let col_w = sdks.iter().map(|s| s.len()).max().unwrap_or(0).max(13);
        let mut out = String::new();
        let _ = write!(out, "{:case_w$}", "case");
        for s in &sdks {
            let _ = write!(out, "  {s:col_w$}");
        }
        out.push('\n');
        for case in &cases {
            let _ = write!(out, "{case:case_w$}");
            for s in &sdks {
                let cell = self
                    .results
                    .iter()
                    .find(|r| r.case == *case && &r.sdk == s)
                    .map(|r| r.outcome.as_str())
                    .unwrap_or("-");
                let _ = write!(out, "  {cell:col_w$}");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\n{} results: {} pass, {} fail, {} expected-fail, {} skipped, {} stale",
            self.results.len(),
            self.count(Outcome::Pass),
            self.count(Outcome::Fail),
            self.count(Outcome::ExpectedFail),
            self.count(Outcome::Skipped),
            self.count(Outcome::Stale)
        );
        for r in self.results.iter().filter(|r| r.outcome.is_bad()) {
            let _ = writeln!(
                out,
                "\n{} [{}] {}: {}",
                r.case,
                r.sdk,
                r.outcome.as_str(),
                r.detail
            );
        }
        out
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(case: &str, sdk: &str, outcome: Outcome) -> CaseResult {
        CaseResult {
            case: case.into(),
            sdk: sdk.into(),
            outcome,
            detail: "a < b & \"c\"".into(),
            duration_ms: 12,
        }
    }

    #[test]
    fn json_report_has_the_contract_fields() {
        let mut r = Report::default();
        r.push(row("retries/x", "rust", Outcome::ExpectedFail));
        let v = r.to_json();
        assert_eq!(v["results"][0]["case"], "retries/x");
        assert_eq!(v["results"][0]["sdk"], "rust");
        assert_eq!(v["results"][0]["outcome"], "expected-fail");
        assert!(v["results"][0]["detail"].is_string());
    }

    #[test]
    fn junit_escapes_and_counts() {
        let mut r = Report::default();
        r.push(row("a/b", "python", Outcome::Fail));
        r.push(row("a/c", "python", Outcome::Pass));
        r.push(row("a/d", "python", Outcome::Skipped));
        let x = r.to_junit();
        assert!(x.contains("tests=\"3\" failures=\"1\" skipped=\"1\""));
        assert!(x.contains("a &lt; b &amp; &quot;c&quot;"));
        assert!(r.has_bad());
    }

    #[test]
    fn stale_is_bad_and_expected_fail_is_not() {
        assert!(Outcome::Stale.is_bad());
        assert!(!Outcome::ExpectedFail.is_bad());
        assert!(!Outcome::Skipped.is_bad());
    }
}
