//! Retry policy, retry budget and stream reconnect state: pure, no I/O, no clock reads except
//! through arguments, so every rule is unit-tested here.
//!
//! Why these rules: they are what the best-behaved HTTP SDKs do (engineering anchors §1):
//! exponential backoff with *full* jitter (no synchronised retry waves), server hints
//! (`Retry-After` in seconds or as an HTTP date, `retry-after-ms`, `x-should-retry`) honoured but
//! capped, and a shared token bucket so a failing server is not hammered by every caller at once.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use crate::error::is_retryable_status;

/// Default capacity of the retry budget (tokens).
pub const DEFAULT_RETRY_BUDGET: u32 = 500;

/// Largest accepted `retry_budget`.
pub const MAX_RETRY_BUDGET: u32 = 1_000_000;

/// Longest server-requested delay the client will honour.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// A source of uniform random numbers in `[0, 1)`; injectable so tests are deterministic.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The default jitter source (thread-local RNG).
pub fn default_jitter() -> Jitter {
    Arc::new(rand::random::<f64>)
}

/// How many times and how long to wait between attempts.
#[derive(Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Backoff base: attempt `n` (0-based) waits up to `base * 2^n`.
    pub base: Duration,
    /// Backoff cap.
    pub cap: Duration,
    /// Random source for full jitter.
    pub jitter: Jitter,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("base", &self.base)
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(8),
            jitter: default_jitter(),
        }
    }
}

impl RetryPolicy {
    /// The exponential ceiling for retry number `attempt` (0 = first retry): `min(cap, base*2^n)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(30));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Full-jitter backoff: uniform in `[0, ceiling(attempt))`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let unit = (self.jitter)().clamp(0.0, 1.0);
        self.ceiling(attempt).mul_f64(unit)
    }

    /// The delay before retry number `attempt`: the server hint (capped at
    /// [`MAX_SERVER_DELAY`]) when there is one, else the jittered backoff.
    pub fn delay(&self, attempt: u32, server_hint: Option<Duration>) -> Duration {
        match server_hint {
            Some(hint) => hint.min(MAX_SERVER_DELAY),
            None => self.backoff(attempt),
        }
    }
}

/// Parse `x-should-retry`: `true`/`false` (case-insensitive), anything else is no opinion.
pub fn should_retry_header(value: Option<&str>) -> Option<bool> {
    match value?.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The server's requested delay: `retry-after-ms` (milliseconds, fractional allowed) wins, then
/// `Retry-After` as delta-seconds or an HTTP date relative to `now`. Dates in the past give zero.
/// Not capped here (the error keeps the raw hint); [`RetryPolicy::delay`] caps it.
pub fn parse_retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64((ms / 1000.0).min(1e9)));
        }
    }
    let value = retry_after?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX / 2),
        ));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What kind of failure a retry follows; timeouts cost more budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// Any retryable failure other than a timeout.
    Error,
    /// The attempt timed out.
    Timeout,
}

/// A token bucket shared by every request of one client: retries spend tokens, successes earn
/// them back; when the bucket cannot pay for a retry, the error is returned instead.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(DEFAULT_RETRY_BUDGET)
    }
}

impl RetryBudget {
    /// Cost of a retry after an error.
    pub const RETRY_COST: u32 = 5;
    /// Cost of a retry after a timeout.
    pub const TIMEOUT_RETRY_COST: u32 = 10;
    /// Refill per successful response.
    pub const SUCCESS_REFILL: u32 = 1;

    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> RetryBudget {
        RetryBudget {
            tokens: AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Take the cost of one retry; `false` (and nothing taken) when the bucket cannot pay.
    pub fn try_acquire(&self, cause: RetryCause) -> bool {
        let cost = match cause {
            RetryCause::Error => Self::RETRY_COST,
            RetryCause::Timeout => Self::TIMEOUT_RETRY_COST,
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Credit one success (never above capacity).
    pub fn on_success(&self) {
        let cap = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some((t + Self::SUCCESS_REFILL).min(cap))
            });
    }
}

/// Reconnect bookkeeping for one SSE stream: the delay before the next connection and when to
/// give up. The server's `retry:` field, once seen, replaces the backoff (capped like any hint).
#[derive(Debug, Clone)]
pub struct ReconnectState {
    policy: RetryPolicy,
    server_retry: Option<Duration>,
    failures: u32,
    max_failures: u32,
    idle_windows: u32,
}

impl ReconnectState {
    /// Fresh state; after `max_failures` consecutive drops without progress, give up.
    pub fn new(policy: RetryPolicy, max_failures: u32) -> ReconnectState {
        ReconnectState {
            policy,
            server_retry: None,
            failures: 0,
            max_failures,
            idle_windows: 0,
        }
    }

    /// Record the server's `retry:` value (milliseconds).
    pub fn set_server_retry(&mut self, millis: u64) {
        self.server_retry = Some(Duration::from_millis(millis));
    }

    /// The stream delivered something new: the next drop starts the backoff from zero.
    pub fn on_progress(&mut self) {
        self.failures = 0;
        self.idle_windows = 0;
    }

    /// A window ended cleanly but early and empty (e.g. the server has nothing more to send):
    /// not a failure, but reconnecting at once would spin. Returns a growing backoff delay.
    pub fn on_idle_window(&mut self) -> Duration {
        let attempt = self.idle_windows;
        self.idle_windows = self.idle_windows.saturating_add(1);
        self.policy.ceiling(attempt)
    }

    /// The connection dropped. Returns the delay before reconnecting, or `None` to give up.
    pub fn on_drop(&mut self) -> Option<Duration> {
        if self.failures >= self.max_failures {
            return None;
        }
        let attempt = self.failures;
        self.failures += 1;
        Some(match self.server_retry {
            Some(d) => d.min(MAX_SERVER_DELAY),
            None => self.policy.backoff(attempt),
        })
    }

    /// Consecutive drops without progress so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(unit: f64) -> RetryPolicy {
        RetryPolicy {
            jitter: Arc::new(move || unit),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn exponential_ceiling_is_capped() {
        let p = policy(0.5);
        let ms: Vec<u128> = (0..8).map(|a| p.ceiling(a).as_millis()).collect();
        assert_eq!(ms, [200, 400, 800, 1600, 3200, 6400, 8000, 8000]);
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn full_jitter_scales_the_ceiling() {
        assert_eq!(policy(0.0).backoff(3), Duration::ZERO);
        assert_eq!(policy(0.5).backoff(0), Duration::from_millis(100));
        assert_eq!(policy(0.25).backoff(2), Duration::from_millis(200));
        assert_eq!(policy(7.0).backoff(10), Duration::from_secs(8)); // clamped unit
        let real = RetryPolicy::default();
        for a in 0..10 {
            assert!(real.backoff(a) <= real.ceiling(a));
        }
    }

    #[test]
    fn server_hint_wins_but_is_capped() {
        let p = policy(0.5);
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(600))), MAX_SERVER_DELAY);
        assert_eq!(p.delay(1, None), Duration::from_millis(200));
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 413, 422, 501] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn should_retry_header_values() {
        assert_eq!(should_retry_header(Some("true")), Some(true));
        assert_eq!(should_retry_header(Some(" FALSE ")), Some(false));
        assert_eq!(should_retry_header(Some("1")), None);
        assert_eq!(should_retry_header(None), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(parse_retry_after(None, Some("7"), now), secs(7));
        assert_eq!(parse_retry_after(None, Some(" 0 "), now), secs(0));
        assert_eq!(
            parse_retry_after(None, Some("1.5"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(Some("250"), Some("7"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_retry_after(Some("junk"), Some("2"), now), secs(2));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(None, Some(&later), now), secs(30));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(None, Some(&earlier), now), secs(0));
        assert_eq!(parse_retry_after(None, Some("soon"), now), None);
        assert_eq!(parse_retry_after(None, Some("-3"), now), None);
        assert_eq!(parse_retry_after(None, None, now), None);
        assert!(parse_retry_after(None, Some("99999999999999999999999"), now).is_some());
    }

    #[test]
    fn budget_spends_and_refills() {
        let b = RetryBudget::default();
        assert_eq!(b.available(), 500);
        assert!(b.try_acquire(RetryCause::Error));
        assert!(b.try_acquire(RetryCause::Timeout));
        assert_eq!(b.available(), 485);
        b.on_success();
        assert_eq!(b.available(), 486);
        let small = RetryBudget::new(12);
        assert!(small.try_acquire(RetryCause::Timeout));
        assert!(!small.try_acquire(RetryCause::Error));
        assert_eq!(small.available(), 2);
        for _ in 0..20 {
            small.on_success();
        }
        assert_eq!(small.available(), 12);
    }

    #[test]
    fn budget_runs_out() {
        let b = RetryBudget::default();
        let granted = (0..200)
            .filter(|_| b.try_acquire(RetryCause::Error))
            .count();
        assert_eq!(granted, 100);
        assert!(!b.try_acquire(RetryCause::Error));
    }

    #[test]
    fn reconnect_uses_backoff_then_server_retry_and_gives_up() {
        let mut r = ReconnectState::new(policy(1.0), 3);
        assert_eq!(r.on_drop(), Some(Duration::from_millis(200)));
        assert_eq!(r.on_drop(), Some(Duration::from_millis(400)));
        r.on_progress();
        assert_eq!(r.failures(), 0);
        r.set_server_retry(1500);
        assert_eq!(r.on_drop(), Some(Duration::from_millis(1500)));
        r.set_server_retry(10_000_000);
        assert_eq!(r.on_drop(), Some(MAX_SERVER_DELAY));
        assert_eq!(r.on_drop(), Some(MAX_SERVER_DELAY));
        assert_eq!(r.on_drop(), None);
    }

    #[test]
    fn idle_windows_back_off_until_progress() {
        let mut r = ReconnectState::new(policy(0.0), 3);
        let delays: Vec<u128> = (0..8).map(|_| r.on_idle_window().as_millis()).collect();
        assert_eq!(delays, [200, 400, 800, 1600, 3200, 6400, 8000, 8000]);
        r.on_progress();
        assert_eq!(r.on_idle_window(), Duration::from_millis(200));
        assert_eq!(r.failures(), 0, "idle windows are not failures");
    }
}
