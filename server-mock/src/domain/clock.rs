//! Timestamps on the wire: RFC 3339 in UTC with microseconds, and unix microseconds in storage.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// Now, in unix microseconds.
pub fn now_us() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000) as i64
}

/// Formats unix microseconds as `2026-11-22T05:29:24.123456Z`.
pub fn format_us(us: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    ))
    .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000000Z"))
}

/// Parses an RFC 3339 timestamp (any offset) into unix microseconds.
pub fn parse_rfc3339_us(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    Some((at.unix_timestamp_nanos() / 1_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_wire_format() {
        let us = 1_795_412_964_123_456;
        let text = format_us(us);
        assert!(text.ends_with(".123456Z"), "{text}");
        assert_eq!(parse_rfc3339_us(&text), Some(us));
        assert_eq!(
            parse_rfc3339_us("2026-11-22T07:00:00+02:00"),
            parse_rfc3339_us("2026-11-22T05:00:00Z")
        );
        assert_eq!(parse_rfc3339_us("yesterday"), None);
    }
}
