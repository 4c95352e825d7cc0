//! A step's `expect` against a driver answer (`{ok, result}` / `{ok, error}`), or against a
//! runner-side HTTP step's `{status, body}`.

use serde_json::Value;

use super::matcher::{matches, short};

/// `since` is the step's `args.since` (0 when absent), for `seqs_contiguous`.
pub fn check(expect: &Value, answer: &Value, since: u64) -> Result<(), String> {
    let ok = answer["ok"].as_bool().unwrap_or(false);
    // A step that expects nothing explicit must at least succeed.
    let want_ok = expect["ok"]
        .as_bool()
        .unwrap_or(expect.get("error").is_none());
    if ok != want_ok {
        return Err(if ok {
            format!(
                "expected a failure, got a result: {}",
                short(&answer["result"])
            )
        } else {
            format!(
                "expected success, got an error: {}",
                short(&answer["error"])
            )
        });
    }
    if let Some(r) = expect.get("result") {
        matches(r, answer.get("result"), "result")?;
    }
    if let Some(e) = expect.get("error") {
        matches(e, answer.get("error"), "error")?;
    }
    let events = || -> Result<&Vec<Value>, String> {
        answer["result"]["events"].as_array().ok_or_else(|| {
            format!(
                "expected result.events to be an array: {}",
                short(&answer["result"])
            )
        })
    };
    if let Some(types) = expect.get("event_types") {
        let got: Vec<Value> = events()?.iter().map(|e| e["event_type"].clone()).collect();
        if Value::Array(got.clone()) != *types {
            return Err(format!(
                "event types {} expected {types}",
                Value::Array(got)
            ));
        }
    }
    let seqs = || -> Result<Vec<Option<u64>>, String> {
        Ok(events()?.iter().map(|e| e["seq"].as_u64()).collect())
    };
    if expect.get("seqs").is_some() {
        let s = seqs()?;
        let ok = s.iter().all(Option::is_some) && s.windows(2).all(|w| w[0] < w[1]);
        if !ok {
            return Err(format!("seqs {s:?} are not strictly increasing"));
        }
    }
    if expect["seqs_contiguous"].as_bool() == Some(true) {
        let s = seqs()?;
        let want: Vec<Option<u64>> = (1..=s.len() as u64).map(|i| Some(since + i)).collect();
        if s != want {
            return Err(format!(
                "seqs {s:?} are not contiguous from since={since} (expected {want:?})"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ok_error_events() {
        let res = json!({"ok": true, "result": {"events": [
            {"seq": 3, "event_type": "intent.in_progress"}, {"seq": 4, "event_type": "intent.completed"}]}});
        assert!(check(&json!({}), &res, 0).is_ok());
        assert!(check(
            &json!({"event_types": ["intent.in_progress", "intent.completed"],
                              "seqs": "strictly_increasing", "seqs_contiguous": true}),
            &res,
            2
        )
        .is_ok());
        assert!(check(&json!({"seqs_contiguous": true}), &res, 0)
            .unwrap_err()
            .contains("contiguous"));
        assert!(check(&json!({"event_types": ["intent.completed"]}), &res, 0).is_err());
        assert!(check(&json!({"ok": false}), &res, 0)
            .unwrap_err()
            .contains("expected a failure"));
        let err =
            json!({"ok": false, "error": {"kind": "auth", "status": 401, "request_id": "req_1"}});
        assert!(check(
            &json!({"error": {"kind": "auth", "request_id": {"$regex": "."}}}),
            &err,
            0
        )
        .is_ok());
        assert!(check(&json!({}), &err, 0)
            .unwrap_err()
            .contains("expected success"));
        assert!(check(&json!({"error": {"kind": "server"}}), &err, 0)
            .unwrap_err()
            .contains("error.kind"));
        let dup = json!({"ok": true, "result": {"events": [{"seq": 1}, {"seq": 1}]}});
        assert!(check(&json!({"seqs": "strictly_increasing"}), &dup, 0).is_err());
    }
}
