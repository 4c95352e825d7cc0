//! The partial matcher of `expect` and journal checks (case-format.md): objects match when each
//! expected key matches (extra keys allowed), arrays element by element with the same length,
//! scalars by equality, and single-key `$`-operator objects as documented. A mismatch comes back
//! as a message naming the path, what was expected and what was there.

use serde_json::Value;

/// `Ok(())` when `actual` matches `expected`, else where and why not.
pub fn matches(expected: &Value, actual: Option<&Value>, path: &str) -> Result<(), String> {
    if let Some((op, arg)) = operator(expected) {
        return apply_operator(op, arg, actual, path);
    }
    let Some(actual) = actual else {
        return Err(format!("{path}: expected {expected}, but it is missing"));
    };
    match (expected, actual) {
        (Value::Object(exp), Value::Object(act)) => {
            for (k, e) in exp {
                matches(e, act.get(k), &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(exp), Value::Array(act)) => {
            if exp.len() != act.len() {
                return Err(format!(
                    "{path}: expected {} element(s), got {}: {}",
                    exp.len(),
                    act.len(),
                    short(actual)
                ));
            }
            for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                matches(e, Some(a), &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (e, a) if numbers_equal(e, a) || e == a => Ok(()),
        _ => Err(format!(
            "{path}: expected {expected}, got {}",
            short(actual)
        )),
    }
}

const OPERATORS: &[&str] = &[
    "$exists",
    "$regex",
    "$ne",
    "$gte",
    "$lte",
    "$gt",
    "$lt",
    "$len",
    "$contains",
    "$one_of",
    "$any",
];

/// `{"$bytes": "<base64>"}` is a value (raw bytes, driver-protocol.md), not an operator.
pub const BYTES_KEY: &str = "$bytes";

fn operator(v: &Value) -> Option<(&str, &Value)> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    let (k, arg) = o.iter().next()?;
    (k.starts_with('$') && k != BYTES_KEY).then_some((k.as_str(), arg))
}

/// Checks operator names and argument types up front, so a typo is a case error, not a failure.
pub fn check_operators(v: &Value, path: &str) -> Result<(), String> {
    if let Some(models) = v.as_object().and_then(|o| o.get(super::vars::NUMBERS_KEY)) {
        // Replaced by one of its values before matching (vars.rs): each must be a valid matcher.
        let Some(models) = models.as_object().filter(|m| m.contains_key("int64")) else {
            return Err(format!("{path}: $numbers needs {{int64: …, double: …}}"));
        };
        return models
            .iter()
            .try_for_each(|(k, x)| check_operators(x, &format!("{path}.$numbers.{k}")));
    }
    if let Some((op, arg)) = operator(v) {
        let ok = match op {
            "$exists" | "$any" => arg.is_boolean(),
            "$regex" => arg.as_str().is_some_and(regex_ok),
            "$gte" | "$lte" | "$gt" | "$lt" => arg.is_number(),
            "$len" => arg.is_u64(),
            "$one_of" => arg.is_array(),
            "$ne" => true,
            "$contains" => return check_operators(arg, &format!("{path}.$contains")),
            _ => {
                return Err(format!(
                    "{path}: unknown operator {op}; use one of {}",
                    OPERATORS.join(", ")
                ))
            }
        };
        return if ok {
            Ok(())
        } else {
            Err(format!("{path}: bad argument for {op}: {arg}"))
        };
    }
    match v {
        Value::Object(o) => o
            .iter()
            .try_for_each(|(k, x)| check_operators(x, &format!("{path}.{k}"))),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_operators(x, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

fn regex_ok(r: &str) -> bool {
    jsonschema::validator_for(&serde_json::json!({"pattern": r})).is_ok()
}

fn regex_matches(pattern: &str, s: &str) -> bool {
    // The pattern keyword of JSON Schema is an ECMA 262 regex search, which is what `$regex` means.
    jsonschema::validator_for(&serde_json::json!({"type": "string", "pattern": pattern}))
        .map(|v| v.is_valid(&Value::String(s.to_string())))
        .unwrap_or(false)
}

fn apply_operator(op: &str, arg: &Value, actual: Option<&Value>, path: &str) -> Result<(), String> {
    let present = actual.filter(|a| !a.is_null());
    let fail = |what: String| {
        Err(format!(
            "{path}: {what}, got {}",
            actual.map_or("nothing".into(), short)
        ))
    };
    match op {
        "$any" => Ok(()),
        "$exists" => {
            let want = arg.as_bool().unwrap_or(true);
            if present.is_some() == want {
                Ok(())
            } else if want {
                fail("expected a value".into())
            } else {
                fail("expected no value".into())
            }
        }
        "$regex" => {
            let pattern = arg.as_str().unwrap_or_default();
            match present.and_then(Value::as_str) {
                Some(s) if regex_matches(pattern, s) => Ok(()),
                _ => fail(format!("expected a string matching /{pattern}/")),
            }
        }
        "$ne" => match actual {
            Some(a) if a == arg || numbers_equal(arg, a) => {
                fail(format!("expected anything but {arg}"))
            }
            _ => Ok(()),
        },
        "$gte" | "$lte" | "$gt" | "$lt" => {
            let (Some(a), Some(b)) = (present.and_then(Value::as_f64), arg.as_f64()) else {
                return fail(format!("expected a number {op} {arg}"));
            };
            let ok = match op {
                "$gte" => a >= b,
                "$lte" => a <= b,
                "$gt" => a > b,
                _ => a < b,
            };
            if ok {
                Ok(())
            } else {
                fail(format!("expected a number {op} {arg}"))
            }
        }
        "$len" => {
            let n = arg.as_u64().unwrap_or(0) as usize;
            let len = match present {
                Some(Value::Array(a)) => Some(a.len()),
                Some(Value::String(s)) => Some(s.chars().count()),
                Some(Value::Object(o)) => Some(o.len()),
                _ => None,
            };
            if len == Some(n) {
                Ok(())
            } else {
                fail(format!("expected length {n}"))
            }
        }
        "$contains" => match present {
            Some(Value::Array(items))
                if items.iter().any(|x| matches(arg, Some(x), path).is_ok()) =>
            {
                Ok(())
            }
            _ => fail(format!("expected an array with an element matching {arg}")),
        },
        "$one_of" => {
            let options = arg.as_array().cloned().unwrap_or_default();
            if options.iter().any(|o| matches(o, actual, path).is_ok()) {
                Ok(())
            } else {
                fail(format!("expected one of {arg}"))
            }
        }
        other => Err(format!("{path}: unknown operator {other}")),
    }
}

/// 1 and 1.0 are the same number in JSON; integers compare exactly (2^53 + 1 is not 2^53, even
/// though both round to the same double), and a float equals an integer only when it holds that
/// very integer.
fn numbers_equal(a: &Value, b: &Value) -> bool {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return false;
    };
    let int = |n: &serde_json::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    // A double that holds an integer exactly (every double beyond 2^53 does), within i128.
    let integral = |f: f64| (f.fract() == 0.0 && f.abs() < 1e38).then_some(f as i128);
    match (int(x), int(y)) {
        (Some(i), Some(j)) => i == j,
        (Some(i), None) => y.as_f64().and_then(integral) == Some(i),
        (None, Some(j)) => x.as_f64().and_then(integral) == Some(j),
        (None, None) => x.as_f64() == y.as_f64(),
    }
}

/// A value shown in a message, cut to a readable length.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        let cut: String = s.chars().take(300).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(e: Value, a: Value) -> bool {
        matches(&e, Some(&a), "result").is_ok()
    }

    #[test]
    fn objects_are_partial_and_arrays_exact_in_length() {
        assert!(ok(json!({"a": 1}), json!({"a": 1, "b": 2})));
        assert!(!ok(json!({"a": 1, "c": 3}), json!({"a": 1})));
        assert!(ok(json!([{"a": 1}, 2]), json!([{"a": 1, "x": 0}, 2])));
        assert!(!ok(json!([1]), json!([1, 2])));
        assert!(ok(json!(2), json!(2.0)));
        assert!(!ok(json!("2"), json!(2)));
        // Integers beyond 2^53 compare exactly, also against a double holding a neighbour.
        assert!(ok(json!(9007199254740993_u64), json!(9007199254740993_u64)));
        assert!(!ok(
            json!(9007199254740993_u64),
            json!(9007199254740992_u64)
        ));
        assert!(!ok(json!(9007199254740993_u64), json!(9007199254740992.0)));
        assert!(ok(json!(9007199254740992_u64), json!(9007199254740992.0)));
        assert!(ok(
            json!(-9223372036854775808_i64),
            json!(-9223372036854775808_i64)
        ));
        assert!(!ok(json!(18446744073709551615_u64), json!(-1)));
        assert!(ok(json!(0.1), json!(0.1)) && !ok(json!(0.1), json!(0.10000000000000002)));
        // Raw bytes are a value, not an operator.
        assert!(ok(json!({"$bytes": "AAE="}), json!({"$bytes": "AAE="})));
        assert!(!ok(json!({"$bytes": "AAE="}), json!({"$bytes": "AAI="})));
        assert!(check_operators(&json!({"$bytes": "AAE="}), "e").is_ok());
        assert!(check_operators(&json!({"$numbers": {"int64": 1, "double": 1.0}}), "e").is_ok());
        assert!(check_operators(&json!({"$numbers": 1}), "e").is_err());
        let e = matches(
            &json!({"a": {"b": [1, 5]}}),
            Some(&json!({"a": {"b": [1, 2]}})),
            "result",
        )
        .unwrap_err();
        assert!(e.starts_with("result.a.b[1]: expected 5, got 2"), "{e}");
    }

    #[test]
    fn operators() {
        assert!(ok(json!({"k": {"$exists": true}}), json!({"k": 0})));
        assert!(!ok(json!({"k": {"$exists": true}}), json!({"k": null})));
        assert!(ok(json!({"k": {"$exists": false}}), json!({})));
        assert!(!ok(json!({"k": {"$exists": false}}), json!({"k": "x"})));
        assert!(ok(json!({"$regex": "^req_"}), json!("req_1")));
        assert!(!ok(json!({"$regex": "^req_"}), json!("x")));
        assert!(!ok(json!({"$regex": "^req_"}), json!(3)));
        assert!(ok(json!({"$ne": "a"}), json!("b")));
        assert!(!ok(json!({"$ne": 1}), json!(1.0)));
        assert!(ok(json!({"$gte": 2}), json!(2)) && !ok(json!({"$gte": 2}), json!(1.5)));
        assert!(ok(json!({"$lte": 2}), json!(2)) && !ok(json!({"$lt": 2}), json!(2)));
        assert!(ok(json!({"$gt": 1}), json!(2)));
        assert!(ok(json!({"$len": 2}), json!([1, 1])) && !ok(json!({"$len": 2}), json!([])));
        assert!(ok(
            json!({"$contains": {"name": "x"}}),
            json!([{"name": "y"}, {"name": "x"}])
        ));
        assert!(!ok(json!({"$contains": "z"}), json!(["y"])));
        assert!(
            ok(json!({"$one_of": ["a", "b"]}), json!("b"))
                && !ok(json!({"$one_of": ["a"]}), json!("c"))
        );
        assert!(ok(json!({"$any": true}), json!(null)));
        assert!(matches(&json!({"$any": true}), None, "x").is_ok());
        assert!(matches(&json!(1), None, "x")
            .unwrap_err()
            .contains("missing"));
    }

    #[test]
    fn operator_typos_are_caught_up_front() {
        assert!(check_operators(&json!({"a": [{"$regx": "x"}]}), "expect")
            .unwrap_err()
            .contains("expect.a[0]: unknown operator $regx"));
        assert!(check_operators(&json!({"$len": "2"}), "e").is_err());
        assert!(check_operators(&json!({"$regex": "("}), "e").is_err());
        assert!(check_operators(&json!({"a": {"$contains": {"$gte": 1}}}), "e").is_ok());
        // Objects with several keys are plain objects even when one key starts with $.
        assert!(check_operators(&json!({"$x": 1, "y": 2}), "e").is_ok());
    }
}
