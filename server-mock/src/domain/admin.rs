//! Administration bodies (organisations, workspaces, service accounts, keys), free of I/O. Names
//! become segments of agent addresses, so they follow the address segment rules.

use serde_json::{json, Map, Value};

use super::address;
use super::clock;
use super::validate::{kind, object, opt_object, opt_str, Invalid};

fn name(obj: &Map<String, Value>, what: &str) -> Result<String, Invalid> {
    let raw = opt_str(obj, "name")?.ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "name",
            format!("`name` of the {what} is required"),
        )
    })?;
    if !address::is_segment(raw) {
        return Err(Invalid::new(
            "invalid_name",
            "name",
            format!("{what} name {raw:?} is not accepted: use 1-63 lower-case letters, digits, '.', '_' or '-' (it becomes part of agent addresses)"),
        ));
    }
    Ok(raw.to_string())
}

fn short_text(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Invalid> {
    let value = opt_str(obj, field)?.map(str::to_string);
    if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
        return Err(Invalid::new(
            "validation_error",
            field,
            format!("`{field}` is longer than 255 characters"),
        ));
    }
    Ok(value)
}

fn one_of(
    obj: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
) -> Result<Option<String>, Invalid> {
    match opt_str(obj, field)? {
        Some(v) if !allowed.contains(&v) => Err(Invalid::new(
            "validation_error",
            field,
            format!(
                "`{field}` {v:?} is not accepted; expected one of {}",
                allowed.join(", ")
            ),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// A new organisation: its name and a profile of optional descriptive fields.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrg {
    pub name: String,
    pub profile: Value,
}

pub fn new_org(body: &Value) -> Result<NewOrg, Invalid> {
    let obj = object(body)?;
    if let Some(status) = one_of(
        obj,
        "status",
        &["pending", "active", "suspended", "archived"],
    )? {
        if status != "active" {
            return Err(Invalid::new(
                "validation_error",
                "status",
                "a new organisation is always `active`; this server does not suspend or archive organisations",
            ));
        }
    }
    Ok(NewOrg {
        name: name(obj, "organisation")?,
        profile: json!({
            "legal_name": short_text(obj, "legal_name")?,
            "primary_domain": short_text(obj, "primary_domain")?,
            "metadata": opt_object(obj, "metadata")?.unwrap_or_else(|| json!({})),
        }),
    })
}

/// A new workspace in the organisation of the path.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWorkspace {
    pub name: String,
    pub profile: Value,
}

pub fn new_workspace(body: &Value) -> Result<NewWorkspace, Invalid> {
    let obj = object(body)?;
    Ok(NewWorkspace {
        name: name(obj, "workspace")?,
        profile: json!({
            "environment": one_of(obj, "environment", &["sandbox", "staging", "production"])?,
            "region": short_text(obj, "region")?,
        }),
    })
}

/// A new service account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewServiceAccount {
    pub org: String,
    pub workspace: String,
    pub name: String,
    pub description: Option<String>,
    pub admin: bool,
}

pub fn new_service_account(body: &Value) -> Result<NewServiceAccount, Invalid> {
    let obj = object(body)?;
    let required = |field: &str| -> Result<String, Invalid> {
        opt_str(obj, field)?
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                Invalid::new(
                    "validation_error",
                    field,
                    format!("`{field}` is required (an id or a name)"),
                )
            })
    };
    let admin = match obj.get("admin") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "admin",
                format!("`admin` must be a boolean, got {}", kind(other)),
            ))
        }
    };
    Ok(NewServiceAccount {
        org: required("org_id")?,
        workspace: required("workspace_id")?,
        name: name(obj, "service account")?,
        description: short_text(obj, "description")?,
        admin,
    })
}

/// A new API key: an optional label and expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewKey {
    pub name: Option<String>,
    pub expires_us: Option<i64>,
}

pub fn new_key(body: &Value, now_us: i64) -> Result<NewKey, Invalid> {
    let obj = object(body)?;
    let expires_us = match opt_str(obj, "expires_at")? {
        None => None,
        Some(text) => {
            let at = clock::parse_rfc3339_us(text).ok_or_else(|| {
                Invalid::new(
                    "validation_error",
                    "expires_at",
                    format!("`expires_at` {text:?} is not an RFC 3339 timestamp like \"2027-01-01T00:00:00Z\""),
                )
            })?;
            if at <= now_us {
                return Err(Invalid::new(
                    "expires_at_in_past",
                    "expires_at",
                    "`expires_at` is in the past; a key must expire in the future",
                ));
            }
            Some(at)
        }
    };
    Ok(NewKey {
        name: short_text(obj, "name")?,
        expires_us,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_fields_are_checked() {
        assert_eq!(new_org(&json!({"name": "acme"})).unwrap().name, "acme");
        assert_eq!(
            new_org(&json!({"name": "Acme Inc"})).unwrap_err().code,
            "invalid_name"
        );
        assert_eq!(new_org(&json!({})).unwrap_err().field, "name");
        assert!(new_org(&json!({"name": "a", "status": "archived"})).is_err());
        assert!(new_workspace(&json!({"name": "prod", "environment": "moon"})).is_err());
        let sa = new_service_account(
            &json!({"org_id": "acme", "workspace_id": "default", "name": "billing", "admin": true}),
        )
        .unwrap();
        assert!(sa.admin);
        assert_eq!(
            new_service_account(&json!({"name": "x", "workspace_id": "w"}))
                .unwrap_err()
                .field,
            "org_id"
        );
        assert!(new_key(&json!({"expires_at": "2000-01-01T00:00:00Z"}), 1).is_ok());
        assert!(new_key(&json!({"expires_at": "2000-01-01T00:00:00Z"}), i64::MAX).is_err());
        assert!(new_key(&json!({"expires_at": "soon"}), 0).is_err());
    }
}
