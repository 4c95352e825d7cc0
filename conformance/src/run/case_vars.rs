//! The variables a case run starts with (case-format.md, Runner-side context), and those of each
//! copy of a repeated step (`repeat`, `for_each`).

use std::borrow::Cow;

use serde_json::{json, Value};

use super::exec::{Env, Failure};
use super::matcher::short;
use super::server::{fingerprint, Credential};
use super::vars::Vars;

/// The variables every step of a case run may use: the server, the credential, fresh names, what
/// the driver said in its hello.
pub fn case_vars(env: &Env, cred: &Credential) -> Vars {
    let mut vars = Vars::default();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let run = &run[..12];
    vars.set("base_url", json!(env.base_url));
    vars.set("api_key", json!(cred.api_key));
    vars.set("api_key_fp", json!(fingerprint(&cred.api_key)));
    vars.set("run_id", json!(run));
    vars.set("case_uuid", json!(uuid::Uuid::new_v4().to_string()));
    vars.set("agent", json!(format!("agent://conformance/{run}-a")));
    vars.set("agent2", json!(format!("agent://conformance/{run}-b")));
    vars.set("other_origin", json!(other_origin(&env.base_url)));
    vars.set("org_id", json!(cred.org_id));
    vars.set("workspace_id", json!(cred.workspace_id));
    if let Some(key) = &env.admin_key {
        vars.set("admin_key", json!(key));
    }
    vars.set("sdk", json!(env.hello.sdk));
    vars.set("sdk_version", json!(env.hello.sdk_version));
    vars.set("json_numbers", json!(env.hello.json_numbers));
    vars
}

/// The server's base URL under another host name (`127.0.0.1` ↔ `localhost`): the same server,
/// but a different origin to a client, for redirect cases.
fn other_origin(base_url: &str) -> String {
    let Ok(mut url) = reqwest::Url::parse(base_url) else {
        return base_url.to_string();
    };
    let other = if url.host_str() == Some("127.0.0.1") {
        "localhost"
    } else {
        "127.0.0.1"
    };
    if url.set_host(Some(other)).is_err() {
        return base_url.to_string();
    }
    url.as_str().trim_end_matches('/').to_string()
}

pub type Copy = Vec<(&'static str, Value)>;

/// The case's variables with those of one copy of a repeated step.
pub fn with_copy<'a>(vars: &'a Vars, copy: &Copy) -> Cow<'a, Vars> {
    if copy.is_empty() {
        return Cow::Borrowed(vars);
    }
    let mut v = vars.clone();
    for (name, value) in copy {
        v.set(name, value.clone());
    }
    Cow::Owned(v)
}

/// The variables of each copy of a repeated step (`repeat: N`: `i`; `for_each: <saved list>`:
/// `i` and `item`), or `None` for a plain step.
pub fn copies(step: &Value, vars: &Vars) -> Result<Option<Vec<Copy>>, Failure> {
    if let Some(n) = step["repeat"].as_u64() {
        return Ok(Some((0..n).map(|i| vec![("i", json!(i))]).collect()));
    }
    let Some(name) = step["for_each"].as_str() else {
        return Ok(None);
    };
    let items = match vars.get(name) {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(format!("for_each {name:?}: not a list: {}", short(other)).into())
        }
        None => return Err(format!("for_each {name:?}: nothing saved under that name").into()),
    };
    let list = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| vec![("i", json!(i)), ("item", item)])
        .collect();
    Ok(Some(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_other_origin_is_the_same_server_under_another_name() {
        assert_eq!(
            other_origin("http://127.0.0.1:8100"),
            "http://localhost:8100"
        );
        assert_eq!(
            other_origin("http://localhost:8100"),
            "http://127.0.0.1:8100"
        );
        assert_eq!(other_origin("https://axp.example.com"), "https://127.0.0.1");
        assert_eq!(other_origin("not a url"), "not a url");
    }

    #[test]
    fn copies_of_a_repeated_step() {
        let mut vars = Vars::default();
        vars.set("sent", json!([{"id": "a"}, {"id": "b"}]));
        let n = copies(&json!({"op": "x", "repeat": 3}), &vars)
            .unwrap()
            .unwrap();
        assert_eq!(n.len(), 3);
        assert_eq!(
            with_copy(&vars, &n[2]).apply(&json!("${i}")).unwrap(),
            json!(2)
        );
        let each = copies(&json!({"op": "x", "for_each": "sent"}), &vars)
            .unwrap()
            .unwrap();
        assert_eq!(
            with_copy(&vars, &each[1])
                .apply(&json!("${item.id}"))
                .unwrap(),
            json!("b")
        );
        assert!(copies(&json!({"op": "x"}), &vars).unwrap().is_none());
        vars.set("one", json!({"id": "a"}));
        assert!(copies(&json!({"op": "x", "for_each": "one"}), &vars).is_err());
    }
}
