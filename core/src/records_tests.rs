//! The records' JSON forms, defaults and the one duration rule.

use super::*;
use crate::error::ErrorKind;

#[test]
fn durations_follow_one_rule() {
    assert_eq!(
        duration("t", 1.5, Zero::Refused).unwrap(),
        Duration::from_millis(1500)
    );
    assert_eq!(duration("t", 0.0, Zero::Allowed).unwrap(), Duration::ZERO);
    for (bad, zero) in [
        (0.0, Zero::Refused),
        (-0.5, Zero::Allowed),
        (f64::NAN, Zero::Allowed),
        (f64::INFINITY, Zero::Allowed),
        (1e9, Zero::Allowed),
    ] {
        let e = duration("timeout_seconds", bad, zero).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().starts_with("timeout_seconds must be"), "{e}");
    }
    assert_eq!(opt_duration("t", None, Zero::Refused).unwrap(), None);
}

#[test]
fn empty_json_is_the_default_and_unknown_fields_are_refused() {
    assert_eq!(CallOptions::from_json("").unwrap(), CallOptions::default());
    assert_eq!(
        StreamOptions::from_json("null").unwrap(),
        StreamOptions::default()
    );
    let e = CallOptions::from_json(r#"{"idempotency_kye":"k"}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("idempotency_kye"), "{e}");
    let e = StreamOptions::from_json(r#"{"since":-1}"#).unwrap_err();
    assert!(e.message().contains("stream options"), "{e}");
}

#[test]
fn options_parse_every_field() {
    let o = CallOptions::from_json(
        r#"{"idempotency_key":"k","trace_id":"t","owner_agent":"agent://o","x_owner_agent":"agent://x",
            "authorization":"Bearer a","timeout_seconds":2.5,"retryable":true,"validate_input_schema":false}"#,
    )
    .unwrap();
    assert_eq!(o.timeout().unwrap(), Some(Duration::from_millis(2500)));
    assert_eq!(
        (o.retryable, o.validate_input_schema),
        (Some(true), Some(false))
    );
    let bad = CallOptions {
        timeout_seconds: Some(0.0),
        ..CallOptions::default()
    };
    assert_eq!(
        bad.timeout().unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );

    let s = StreamOptions::from_json(
        r#"{"since":3,"wait_seconds":2,"poll_interval_seconds":0,"timeout_seconds":9,"status":["COMPLETED"]}"#,
    )
    .unwrap();
    s.check().unwrap();
    assert_eq!(s.poll_interval().unwrap(), Duration::ZERO);
    for bad in [
        StreamOptions {
            wait_seconds: 0,
            ..StreamOptions::default()
        },
        StreamOptions {
            wait_seconds: 61,
            ..StreamOptions::default()
        },
        StreamOptions {
            poll_interval_seconds: -1.0,
            ..StreamOptions::default()
        },
        StreamOptions {
            timeout_seconds: Some(f64::NAN),
            ..StreamOptions::default()
        },
        StreamOptions {
            status: Some(vec![]),
            ..StreamOptions::default()
        },
    ] {
        assert_eq!(
            bad.check().unwrap_err().kind(),
            ErrorKind::InvalidArgument,
            "{bad:?}"
        );
    }
}

#[test]
fn metrics_and_heartbeats_are_checked() {
    let m = Metric::from_json(r#"{"success":false,"latency_ms":12.5}"#).unwrap();
    assert!(!m.success);
    m.check().unwrap();
    assert!(Metric::default().success);
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let m = Metric {
            cost_usd: Some(bad),
            ..Metric::default()
        };
        assert_eq!(m.check().unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
    let h = HeartbeatOptions::from_json(r#"{"interval_seconds":0.25}"#).unwrap();
    assert_eq!(h.interval().unwrap(), Duration::from_millis(250));
    assert!(h.include_metrics);
    let zero = HeartbeatOptions {
        interval_seconds: 0.0,
        ..HeartbeatOptions::default()
    };
    assert!(zero.interval().is_err());
}

#[test]
fn config_json_keeps_defaults_and_refuses_typos() {
    let c = ClientConfig::from_json(r#"{"api_key":"k","max_retries":0}"#).unwrap();
    assert_eq!(c.max_retries, 0);
    assert_eq!(c.timeout_seconds, 15.0);
    assert_eq!(c.mcp_protocol_version, MCP_PROTOCOL_2024_11_05);
    let e = ClientConfig::from_json(r#"{"api_kye":"k"}"#).unwrap_err();
    assert!(e.message().contains("api_kye"), "{e}");
}
