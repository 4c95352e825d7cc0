//! The HTML report: one self-contained page (no network, no files beside it) with the cases ×
//! SDKs matrix, a colour per outcome, the detail of a cell on click (expected vs got, the request
//! log), filters by area and SDK, and totals per SDK. The page is `report.html` with the JSON
//! report embedded; its script draws everything from that data.

use crate::report::Report;

const TEMPLATE: &str = include_str!("report.html");
const SLOT: &str = "/*REPORT_DATA*/";

/// The page for `report`.
pub fn render(report: &Report) -> String {
    // `<` only occurs inside JSON strings, where `\u003c` means the same; so no `</script>` in the
    // data can end the element early.
    let data = report.to_json().to_string().replace('<', "\\u003c");
    TEMPLATE.replacen(SLOT, &data, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CaseResult, Outcome};

    #[test]
    fn the_page_embeds_the_report_safely_and_needs_nothing_else() {
        let mut r = Report::default();
        let mut row = CaseResult::new(
            "a/b",
            "rust",
            Outcome::Fail,
            "</script><script>alert(1)</script>".into(),
            5,
        );
        row.journal = vec!["#0 +1ms GET /health → 200".into()];
        r.push(row);
        let page = render(&r);
        assert!(TEMPLATE.contains(SLOT));
        assert!(!page.contains(SLOT));
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the page's own elements close"
        );
        assert!(page.contains(r#"\u003c/script>\u003cscript>alert(1)\u003c/script>"#));
        let start = page.find(r#"id="report-data">"#).unwrap() + r#"id="report-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(
            data["results"][0]["detail"],
            "</script><script>alert(1)</script>"
        );
        for external in ["src=\"http", "href=\"http", "@import", "url(http"] {
            assert!(!page.contains(external), "the page loads {external}");
        }
    }
}
