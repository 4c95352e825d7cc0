//! Signatures of `http` binding deliveries (wire facts §7 "Webhooks"), both from the binding's one
//! `whsec_…` secret:
//! - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   keyed with the base64-decoded part of the secret after `whsec_`;
//! - upstream AXME: `X-Axme-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
//!   secret string itself (what upstream agents pass to their HMAC).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";

/// A `whsec_` secret for these key bytes.
pub fn secret_from_bytes(bytes: &[u8]) -> String {
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The Standard Webhooks key of a secret: `whsec_` + base64 of 24 to 64 bytes, else `None`.
pub fn standard_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    (24..=64).contains(&key.len()).then_some(key)
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// `webhook-signature` for a message id, unix-seconds timestamp and raw body.
pub fn standard_signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = standard_key(secret)?;
    let ts = timestamp.to_string();
    let digest = mac(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
    Some(format!("v1,{}", STANDARD.encode(digest)))
}

/// `X-Axme-Signature` for a raw body.
pub fn axme_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret.as_bytes(), &[body])))
}

/// A short, non-secret hint of a secret for listings (`whsec_ab12…`).
pub fn hint(secret: &str) -> String {
    format!("{}…", &secret[..secret.len().min(PREFIX.len() + 4)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_published_example() {
        // The example of the Standard Webhooks specification (standardwebhooks.com).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signature = standard_signature(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn axme_signature_is_hex_hmac_of_the_body() {
        let sig = axme_signature("whsec_x", b"{}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
        assert_ne!(sig, axme_signature("whsec_y", b"{}"));
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let secret = secret_from_bytes(&[7u8; 32]);
        assert_eq!(standard_key(&secret), Some(vec![7u8; 32]));
        assert!(standard_key("whsec_short").is_none());
        assert!(standard_key("plain-secret").is_none());
        assert!(hint(&secret).starts_with("whsec_"));
    }
}
