//! `${name}` / `${name.path.0.field}` substitution in case documents (case-format.md).
//!
//! A string that is exactly one `${…}` becomes the value itself (a number stays a number, an
//! object stays an object); inside a longer string the value is spliced in as text. `${uuid}`
//! is fresh at each occurrence and `${http_date+N}` is the HTTP date N seconds from now, so a
//! fault rule can carry a `Retry-After` date. `${text+N}` is N ASCII characters, `${blob+N}` N
//! bytes (as `{"$bytes": "<base64>"}`) derived from the run id, so the same run sees the same
//! content in a request and in its expectation, and `${blob_sha256+N}` their SHA-256 in hex. An
//! unknown name is an error, never an empty string.

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use serde_json::Value;

/// `{$numbers: {int64: …, double: …}}` is the value for the driver's number model (its hello's
/// `json_numbers`, kept as the variable of that name): what an SDK holding 64-bit integers
/// gives back, and what one whose numbers are IEEE doubles (JavaScript) does.
pub const NUMBERS_KEY: &str = "$numbers";

/// The variables of one case run.
#[derive(Debug, Default, Clone)]
pub struct Vars {
    values: HashMap<String, Value>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Substitute every `${…}` in every string of `v`.
    pub fn apply(&self, v: &Value) -> anyhow::Result<Value> {
        Ok(match v {
            Value::String(s) => self.apply_str(s)?,
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.apply(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(o) if o.len() == 1 && o.contains_key(NUMBERS_KEY) => {
                let model = self
                    .values
                    .get("json_numbers")
                    .and_then(Value::as_str)
                    .unwrap_or("int64");
                let branch = o[NUMBERS_KEY].get(model).ok_or_else(|| {
                    anyhow!("{{{NUMBERS_KEY}: …}} has no value for the number model {model:?}")
                })?;
                self.apply(branch)?
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
        if let Some(v) = self.generated(expr)? {
            return Ok(v);
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
        if name == "admin_key" && !self.values.contains_key(name) {
            bail!("${{admin_key}}: this run knows no admin key of the server (give --admin-key with --server-url)");
        }
        let Some(mut cur) = self.values.get(name) else {
            let mut known: Vec<&str> = self.values.keys().map(String::as_str).collect();
            known.sort_unstable();
            bail!(
                "unknown variable ${{{name}}}; known: {}, uuid, http_date+N, text+N, blob+N, blob_sha256+N",
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

/// Largest generated text or blob (the protocol carries it as one JSON line).
const MAX_GENERATED: usize = 16 * 1024 * 1024;

impl Vars {
    /// `text+N`, `blob+N`, `blob_sha256+N`; `None` for any other name.
    fn generated(&self, expr: &str) -> anyhow::Result<Option<Value>> {
        let Some((kind, n)) = expr.split_once('+') else {
            return Ok(None);
        };
        if !matches!(kind, "text" | "blob" | "blob_sha256") {
            return Ok(None);
        }
        let n: usize = n
            .parse()
            .ok()
            .filter(|n| *n <= MAX_GENERATED)
            .ok_or_else(|| anyhow!("${{{expr}}}: expected {kind}+<count up to {MAX_GENERATED}>"))?;
        Ok(Some(match kind {
            "text" => {
                const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
                let text: String = (0..n)
                    .map(|i| char::from(ALPHABET[i % ALPHABET.len()]))
                    .collect();
                Value::String(text)
            }
            "blob" => {
                use base64::Engine as _;
                let bytes = blob(self.seed(), n);
                serde_json::json!({ "$bytes": base64::engine::general_purpose::STANDARD.encode(bytes) })
            }
            _ => {
                use sha2::Digest as _;
                Value::String(hex::encode(sha2::Sha256::digest(blob(self.seed(), n))))
            }
        }))
    }

    /// The seed of generated blobs: the run id when there is one.
    fn seed(&self) -> u64 {
        let run = self
            .values
            .get("run_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        run.bytes().fold(0x9e37_79b9_7f4a_7c15, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }
}

/// `n` pseudo-random bytes from `seed` (xorshift64*): every byte value occurs, nothing repeats
/// at a short period, and the same seed always gives the same bytes.
fn blob(seed: u64, n: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(n);
    out
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

    #[test]
    fn number_models() {
        let mut v = vars();
        let doc = json!({"big": {"$numbers": {"int64": 9007199254740993_u64, "double": 9007199254740992_u64}}});
        assert_eq!(v.apply(&doc).unwrap(), json!({"big": 9007199254740993_u64}));
        v.set("json_numbers", json!("double"));
        assert_eq!(v.apply(&doc).unwrap(), json!({"big": 9007199254740992_u64}));
        v.set("json_numbers", json!("decimal"));
        assert!(v.apply(&doc).unwrap_err().to_string().contains("decimal"));
    }

    #[test]
    fn generated_text_and_blobs() {
        let mut v = vars();
        v.set("run_id", json!("0123456789ab"));
        let text = v.apply(&json!("${text+40}")).unwrap();
        assert_eq!(text.as_str().unwrap().len(), 40);
        let a = v.apply(&json!("${blob+1000}")).unwrap();
        assert_eq!(
            a,
            v.apply(&json!("${blob+1000}")).unwrap(),
            "same run, same bytes"
        );
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a["$bytes"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes.len(), 1000);
        let sha = v.apply(&json!("${blob_sha256+1000}")).unwrap();
        use sha2::Digest as _;
        assert_eq!(sha, json!(hex::encode(sha2::Sha256::digest(&bytes))));
        v.set("run_id", json!("ba9876543210"));
        assert_ne!(
            a,
            v.apply(&json!("${blob+1000}")).unwrap(),
            "another run, other bytes"
        );
        assert!(v.apply(&json!("${blob+99999999999}")).is_err());
        assert!(v.apply(&json!("${text+x}")).is_err());
    }
}
