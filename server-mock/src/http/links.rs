//! Absolute links in responses (`invite_url`, `upload_url`), built from the address the client used.

use axum::http::HeaderMap;

/// `scheme://host` of the request: its `Host` header (plain host characters only; anything else falls
/// back to the loopback default) and `https` when a proxy says so in `X-Forwarded-Proto`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8100");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_the_host_header_and_refuses_odd_ones() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:9000".parse().unwrap());
        assert_eq!(base_url(&headers), "http://127.0.0.1:9000");
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(base_url(&headers), "https://127.0.0.1:9000");
        headers.insert("host", "evil.example/path?x".parse().unwrap());
        assert_eq!(base_url(&headers), "https://127.0.0.1:8100");
    }
}
