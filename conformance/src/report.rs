//! Results of a conformance run and the ways they are shown: the terminal matrix, the JSON report
//! (`{"results":[{"case","sdk","outcome","detail",…}],"sdks":{…}}`), JUnit XML and the HTML page
//! ([`crate::report_html`]). Used by both modes (`run`, where `sdk` is a driver name, and
//! `server`, where it is `"server"`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What happened to one case on one SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::ExpectedFail,
        Outcome::Skipped,
        Outcome::Stale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::ExpectedFail => "expected-fail",
            Outcome::Skipped => "skipped",
            Outcome::Stale => "stale",
        }
    }

    /// The matrix cell: short, and upper case for the outcomes that fail the run.
    pub fn cell(self) -> &'static str {
        match self {
            Outcome::Pass => "ok",
            Outcome::Fail => "FAIL",
            Outcome::ExpectedFail => "xfail",
            Outcome::Skipped => "skip",
            Outcome::Stale => "STALE",
        }
    }

    /// Outcomes that make the run exit non-zero.
    pub fn is_bad(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Stale)
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    pub case: String,
    pub sdk: String,
    pub outcome: Outcome,
    /// Why it failed or was skipped; empty for a plain pass.
    pub detail: String,
    /// Wall time of the case in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// The case's own description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// For a failed comparison: what the case expected (an `expect`, a journal check)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// …and what came back (the driver's answer, the requests the check selected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<Value>,
    /// The request log of the case's credential, one line per request (possibly shortened).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
}

impl CaseResult {
    pub fn new(case: &str, sdk: &str, outcome: Outcome, detail: String, duration_ms: u64) -> Self {
        CaseResult {
            case: case.to_string(),
            sdk: sdk.to_string(),
            outcome,
            detail,
            duration_ms,
            description: String::new(),
            expected: None,
            got: None,
            journal: Vec::new(),
        }
    }
}

/// What a driver said about its SDK in its hello.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SdkInfo {
    pub version: String,
    pub features: Vec<String>,
}

/// Largest `expected`/`got` kept in a report, in bytes of JSON (a 1 MiB blob is not kept whole).
const MAX_KEPT_VALUE: usize = 16 * 1024;

/// `v`, or a cut string of it when its JSON is too long for a report.
pub fn bounded(v: Value) -> Value {
    let text = v.to_string();
    if text.len() <= MAX_KEPT_VALUE {
        return v;
    }
    let cut: String = text.chars().take(MAX_KEPT_VALUE).collect();
    Value::String(format!("{cut}… ({} bytes of JSON, cut)", text.len()))
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub results: Vec<CaseResult>,
    /// The SDKs of the run, by driver name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sdks: BTreeMap<String, SdkInfo>,
}

/// Width the terminal matrix keeps within.
pub const MATRIX_WIDTH: usize = 120;

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
        let mut v = serde_json::json!({ "results": rows });
        if !self.sdks.is_empty() {
            v["sdks"] = serde_json::json!(self.sdks);
        }
        v
    }

    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
    }

    /// A report written by [`Report::write_json`].
    pub fn read_json(path: &Path) -> anyhow::Result<Report> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a conformance JSON report: {e}", path.display()))
    }

    /// The self-contained HTML page.
    pub fn write_html(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, crate::report_html::render(self))
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

    /// SDK names in the order columns show them: the known languages first (the drivers that
    /// exist and those planned), then any other name alphabetically.
    pub fn sdk_order(&self) -> Vec<String> {
        const KNOWN: [&str; 7] = [
            "rust",
            "python",
            "typescript",
            "go",
            "java",
            "dotnet",
            "server",
        ];
        let mut names: Vec<String> = self
            .results
            .iter()
            .map(|r| r.sdk.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        names.sort_by_key(|n| {
            (
                KNOWN.iter().position(|k| k == n).unwrap_or(KNOWN.len()),
                n.clone(),
            )
        });
        names
    }

    /// The cases × SDKs matrix as plain text within [`MATRIX_WIDTH`] columns (case ids that do not
    /// fit are shortened), totals per SDK, then the details of every bad outcome.
    pub fn matrix(&self) -> String {
        let sdks = self.sdk_order();
        let cases: BTreeSet<&str> = self.results.iter().map(|r| r.case.as_str()).collect();
        let cell: BTreeMap<(&str, &str), Outcome> = self
            .results
            .iter()
            .map(|r| ((r.case.as_str(), r.sdk.as_str()), r.outcome))
            .collect();
        let widths: Vec<usize> = sdks.iter().map(|s| s.chars().count().max(5)).collect();
        let columns: usize = widths.iter().map(|w| w + 2).sum();
        let longest = cases.iter().map(|c| c.chars().count()).max().unwrap_or(4);
        let case_w = longest.min(MATRIX_WIDTH.saturating_sub(columns)).max(16);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} case(s) × {} SDK(s); ok = pass, FAIL = fail, xfail = expected failure, skip = skipped, STALE = stale",
            cases.len(),
            sdks.len()
        );
        let header = |out: &mut String, first: &str| {
            let _ = write!(out, "{first:case_w$}");
            for (s, w) in sdks.iter().zip(&widths) {
                let _ = write!(out, "  {s:w$}");
            }
            out.push('\n');
        };
        header(&mut out, "case");
        for case in &cases {
            let _ = write!(out, "{:case_w$}", fit(case, case_w));
            for (s, w) in sdks.iter().zip(&widths) {
                let text = cell.get(&(*case, s.as_str())).map_or("-", |o| o.cell());
                let _ = write!(out, "  {text:w$}");
            }
            out.push('\n');
        }
        out.push('\n');
        header(&mut out, "totals");
        for outcome in Outcome::ALL {
            let _ = write!(out, "{:case_w$}", outcome.as_str());
            for (s, w) in sdks.iter().zip(&widths) {
                let n = self
                    .results
                    .iter()
                    .filter(|r| &r.sdk == s && r.outcome == outcome)
                    .count();
                let _ = write!(out, "  {n:<w$}");
            }
            out.push('\n');
        }
        // Cells are padded to their column; nothing is gained by padding the last one.
        let mut out: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
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

/// `s` in at most `width` characters, shortened in the middle (the area and the end of the name
/// say the most).
fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    let keep = width.saturating_sub(1);
    let head = keep / 2;
    let tail = keep - head;
    let chars: Vec<char> = s.chars().collect();
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
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
        CaseResult::new(case, sdk, outcome, "a < b & \"c\"".into(), 12)
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

    /// A report as six SDKs would make it: every outcome, long case ids.
    pub(crate) fn six_sdks() -> Report {
        let mut r = Report::default();
        let sdks = ["rust", "python", "typescript", "go", "java", "dotnet"];
        let cases = [
            "auth/api_key_and_client_headers",
            "cancellation/wait_for_cancelled_leaves_no_stream_open",
            "concurrency/one_hundred_wait_for_on_one_client_wake_on_their_own",
            "payloads/integers_beyond_2_53_round_trip",
            "a/b",
        ];
        for (i, case) in cases.iter().enumerate() {
            for (j, sdk) in sdks.iter().enumerate() {
                r.push(row(case, sdk, Outcome::ALL[(i + j) % 5]));
            }
        }
        r
    }

    #[test]
    fn the_matrix_of_six_sdks_fits_120_columns() {
        let r = six_sdks();
        let text = r.matrix();
        let table: Vec<&str> = text.split("\n\n").take(2).flat_map(|b| b.lines()).collect();
        for line in &table {
            assert!(
                line.chars().count() <= MATRIX_WIDTH,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        assert!(
            table[1].starts_with("case") && table[1].contains("typescript  go     java   dotnet"),
            "{text}"
        );
        assert!(
            text.contains("auth/api_key_and_client_headers"),
            "short ids are whole: {text}"
        );
        assert!(
            text.contains("concurrency/one_hundred_wait_for_on_one_client_wake_on_their_own"),
            "{text}"
        );
        let line = table.iter().find(|l| l.starts_with("a/b")).unwrap();
        let cells: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert_eq!(cells, ["STALE", "ok", "FAIL", "xfail", "skip", "STALE"]);
        let pass = table.iter().find(|l| l.starts_with("pass ")).unwrap();
        assert_eq!(
            pass.split_whitespace().skip(1).collect::<Vec<_>>(),
            ["1"; 6]
        );
        // An id too long for the space left is shortened in the middle, never wrapped.
        let mut r = six_sdks();
        let long = format!("area/{}", "x".repeat(150));
        r.push(row(&long, "rust", Outcome::Pass));
        for line in r.matrix().split("\n\n").take(2).flat_map(|b| b.lines()) {
            assert!(line.chars().count() <= MATRIX_WIDTH, "{line}");
        }
        assert!(r.matrix().contains("area/xxx"));
    }

    #[test]
    fn the_json_report_reads_back() {
        let mut r = six_sdks();
        r.results[0].expected = Some(serde_json::json!({"ok": true}));
        r.results[0].journal = vec!["#0 GET /health → 200".into()];
        r.sdks.insert(
            "rust".into(),
            SdkInfo {
                version: "0.3.0".into(),
                features: vec!["intents".into()],
            },
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("r.json");
        r.write_json(&path).unwrap();
        let back = Report::read_json(&path).unwrap();
        assert_eq!(back.results.len(), r.results.len());
        assert_eq!(back.sdks["rust"].version, "0.3.0");
        assert_eq!(back.to_json(), r.to_json());
        assert!(bounded(serde_json::json!("x".repeat(40_000)))
            .as_str()
            .unwrap()
            .ends_with("cut)"));
        assert_eq!(bounded(serde_json::json!(1)), serde_json::json!(1));
    }

    #[test]
    fn stale_is_bad_and_expected_fail_is_not() {
        assert!(Outcome::Stale.is_bad());
        assert!(!Outcome::ExpectedFail.is_bad());
        assert!(!Outcome::Skipped.is_bad());
    }
}
