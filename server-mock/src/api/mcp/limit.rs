//! The `tools/call` rate limit: at most N calls a minute per (organisation, owner, tool), 120 by
//! default as upstream documents it (wire facts §1.8); past it the call is the JSON-RPC error -32004,
//! which the SDKs raise as a rate-limit error (429), with the seconds until the window reopens.
//!
//! Fixed one-minute windows, counted in memory: a limit protects a running server, so it need not
//! survive a restart, and no write is spent on it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Windows kept before the expired ones are dropped.
const PRUNE_ABOVE: usize = 4096;

/// Who a window counts: organisation, owner address, tool name.
pub type Key = (String, String, String);

#[derive(Debug, Default)]
pub struct CallLimiter {
    windows: Mutex<HashMap<Key, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    calls: u32,
}

impl CallLimiter {
    /// Counts one call of `key` at `now`. Past `per_minute` calls in the current window, nothing is
    /// counted and the answer is the whole seconds until the window reopens (at least 1).
    /// `per_minute` 0 means no limit.
    pub fn admit(&self, key: Key, per_minute: u32, now: Instant) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let window = windows.entry(key).or_insert(Window {
            start: now,
            calls: 0,
        });
        if now.duration_since(window.start) >= WINDOW {
            *window = Window {
                start: now,
                calls: 0,
            };
        }
        if window.calls >= per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(window.start));
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        window.calls += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tool: &str) -> Key {
        ("org".into(), "agent://o/w/a".into(), tool.into())
    }

    #[test]
    fn the_limit_holds_per_key_and_reopens_after_the_window() {
        let limiter = CallLimiter::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.admit(key("a"), 3, t0).unwrap();
        }
        assert_eq!(limiter.admit(key("a"), 3, t0), Err(60));
        assert_eq!(
            limiter.admit(key("a"), 3, t0 + Duration::from_millis(59_500)),
            Err(1)
        );
        // Another tool, or another owner, has its own window.
        limiter.admit(key("b"), 3, t0).unwrap();
        let other = ("org".into(), "agent://o/w/b".into(), "a".into());
        limiter.admit(other, 3, t0).unwrap();
        // A minute later the window starts again.
        limiter.admit(key("a"), 3, t0 + WINDOW).unwrap();
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = CallLimiter::default();
        let t0 = Instant::now();
        for _ in 0..1000 {
            limiter.admit(key("a"), 0, t0).unwrap();
        }
    }
}
