//! ClientConfig resolution and validation tests (no process environment is touched).

use super::*;
use crate::error::ErrorKind;
use crate::records::ClientConfig;
use crate::retry::MAX_RETRY_BUDGET;

fn no_env(_: &str) -> Option<String> {
    None
}

fn with_key() -> ClientConfig {
    ClientConfig {
        api_key: Some("axme_sa_x_secret".into()),
        ..ClientConfig::default()
    }
}

fn err(c: ClientConfig) -> Error {
    c.resolve_with(no_env).unwrap_err()
}

#[test]
fn defaults() {
    let r = with_key().resolve_with(no_env).unwrap();
    assert_eq!(r.base_url, DEFAULT_BASE_URL);
    assert_eq!(r.timeout, Duration::from_secs(15));
    assert_eq!(r.max_retries, 2);
    assert_eq!(r.backoff_base, Duration::from_millis(200));
    assert_eq!(r.backoff_cap, Duration::from_secs(8));
    assert_eq!(r.retry_budget, 500);
    assert!(r.auto_trace_id && r.auto_idempotency_key);
    assert_eq!(r.mcp_endpoint_path, "/mcp");
    assert_eq!(r.mcp_protocol_version, "2024-11-05");
    assert_eq!(
        r.client_identity,
        format!("axme-sdk-rust/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn environment_fills_only_missing_values() {
    let env = |n: &str| match n {
        "AXME_API_KEY" => Some("env-key".to_string()),
        "AXME_BASE_URL" => Some("http://127.0.0.1:8100/".to_string()),
        _ => None,
    };
    let r = ClientConfig::default().resolve_with(env).unwrap();
    assert_eq!(r.api_key.as_deref(), Some("env-key"));
    assert_eq!(r.base_url, "http://127.0.0.1:8100");
    let c = ClientConfig {
        base_url: Some("https://example.test".into()),
        ..with_key()
    };
    let r = c.resolve_with(env).unwrap();
    assert_eq!(r.api_key.as_deref(), Some("axme_sa_x_secret"));
    assert_eq!(r.base_url, "https://example.test");
    let blank = |_: &str| Some("  ".to_string());
    assert_eq!(
        ClientConfig::default()
            .resolve_with(blank)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn credentials_are_validated_without_echoing_them() {
    let e = err(ClientConfig::default());
    assert!(e.message().contains("no credentials"), "{e}");
    let e = err(ClientConfig {
        api_key: Some("".into()),
        ..ClientConfig::default()
    });
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::InvalidArgument, "api_key is empty")
    );
    let e = err(ClientConfig {
        api_key: Some("sec ret".into()),
        ..ClientConfig::default()
    });
    assert!(!e.message().contains("sec ret"));
    let only_token = ClientConfig {
        bearer_token: Some("tok".into()),
        ..ClientConfig::default()
    };
    assert_eq!(
        only_token
            .resolve_with(no_env)
            .unwrap()
            .actor_token
            .as_deref(),
        Some("tok")
    );
}

#[test]
fn actor_token_alias() {
    let same = ClientConfig {
        actor_token: Some("t".into()),
        bearer_token: Some("t".into()),
        ..with_key()
    };
    assert_eq!(
        same.resolve_with(no_env).unwrap().actor_token.as_deref(),
        Some("t")
    );
    let diff = ClientConfig {
        actor_token: Some("a".into()),
        bearer_token: Some("b".into()),
        ..with_key()
    };
    let e = err(diff);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("aliases"));
}

#[test]
fn base_url_validation() {
    let ok = |u: &str| {
        ClientConfig {
            base_url: Some(u.into()),
            ..with_key()
        }
        .resolve_with(no_env)
        .map(|r| r.base_url)
    };
    assert_eq!(
        ok("HTTP://localhost:8100//").unwrap(),
        "http://localhost:8100"
    );
    assert_eq!(
        ok("https://h.example/prefix/").unwrap(),
        "https://h.example/prefix"
    );
    assert_eq!(ok("http://[::1]:9000").unwrap(), "http://[::1]:9000");
    assert_eq!(ok(" http://h ").unwrap(), "http://h");
    for bad in [
        "",
        "localhost:8100",
        "ftp://h",
        "http://",
        "http://:80",
        "http://h:99999",
        "http://h:x",
        "http://h/a b",
        "http://h?x=1",
        "http://user:pw@h",
        "http://[::1",
        "http://[::1]x",
    ] {
        let e = ok(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
    }
    assert!(ok("ftp://h")
        .unwrap_err()
        .message()
        .contains("http or https"));
}

#[test]
fn numbers_and_paths_are_validated() {
    for c in [
        ClientConfig {
            timeout_seconds: 0.0,
            ..with_key()
        },
        ClientConfig {
            timeout_seconds: f64::NAN,
            ..with_key()
        },
        ClientConfig {
            retry_backoff_seconds: -1.0,
            ..with_key()
        },
        ClientConfig {
            mcp_endpoint_path: "mcp".into(),
            ..with_key()
        },
        ClientConfig {
            client_language: "".into(),
            ..with_key()
        },
        ClientConfig {
            client_version: Some("1 2".into()),
            ..with_key()
        },
        ClientConfig {
            default_owner_agent: Some(" ".into()),
            ..with_key()
        },
        ClientConfig {
            mcp_protocol_version: "2025-03-26".into(),
            ..with_key()
        },
    ] {
        assert_eq!(err(c).kind(), ErrorKind::InvalidArgument);
    }
}

#[test]
fn json_round_trip_and_unknown_fields() {
    let c = ClientConfig::from_json(
        r#"{"api_key":"k","base_url":"http://h:1","timeout_seconds":2.5,"max_retries":0,
            "client_language":"python","client_version":"0.3.0","auto_idempotency_key":false}"#,
    )
    .unwrap();
    let r = c.resolve_with(no_env).unwrap();
    assert_eq!(r.timeout, Duration::from_millis(2500));
    assert_eq!(r.max_retries, 0);
    assert!(!r.auto_idempotency_key);
    assert_eq!(r.client_identity, "axme-sdk-python/0.3.0");
    let e = ClientConfig::from_json(r#"{"api_kye":"k"}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("api_kye"));
}

#[test]
fn debug_output_redacts_secrets() {
    let c = ClientConfig {
        actor_token: Some("tok-secret".into()),
        ..with_key()
    };
    let shown = format!("{c:?}");
    assert!(!shown.contains("axme_sa_x_secret") && !shown.contains("tok-secret"));
    let shown = format!("{:?}", c.resolve_with(no_env).unwrap());
    assert!(!shown.contains("axme_sa_x_secret") && !shown.contains("tok-secret"));
}

#[test]
fn retry_budget_is_validated() {
    let small = ClientConfig::from_json(r#"{"api_key": "k", "retry_budget": 12}"#).unwrap();
    assert_eq!(small.resolve_with(no_env).unwrap().retry_budget, 12);
    let off = ClientConfig::from_json(r#"{"api_key": "k", "retry_budget": 0}"#).unwrap();
    assert_eq!(off.resolve_with(no_env).unwrap().retry_budget, 0);
    for bad in ["-1", "2.5", "\"10\"", "1000001", "null"] {
        let e = ClientConfig::from_json(&format!(r#"{{"api_key": "k", "retry_budget": {bad}}}"#))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
        assert!(
            e.message().contains(&format!(
                "retry_budget must be a whole number of tokens from 0 to 1000000, got {bad}"
            )),
            "{bad}: {}",
            e.message()
        );
    }
    let e = err(ClientConfig {
        retry_budget: MAX_RETRY_BUDGET + 1,
        ..with_key()
    });
    assert_eq!(
        e.message(),
        "retry_budget must be a whole number of tokens from 0 to 1000000, got 1000001"
    );
}
