//! Checks on the server's request log of a case's credential (case-format.md, Journal checks):
//! what the SDK actually sent, seen from the server: headers, attempt counts, key equality,
//! spacing between attempts, query strings, how and when each exchange ended.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::matcher::{matches, short};

/// The journal entries a `select` picks, in arrival order.
pub fn select<'a>(journal: &'a [Value], sel: &Value) -> Vec<&'a Value> {
    journal
        .iter()
        .filter(|r| {
            let eq = |key: &str, ci: bool| match sel.get(key) {
                None => true,
                Some(Value::Null) => r[key].is_null(),
                Some(want) => {
                    let want = want.as_str().unwrap_or_default();
                    let got = r[key].as_str().unwrap_or_default();
                    if ci {
                        got.eq_ignore_ascii_case(want)
                    } else {
                        got == want
                    }
                }
            };
            // `ended` and `status` select by value, `null` included (still open, no answer).
            let same = |key: &str| sel.get(key).is_none_or(|want| r[key] == *want);
            eq("method", true)
                && eq("route", false)
                && eq("path", false)
                && same("ended")
                && same("status")
        })
        .collect()
}

/// Headers worth showing in an excerpt (the rest are the same on every request or secret).
const EXCERPT_HEADERS: &[&str] = &[
    "idempotency-key",
    "last-event-id",
    "mcp-session-id",
    "x-axme-client",
];

/// One line per request, for reports: index, arrival, method, path and query, status, how it
/// ended, and the headers that tell attempts apart.
pub fn excerpt_line(r: &Value) -> String {
    let mut line = format!(
        "#{} +{:.0}ms {} {}{} → {}",
        r["index"],
        r["elapsed_ms"].as_f64().unwrap_or(0.0),
        r["method"].as_str().unwrap_or("?"),
        r["path"].as_str().unwrap_or("?"),
        r["query"]
            .as_str()
            .map(|q| format!("?{}", cut(q, 80)))
            .unwrap_or_default(),
        r["status"]
    );
    if let Some(how) = r["ended"].as_str() {
        let took = r["ended_ms"].as_f64().unwrap_or(0.0) - r["elapsed_ms"].as_f64().unwrap_or(0.0);
        line.push_str(&format!(", {how} after {took:.0} ms"));
    } else {
        line.push_str(", still open");
    }
    for name in EXCERPT_HEADERS {
        if let Some(v) = header(r, name).and_then(Value::as_str) {
            line.push_str(&format!(" {name}={}", cut(v, 48)));
        }
    }
    line
}

/// At most `limit` excerpt lines: the first and the last requests, with a line saying how many
/// were left out between them.
pub fn excerpt(journal: &[Value], limit: usize) -> Vec<String> {
    if journal.len() <= limit {
        return journal.iter().map(excerpt_line).collect();
    }
    let head = limit / 2;
    let tail = limit - head - 1;
    let mut out: Vec<String> = journal[..head].iter().map(excerpt_line).collect();
    out.push(format!(
        "… {} more request(s) …",
        journal.len() - head - tail
    ));
    out.extend(journal[journal.len() - tail..].iter().map(excerpt_line));
    out
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
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
    for (key, longest) in [("max_duration_ms", true), ("min_duration_ms", false)] {
        let Some(limit) = check[key].as_f64() else {
            continue;
        };
        for r in &picked {
            let took = match (r["ended_ms"].as_f64(), r["elapsed_ms"].as_f64()) {
                (Some(end), Some(start)) => end - start,
                _ => return Err(format!("{}: request #{} has not ended", ctx(), r["index"])),
            };
            if (longest && took > limit) || (!longest && took < limit) {
                let bound = if longest { "at most" } else { "at least" };
                return Err(format!(
                    "{}: request #{} lasted {took:.0} ms, expected {bound} {limit} ms",
                    ctx(),
                    r["index"]
                ));
            }
        }
    }
    if let Some(groups) = check.get("groups") {
        check_groups(&picked, groups).map_err(|e| format!("{}: {e}", ctx()))?;
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

/// `groups: {header, count?, statuses?}`: the requests grouped by the value of a header (one group
/// per logical call when the header is its idempotency key); the number of groups, and the
/// statuses of each group in arrival order.
fn check_groups(picked: &[&Value], groups: &Value) -> Result<(), String> {
    let name = groups["header"].as_str().unwrap_or_default();
    let mut by_value: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in picked {
        let Some(v) = header(r, name).and_then(Value::as_str) else {
            return Err(format!("request #{} has no {name} header", r["index"]));
        };
        by_value
            .entry(v.to_string())
            .or_default()
            .push(r["status"].clone());
    }
    if let Some(want) = groups["count"].as_u64() {
        if by_value.len() as u64 != want {
            return Err(format!(
                "expected {want} distinct {name} value(s), got {}",
                by_value.len()
            ));
        }
    }
    if let Some(statuses) = groups.get("statuses") {
        for (value, got) in &by_value {
            if Value::Array(got.clone()) != *statuses {
                return Err(format!(
                    "the requests with {name} {value} answered {}, expected {statuses}",
                    Value::Array(got.clone())
                ));
            }
        }
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
    if let Some(m) = check.get("body_sha256") {
        let b = r.get("body_sha256").filter(|b| !b.is_null());
        matches(m, b, "body_sha256")?;
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
        assert!(check(&j, &json!({"select": {"route": null}, "count": 0})).is_ok());
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
        let mut j3 = vec![entry(0, 1.0, None, 200)];
        j3[0]["body_sha256"] = json!("ab12");
        assert!(check(&j3, &json!({"select": {}, "body_sha256": "ab12"})).is_ok());
        assert!(check(
            &j3,
            &json!({"select": {}, "nth": {"index": 0, "body_sha256": "ff"}})
        )
        .is_err());
    }

    fn ended(i: u64, at: f64, took: Option<f64>, how: &str, key: &str, status: Value) -> Value {
        let mut e = entry(i, at, Some(key), 200);
        e["status"] = status;
        e["ended"] = if took.is_some() {
            json!(how)
        } else {
            Value::Null
        };
        e["ended_ms"] = took.map_or(Value::Null, |t| json!(at + t));
        e
    }

    #[test]
    fn endings_durations_and_groups() {
        let j = vec![
            ended(0, 10.0, Some(30.0), "client_closed", "a", Value::Null),
            ended(1, 20.0, Some(5.0), "completed", "b", json!(503)),
            ended(2, 40.0, Some(5.0), "completed", "a", json!(200)),
            ended(3, 50.0, None, "", "b", Value::Null),
        ];
        let closed = json!({"ended": "client_closed"});
        assert_eq!(select(&j, &closed).len(), 1);
        assert_eq!(select(&j, &json!({"ended": null})).len(), 1);
        assert_eq!(select(&j, &json!({"status": 503})).len(), 1);
        assert!(check(&j, &json!({"select": closed, "max_duration_ms": 30})).is_ok());
        let e = check(&j, &json!({"select": closed, "max_duration_ms": 29})).unwrap_err();
        assert!(e.contains("lasted 30 ms, expected at most 29 ms"), "{e}");
        assert!(check(&j, &json!({"select": closed, "min_duration_ms": 31})).is_err());
        let e = check(&j, &json!({"select": {}, "max_duration_ms": 100})).unwrap_err();
        assert!(e.contains("#3 has not ended"), "{e}");
        let all = json!({"select": {}, "groups": {"header": "idempotency-key", "count": 2}});
        assert!(check(&j, &all).is_ok());
        let e = check(
            &j,
            &json!({"select": {}, "groups": {"header": "idempotency-key", "count": 4}}),
        )
        .unwrap_err();
        assert!(
            e.contains("expected 4 distinct idempotency-key value(s), got 2"),
            "{e}"
        );
        let e = check(
            &j,
            &json!({"select": {}, "groups": {"header": "idempotency-key", "statuses": [null, 200]}}),
        )
        .unwrap_err();
        assert!(
            e.contains("with idempotency-key b answered [503,null]"),
            "{e}"
        );
        let lines = excerpt(&j, 3);
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("#0 +10ms POST /v1/intents → null, client_closed after 30 ms"),
            "{lines:?}"
        );
        assert!(lines[0].contains("idempotency-key=a"), "{lines:?}");
        assert_eq!(lines[1], "… 2 more request(s) …");
        assert!(
            lines[2].ends_with("still open idempotency-key=b"),
            "{lines:?}"
        );
    }
}
