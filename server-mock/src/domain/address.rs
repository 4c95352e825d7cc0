//! Agent addresses. In the reference server an address names an agent inside the caller's
//! organisation: `agent://` is optional, the rest is lower-cased and must be 1–3 `/`-separated
//! segments of letters, digits, `.`, `_` and `-` (wire facts §7).

/// Longest agent address accepted, as sent (spec: `maxLength: 383`).
pub const MAX_ADDRESS_LEN: usize = 383;

/// Normalises an agent address to its canonical `agent://a/b/c` form, or explains what is wrong.
pub fn normalize(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let body = trimmed.strip_prefix("agent://").unwrap_or(trimmed);
    let body = body.to_ascii_lowercase();
    if body.is_empty() {
        return Err("an agent address must not be empty; expected agent://name or agent://org/workspace/name".into());
    }
    // The limit is the spec's, on the address as sent (with or without the prefix).
    if trimmed.len() > MAX_ADDRESS_LEN {
        return Err(format!(
            "agent address is {} characters long; at most {MAX_ADDRESS_LEN} are accepted",
            trimmed.len()
        ));
    }
    let segments: Vec<&str> = body.split('/').collect();
    if segments.len() > 3 {
        return Err(format!(
            "agent address {raw:?} has {} segments; 1 to 3 are accepted (agent://org/workspace/name)",
            segments.len()
        ));
    }
    for segment in &segments {
        if segment.is_empty() {
            return Err(format!(
                "agent address {raw:?} has an empty segment; segments are separated by single '/'"
            ));
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(format!(
                "agent address {raw:?} has invalid characters; segments accept letters, digits, '.', '_' and '-'"
            ));
        }
    }
    Ok(format!("agent://{body}"))
}

/// True when `name` is usable as one address segment (organisation, workspace, account names).
pub fn is_segment(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_prefixed_bare_and_nested_addresses() {
        assert_eq!(
            normalize("agent://Acme/prod/billing").unwrap(),
            "agent://acme/prod/billing"
        );
        assert_eq!(normalize("billing").unwrap(), "agent://billing");
        assert_eq!(
            normalize("agent://conformance/owner").unwrap(),
            "agent://conformance/owner"
        );
    }

    #[test]
    fn rejects_bad_addresses_with_reasons() {
        assert!(normalize("").unwrap_err().contains("empty"));
        assert!(normalize("a/b/c/d").unwrap_err().contains("segments"));
        assert!(normalize("a//b").unwrap_err().contains("empty segment"));
        assert!(normalize("bad name")
            .unwrap_err()
            .contains("invalid characters"));
    }
}
