//! Invites: an owner creates a link for a new user, who accepts it with a nick. The token is the
//! capability (anyone holding it may read the invite), so the store keeps only its SHA-256 digest.

use serde_json::Value;

use super::input;
use super::users::{self, Nick, Profile};
use super::validate::Invalid;

/// Default and bounds of `ttl_seconds` (one minute to two weeks).
pub const DEFAULT_TTL_SECONDS: i64 = 7 * 24 * 3600;
pub const MIN_TTL_SECONDS: i64 = 60;
pub const MAX_TTL_SECONDS: i64 = 14 * 24 * 3600;

/// A validated `POST /v1/invites/create` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvite {
    pub owner_agent: String,
    pub recipient_hint: Option<String>,
    pub ttl_seconds: i64,
}

pub fn new_invite(body: &Value) -> Result<NewInvite, Invalid> {
    let map = input::object(body)?;
    let owner_agent = input::agent_address(map, "owner_agent")?.ok_or_else(|| {
        input::invalid(
            "validation_error",
            "owner_agent",
            "`owner_agent` is required: the agent address the invite is issued for",
        )
    })?;
    Ok(NewInvite {
        owner_agent,
        recipient_hint: input::string(map, "recipient_hint", 1, 255)?,
        ttl_seconds: input::integer(map, "ttl_seconds", MIN_TTL_SECONDS, MAX_TTL_SECONDS)?
            .unwrap_or(DEFAULT_TTL_SECONDS),
    })
}

/// A validated `POST /v1/invites/{token}/accept` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub nick: Nick,
    pub profile: Profile,
}

pub fn acceptance(body: &Value) -> Result<Acceptance, Invalid> {
    let map = input::object(body)?;
    Ok(Acceptance {
        nick: users::nick_field(map, "nick")?,
        profile: users::profile(map)?,
    })
}

/// A token: `inv_` and 32 random bytes in hex (the path segment a link carries).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    format!("inv_{}", hex::encode(bytes))
}

/// Whether a path segment can be a token at all (so junk is a 404 without a lookup).
pub fn plausible_token(token: &str) -> bool {
    (12..=128).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// A durable change to invites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvitesOp {
    Create {
        org_id: String,
        token: String,
        invite: NewInvite,
    },
    Accept {
        org_id: String,
        org_name: String,
        token: String,
        acceptance: Acceptance,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_and_accept_bodies() {
        let ok =
            new_invite(&json!({"owner_agent": "agent://conformance/owner", "ttl_seconds": 3600}))
                .unwrap();
        assert_eq!(ok.owner_agent, "agent://conformance/owner");
        assert_eq!(ok.ttl_seconds, 3600);
        assert!(new_invite(&json!({})).is_err());
        assert!(new_invite(&json!({"owner_agent": "x", "ttl_seconds": 5})).is_err());
        assert!(acceptance(&json!({"nick": "@ok_nick"})).is_ok());
        assert_eq!(
            acceptance(&json!({"nick": "@"})).unwrap_err().code,
            "invalid_nick"
        );
    }

    #[test]
    fn tokens_are_long_and_plausible() {
        let t = new_token();
        assert!(t.len() > 12 && plausible_token(&t));
        assert!(!plausible_token("short"));
        assert!(!plausible_token("has/slash-and-more"));
    }
}
