//! How the server is configured for agents (flags of `axme-server`), free of I/O: which callback
//! hosts `http` bindings may use (no SSRF: nothing is allowed unless listed, loopback included), the
//! delivery retry schedule and timeout, and the mesh health thresholds.

use std::time::Duration;

use super::mesh::HealthThresholds;

/// One `--allow-callback-host` entry: a host name or IP (`*.example.com` for its subdomains),
/// optionally with a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRule {
    host: String,
    port: Option<u16>,
}

impl HostRule {
    /// Parses `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`.
    pub fn parse(text: &str) -> Result<HostRule, String> {
        let text = text.trim().to_ascii_lowercase();
        let bad =
            || format!("callback host {text:?} is not HOST, HOST:PORT, [IPv6] or [IPv6]:PORT");
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (v6, after) = rest.split_once(']').ok_or_else(bad)?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(bad)?),
            };
            (format!("[{v6}]"), port)
        } else {
            match text.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (text.clone(), None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        let name = host.strip_prefix("*.").unwrap_or(&host);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(bad());
        }
        Ok(HostRule { host, port })
    }

    fn allows(&self, host: &str, port: u16) -> bool {
        let host_ok = match self.host.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => self.host == host,
        };
        host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// The callback hosts an `http` binding may use. Empty by default: loopback, private networks and
/// the metadata service are reachable only when an operator lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackAllowlist(pub Vec<HostRule>);

impl CallbackAllowlist {
    /// Checks a callback URL: http(s), no credentials in it, and a listed host (and port).
    pub fn check(&self, raw: &str) -> Result<url::Url, String> {
        let parsed = url::Url::parse(raw)
            .map_err(|e| format!("`callback_url` {raw:?} is not an absolute URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "`callback_url` must use http or https, not {:?}",
                parsed.scheme()
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("`callback_url` must not carry credentials; the delivery is signed with the binding's secret instead".into());
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = parsed.port_or_known_default().unwrap_or(0);
        if !self.0.iter().any(|rule| rule.allows(&host, port)) {
            return Err(format!(
                "callback host {host}:{port} is not allowed by this server's configuration; an operator must start it with --allow-callback-host {host}:{port} (or {host})"
            ));
        }
        Ok(parsed)
    }
}

/// What the server does about agents, deliveries and the mesh (flags of `axme-server`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentsSettings {
    pub callback_hosts: CallbackAllowlist,
    /// Wait before retry n (the last entry repeats); upstream: 30 s, 2 min, 10 min.
    pub retry_schedule: Vec<Duration>,
    /// How long one callback POST may take.
    pub delivery_timeout: Duration,
    pub health: HealthThresholds,
}

impl Default for AgentsSettings {
    fn default() -> Self {
        AgentsSettings {
            callback_hosts: CallbackAllowlist::default(),
            retry_schedule: vec![
                Duration::from_secs(30),
                Duration::from_secs(120),
                Duration::from_secs(600),
            ],
            delivery_timeout: Duration::from_secs(10),
            health: HealthThresholds::default(),
        }
    }
}

impl AgentsSettings {
    /// The wait before the retry that follows failed attempt `attempt` (1-based).
    pub fn retry_delay(&self, attempt: i64) -> Duration {
        let index = (attempt.max(1) - 1) as usize;
        self.retry_schedule
            .get(index)
            .or(self.retry_schedule.last())
            .copied()
            .unwrap_or(Duration::from_secs(30))
    }
}

/// Parses `50ms`, `30s`, `2m` or `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 50ms, 30s, 2m or 1h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!(
            "{text:?} has no unit; write a duration like 50ms, 30s, 2m or 1h"
        )),
    }
}

/// Parses a retry schedule: 1 to 20 comma-separated durations, each from 1 ms to 24 h.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let schedule = text
        .split(',')
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()?;
    let in_range =
        |d: &Duration| *d >= Duration::from_millis(1) && *d <= Duration::from_secs(86_400);
    if schedule.is_empty() || schedule.len() > 20 || !schedule.iter().all(in_range) {
        return Err(format!(
            "retry schedule {text:?} must list 1 to 20 durations from 1ms to 24h"
        ));
    }
    Ok(schedule)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn hosts(rules: &[&str]) -> CallbackAllowlist {
        CallbackAllowlist(rules.iter().map(|r| HostRule::parse(r).unwrap()).collect())
    }
    #[test]
    fn only_listed_hosts_and_ports_are_allowed() {
        let allow = hosts(&[
            "127.0.0.1:8080",
            "hooks.example.com",
            "*.agents.example",
            "[::1]",
        ]);
        assert!(allow.check("http://127.0.0.1:8080/in").is_ok());
        assert!(allow.check("http://127.0.0.1:9090/in").is_err());
        assert!(allow.check("https://hooks.example.com/x").is_ok());
        assert!(allow.check("https://a.agents.example/x").is_ok());
        assert!(allow.check("https://agents.example/x").is_err());
        assert!(allow.check("http://[::1]:5000/").is_ok());
        assert!(allow.check("http://169.254.169.254/latest").is_err());
        assert!(allow.check("ftp://hooks.example.com/").is_err());
        assert!(allow.check("https://u:p@hooks.example.com/").is_err());
        assert!(CallbackAllowlist::default()
            .check("http://localhost/")
            .is_err());
        assert!(HostRule::parse("host:notaport").is_err());
        assert!(HostRule::parse("bad host").is_err());
    }

    #[test]
    fn schedules() {
        assert_eq!(
            parse_schedule("50ms,100ms").unwrap(),
            [Duration::from_millis(50), Duration::from_millis(100)]
        );
        assert!(parse_schedule("30").is_err());
        assert!(parse_schedule("0ms").is_err());
        let settings = AgentsSettings::default();
        assert_eq!(settings.retry_delay(1), Duration::from_secs(30));
        assert_eq!(settings.retry_delay(9), Duration::from_secs(600));
    }
}
