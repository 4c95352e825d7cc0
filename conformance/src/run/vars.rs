//! `${name}` / `${name.path.0.field}` substitution in case documents (case-format.md).
//!
//! A string that is exactly one `${…}` becomes the value itself (a number stays a number, an
//! object stays an object); inside a longer string the value is spliced in as text. `${uuid}`
//! is fresh at each occurrence and `${http_date+N}` is the HTTP date N seconds from now, so a
//! fault rule can carry a `Retry-After` date. An unknown name is an error, never an empty string.

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use serde_json::Value;

/// The variables of one case run.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    values: HashMap<String, Value>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    /// Substitute every `${…}` in every string of `v`.
    pub fn apply(&self, v: &Value) -> anyhow::Result<Value> {
        Ok(match v {
            Value::String(s) => self.apply_str(s)?,
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.apply(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(o) => {
                let mut out = serde_json::Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), self.apply(x)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn apply_str(&self, s: &str) -> anyhow::Result<Value> {
        if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            if !inner.contains("${") && !inner.contains('}') {
                return self.lookup(inner);
            }
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| anyhow!("unterminated ${{ in {s:?}"))?;
            match self.lookup(&after[..end])? {
                Value::String(t) => out.push_str(&t),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn lookup(&self, expr: &str) -> anyhow::Result<Value> {
        if expr == "uuid" {
            return Ok(Value::String(uuid::Uuid::new_v4().to_string()));
        }
        if let Some(secs) = expr.strip_prefix("http_date+") {
            let secs: u64 = secs
                .parse()
                .map_err(|_| anyhow!("${{{expr}}}: expected http_date+<seconds>"))?;
            let when = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
            return Ok(Value::String(httpdate::fmt_http_date(when)));
        }
        let mut parts = expr.split('.');
        let name = parts.next().unwrap_or_default();
        let Some(mut cur) = self.values.get(name) else {
            let mut known: Vec<&str> = self.values.keys().map(String::as_str).collect();
            known.sort_unstable();
            bail!(
                "unknown variable ${{{name}}}; known: {}, uuid, http_date+N",
                known.join(", ")
            );
        };
        for part in parts {
            let next = match cur {
                Value::Object(o) => o.get(part),
                Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            cur =
                next.ok_or_else(|| anyhow!("${{{expr}}}: {name} has no {part:?} (value: {cur})"))?;
        }
        Ok(cur.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.set("agent", json!("agent://conformance/x-a"));
        v.set(
            "created",
            json!({"intent_id": "i-1", "n": 3, "list": [{"k": "v"}]}),
        );
        v
    }

    #[test]
    fn whole_string_keeps_the_type() {
        let v = vars();
        assert_eq!(v.apply(&json!("${created.n}")).unwrap(), json!(3));
        assert_eq!(
            v.apply(&json!("${created.list.0}")).unwrap(),
            json!({"k": "v"})
        );
        assert_eq!(
            v.apply(&json!({"to": ["${agent}"]})).unwrap(),
            json!({"to": ["agent://conformance/x-a"]})
        );
    }

    #[test]
    fn spliced_into_text() {
        let v = vars();
        assert_eq!(
            v.apply(&json!(
                "/v1/intents/${created.intent_id}/events?n=${created.n}"
            ))
            .unwrap(),
            json!("/v1/intents/i-1/events?n=3")
        );
    }

    #[test]
    fn fresh_values_and_errors() {
        let v = vars();
        let a = v.apply(&json!("${uuid}")).unwrap();
        let b = v.apply(&json!("${uuid}")).unwrap();
        assert_ne!(a, b);
        let date = v.apply(&json!("${http_date+3}")).unwrap();
        assert!(httpdate::parse_http_date(date.as_str().unwrap()).is_ok());
        let e = v.apply(&json!("${nope}")).unwrap_err().to_string();
        assert!(
            e.contains("unknown variable ${nope}") && e.contains("agent"),
            "{e}"
        );
        let e = v
            .apply(&json!("${created.missing}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
        assert!(v.apply(&json!("x ${agent")).is_err());
        assert_eq!(v.apply(&json!(5)).unwrap(), json!(5));
    }
}
