//! Fixtures the checks build for themselves through the public API: intents, resolved intents,
//! inbox threads (an intent with `reply_to`, completed), and timestamps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::harness::{ensure, is_uuid, short, Ctx};

/// The intent type the upstream conformance checks use.
pub const INTENT_TYPE: &str = "notify.message.v1";

pub const TERMINAL: [&str; 4] = ["COMPLETED", "FAILED", "CANCELED", "TIMED_OUT"];

pub fn is_terminal(status: &Value) -> bool {
    status.as_str().is_some_and(|s| TERMINAL.contains(&s))
}

impl Ctx {
    /// A create body to `to_agent` with a fresh correlation id.
    pub fn intent_body(&self, to_agent: &str) -> Value {
        json!({
            "intent_type": INTENT_TYPE,
            "correlation_id": uuid::Uuid::new_v4().to_string(),
            "to_agent": to_agent,
            "payload": {"text": "hello from axme-conformance", "run": self.run},
        })
    }

    /// Creates an intent from a body; its id.
    pub async fn create_intent(&self, body: &Value) -> Result<String, String> {
        let created = self.post_ok("/v1/intents", body).await?;
        ensure!(
            is_uuid(&created["intent_id"]),
            "POST /v1/intents: expected a UUID intent_id, got {}",
            short(&created)
        );
        Ok(created["intent_id"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Creates an intent to this run's receiver.
    pub async fn create_default(&self) -> Result<String, String> {
        let body = self.intent_body(&self.address("receiver"));
        self.create_intent(&body).await
    }

    /// `POST /v1/intents/{id}/resolve` with a status and the field that status requires.
    pub async fn resolve(&self, id: &str, status: &str) -> Result<super::harness::Resp, String> {
        let body = match status {
            "COMPLETED" => json!({"status": status, "result": {"ok": true}}),
            "FAILED" => {
                json!({"status": status, "error": {"code": "conformance_failure", "message": "failed on purpose"}})
            }
            _ => json!({"status": status, "reason": "conformance check"}),
        };
        self.post(&format!("/v1/intents/{id}/resolve"), &body).await
    }

    /// The events of an intent after `since`.
    pub async fn events(&self, id: &str, since: i64) -> Result<Vec<Value>, String> {
        let body = self
            .get_ok(&format!("/v1/intents/{id}/events?since={since}"))
            .await?;
        body["events"].as_array().cloned().ok_or_else(|| {
            format!(
                "GET /v1/intents/{id}/events: expected an events array, got {}",
                short(&body)
            )
        })
    }

    /// An inbox thread of `owner`: an intent with `reply_to = owner`, completed. Returns the thread
    /// id, which is the intent id.
    pub async fn completed_thread(&self, owner: &str) -> Result<String, String> {
        let mut body = self.intent_body(&self.address("receiver"));
        body["reply_to"] = json!(owner);
        let id = self.create_intent(&body).await?;
        let resolved = self.resolve(&id, "COMPLETED").await?.ok_body()?;
        let delivery = &resolved["completion_delivery"];
        ensure!(
            delivery["delivered"] == json!(true),
            "resolving an intent with reply_to {owner}: expected completion_delivery.delivered = true, got {}",
            short(delivery)
        );
        Ok(id)
    }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-22T08:30:00.250Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Gregorian (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_336_200_250);
        assert_eq!(rfc3339(t), "2026-11-22T08:30:00.250Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }
}
