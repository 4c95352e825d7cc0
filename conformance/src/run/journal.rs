//! Checks on the server's request log of a case's credential (case-format.md, Journal checks):
//! what the SDK actually sent, seen from the server: headers, attempt counts, key equality,
//! spacing between attempts, query strings.

use std::collections::HashSet;

use serde_json::Value;

use super::matcher::{matches, short};

/// The journal entries a `select` picks, in arrival order.
pub fn select<'a>(journal: &'a [Value], sel: &Value) -> Vec<&'a Value> {
    journal
        .iter()
        .filter(|r| {
            let eq = |key: &str, ci: bool| match sel.get(key).and_then(Value::as_str) {
                None => true,
                Some(want) => {
                    let got = r[key].as_str().unwrap_or_default();
                    if ci {
                        got.eq_ignore_ascii_case(want)
                    } else {
                        got == want
                    }
                }
            };
            eq("method", true) && eq("route", false) && eq("path", false)
        })
        .collect()
}

/// The first value of a header in a journal entry (names are lower-case there).
pub fn header<'a>(entry: &'a Value, name: &str) -> Option<&'a Value> {
    entry["headers"][name.to_ascii_lowercase()]
        .as_array()
        .and_then(|v| v.first())
}

fn describe(entries: &[&Value]) -> String {
    let rows: Vec<String> = entries
        .iter()
        .map(|r| {
            format!(
                "#{} {} {}{} → {} at {:.0} ms",
                r["index"],
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?"),
                r["query"]
                    .as_str()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default(),
                r["status"],
                r["elapsed_ms"].as_f64().unwrap_or(0.0)
            )
        })
        .collect();
    if rows.is_empty() {
        "no matching requests".into()
    } else {
        rows.join("; ")
    }
}

/// Run one journal check; `Err` says what was wrong and what the journal held.
pub fn check(journal: &[Value], check: &Value) -> Result<(), String> {
    let sel = &check["select"];
    let picked = select(journal, sel);
    let ctx = || format!("journal {} ({})", sel, describe(&picked));
    let n = picked.len() as u64;
    if let Some(c) = check["count"].as_u64() {
        if n != c {
            return Err(format!("{}: expected {c} request(s), got {n}", ctx()));
        }
    }
    if let Some(c) = check["min_count"].as_u64() {
        if n < c {
            return Err(format!(
                "{}: expected at least {c} request(s), got {n}",
                ctx()
            ));
        }
    }
    if let Some(c) = check["max_count"].as_u64() {
        if n > c {
            return Err(format!(
                "{}: expected at most {c} request(s), got {n}",
                ctx()
            ));
        }
    }
    if let Some(name) = check["same_header"].as_str() {
        let values: Vec<Option<&Value>> = picked.iter().map(|r| header(r, name)).collect();
        if values.iter().any(Option::is_none) {
            return Err(format!(
                "{}: {name} missing on some requests: {values:?}",
                ctx()
            ));
        }
        if values.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!(
                "{}: {name} differs between requests: {values:?}",
                ctx()
            ));
        }
    }
    if let Some(name) = check["distinct_header"].as_str() {
        let values: Vec<Option<&Value>> = picked.iter().map(|r| header(r, name)).collect();
        if values.iter().any(Option::is_none) {
            return Err(format!(
                "{}: {name} missing on some requests: {values:?}",
                ctx()
            ));
        }
        let unique: HashSet<String> = values.iter().map(|v| format!("{v:?}")).collect();
        if unique.len() != values.len() {
            return Err(format!(
                "{}: {name} repeats between requests: {values:?}",
                ctx()
            ));
        }
    }
    for (i, r) in picked.iter().enumerate() {
        entry_checks(r, check).map_err(|e| format!("{}: request {i}: {e}", ctx()))?;
    }
    let times: Vec<f64> = picked
        .iter()
        .filter_map(|r| r["elapsed_ms"].as_f64())
        .collect();
    for w in times.windows(2) {
        let gap = w[1] - w[0];
        if let Some(min) = check["min_gap_ms"].as_f64() {
            if gap < min {
                return Err(format!(
                    "{}: requests {gap:.0} ms apart, expected at least {min} ms",
                    ctx()
                ));
            }
        }
        if let Some(max) = check["max_gap_ms"].as_f64() {
            if gap > max {
                return Err(format!(
                    "{}: requests {gap:.0} ms apart, expected at most {max} ms",
                    ctx()
                ));
            }
        }
    }
    if let Some(statuses) = check.get("statuses") {
        let got: Vec<Value> = picked.iter().map(|r| r["status"].clone()).collect();
        if *statuses != Value::Array(got.clone()) {
            return Err(format!(
                "{}: statuses {} expected {statuses}",
                ctx(),
                Value::Array(got)
            ));
        }
    }
    if let Some(nth) = check.get("nth") {
        let idx = nth["index"].as_i64().unwrap_or(0);
        let pos = if idx < 0 {
            picked.len() as i64 + idx
        } else {
            idx
        };
        let Some(r) = usize::try_from(pos).ok().and_then(|p| picked.get(p)) else {
            return Err(format!("{}: no request at index {idx}", ctx()));
        };
        entry_checks(r, nth).map_err(|e| format!("{}: request {idx}: {e}", ctx()))?;
    }
    Ok(())
}

/// `header`, `absent_header` and `query` checks on one entry.
fn entry_checks(r: &Value, check: &Value) -> Result<(), String> {
    if let Some(headers) = check["header"].as_object() {
        for (name, m) in headers {
            matches(m, header(r, name), &format!("header {name}"))?;
        }
    }
    if let Some(name) = check["absent_header"].as_str() {
        if let Some(v) = header(r, name) {
            return Err(format!("header {name} was sent ({})", short(v)));
        }
    }
    if let Some(m) = check.get("query") {
        let q = r.get("query").filter(|q| !q.is_null());
        matches(m, q, "query")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(i: u64, at: f64, key: Option<&str>, status: u64) -> Value {
        let mut headers = json!({"x-trace-id": [format!("t{i}")]});
        if let Some(k) = key {
            headers["idempotency-key"] = json!([k]);
        }
        json!({"index": i, "elapsed_ms": at, "method": "POST", "path": "/v1/intents",
               "route": "/v1/intents", "query": null, "headers": headers, "status": status})
    }

    #[test]
    fn counts_headers_gaps_statuses() {
        let j = vec![
            entry(0, 10.0, Some("k"), 503),
            entry(1, 1100.0, Some("k"), 200),
        ];
        let sel = json!({"method": "post", "route": "/v1/intents"});
        assert!(check(&j, &json!({"select": sel, "count": 2, "same_header": "idempotency-key",
                                  "distinct_header": "x-trace-id", "min_gap_ms": 1000,
                                  "statuses": [503, 200], "header": {"idempotency-key": {"$exists": true}},
                                  "nth": {"index": -1, "header": {"x-trace-id": "t1"}}}))
            .is_ok());
        let e = check(&j, &json!({"select": sel, "min_gap_ms": 2000})).unwrap_err();
        assert!(e.contains("1090 ms apart"), "{e}");
        let e = check(&j, &json!({"select": sel, "count": 3})).unwrap_err();
        assert!(
            e.contains("expected 3") && e.contains("#1 POST /v1/intents"),
            "{e}"
        );
        assert!(check(
            &j,
            &json!({"select": sel, "absent_header": "idempotency-key"})
        )
        .is_err());
        assert!(check(
            &j,
            &json!({"select": sel, "distinct_header": "idempotency-key"})
        )
        .is_err());
        assert!(check(&j, &json!({"select": {"route": "/x"}, "count": 0})).is_ok());
        let j2 = vec![entry(0, 1.0, None, 503)];
        assert!(check(
            &j2,
            &json!({"select": sel, "absent_header": "idempotency-key",
                                   "header": {"idempotency-key": {"$exists": false}}})
        )
        .is_ok());
        assert!(check(
            &j2,
            &json!({"select": sel, "same_header": "idempotency-key"})
        )
        .is_err());
        assert!(check(&j2, &json!({"select": sel, "nth": {"index": 4}})).is_err());
    }
}
