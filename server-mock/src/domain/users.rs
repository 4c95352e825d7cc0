//! Users and their public nicks. A nick names one user inside an organisation (tenancy: another
//! organisation's nicks are invisible); `@Alice` and `alice` are the same nick, `@alice` normalised. A
//! user is addressed by `owner_agent`, which never changes when the nick is renamed.

use serde_json::{Map, Value};

use super::input::{self, invalid};
use super::validate::Invalid;

/// A nick as given and in its normalised form (`@` + lower case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nick {
    pub given: String,
    pub normalized: String,
}

/// Parses a nick: an optional `@`, then 2 to 63 letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit.
pub fn nick(raw: &str, field: &str) -> Result<Nick, Invalid> {
    let given = raw.trim();
    let body = given
        .strip_prefix('@')
        .unwrap_or(given)
        .to_ascii_lowercase();
    let well_formed = (2..=63).contains(&body.len())
        && body.starts_with(|c: char| c.is_ascii_alphanumeric())
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !well_formed {
        return Err(invalid(
            "invalid_nick",
            field,
            format!("nick {given:?} is not accepted: use an optional '@' then 2 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ));
    }
    Ok(Nick {
        given: given.to_string(),
        normalized: format!("@{body}"),
    })
}

/// The nick field of a body.
pub fn nick_field(map: &Map<String, Value>, field: &str) -> Result<Nick, Invalid> {
    nick(&input::required_string(map, field, 1, 64)?, field)
}

/// How a nick is written for other people: `@nick@organisation`.
pub fn public_address(normalized_nick: &str, org_name: &str) -> String {
    format!("{normalized_nick}@{org_name}")
}

/// The address of a user that registered without naming one. It holds the user id, not the nick, so
/// a rename keeps it.
pub fn user_address(org_name: &str, user_id: &str) -> String {
    format!("agent://{org_name}/users/{user_id}")
}

/// Profile fields of a write; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none() && self.phone.is_none() && self.email.is_none()
    }
}

/// Reads `display_name` (1–120), `phone` (3–32 of digits, spaces, `+-().`) and `email` (3–255 with
/// one `@` between non-empty parts).
pub fn profile(map: &Map<String, Value>) -> Result<Profile, Invalid> {
    let phone = input::string(map, "phone", 3, 32)?;
    if let Some(phone) = &phone {
        let ok = phone.chars().any(|c| c.is_ascii_digit())
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
        if !ok {
            return Err(invalid(
                "validation_error",
                "phone",
                "`phone` accepts digits, spaces and + - ( ) . only, e.g. +1 555 0100",
            ));
        }
    }
    let email = input::string(map, "email", 3, 255)?;
    if let Some(email) = &email {
        let ok = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !email.contains(char::is_whitespace)
            }
            None => false,
        };
        if !ok {
            return Err(invalid(
                "validation_error",
                "email",
                format!("`email` {email:?} is not an e-mail address (name@domain)"),
            ));
        }
    }
    Ok(Profile {
        display_name: input::string(map, "display_name", 1, 120)?,
        phone,
        email,
    })
}

/// A durable change to users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsersOp {
    /// A new user with a nick; `owner_agent` defaults to a fresh user address.
    Register {
        org_id: String,
        org_name: String,
        owner_agent: Option<String>,
        nick: Nick,
        profile: Profile,
    },
    Rename {
        org_id: String,
        org_name: String,
        owner_agent: String,
        nick: Nick,
    },
    UpdateProfile {
        org_id: String,
        org_name: String,
        owner_agent: String,
        profile: Profile,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nicks_normalise_and_refuse_bad_characters() {
        let n = nick("@Invite.Conformance.User", "nick").unwrap();
        assert_eq!(n.given, "@Invite.Conformance.User");
        assert_eq!(n.normalized, "@invite.conformance.user");
        assert_eq!(nick("alice", "nick").unwrap().normalized, "@alice");
        for bad in ["@", "a", "@-x", "has space", "ünï"] {
            assert_eq!(nick(bad, "nick").unwrap_err().code, "invalid_nick", "{bad}");
        }
    }

    #[test]
    fn profile_fields_are_checked() {
        let ok = json!({"display_name": "A", "phone": "+1 555 0100", "email": "a@b.c"});
        assert_eq!(
            profile(ok.as_object().unwrap()).unwrap().email.as_deref(),
            Some("a@b.c")
        );
        assert!(profile(json!({"phone": "call me"}).as_object().unwrap()).is_err());
        assert!(profile(json!({"email": "nobody"}).as_object().unwrap()).is_err());
        assert!(profile(json!({"display_name": ""}).as_object().unwrap()).is_err());
    }
}
