//! MCP sessions of protocol 2025-11-25, in memory: a session is only transport state (the negotiated
//! version), so after a restart clients get 404 and initialize again, as the transport prescribes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::mcp;

/// Sessions idle longer than this are forgotten.
const IDLE: Duration = Duration::from_secs(3600);
/// At most this many live sessions; the longest idle one makes room for a new one.
const MAX_SESSIONS: usize = 10_000;

#[derive(Debug)]
struct Session {
    version: &'static str,
    last_seen: Instant,
    initialized: bool,
    /// Digest of the credential `initialize` carried (`None`: none); only it may end the session.
    owner: Option<String>,
}

#[derive(Debug, Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session; returns its id.
    pub fn open(&self, version: &'static str, owner: Option<String>) -> String {
        let id = mcp::new_session_id();
        let now = Instant::now();
        let mut live = self.lock();
        live.retain(|_, s| now.duration_since(s.last_seen) < IDLE);
        if live.len() >= MAX_SESSIONS {
            if let Some(oldest) = live
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
            {
                live.remove(&oldest);
            }
        }
        live.insert(
            id.clone(),
            Session {
                version,
                last_seen: now,
                initialized: false,
                owner,
            },
        );
        id
    }

    /// The version of a live session (and marks it used), or `None` when unknown or expired.
    pub fn touch(&self, id: &str) -> Option<&'static str> {
        let now = Instant::now();
        let mut live = self.lock();
        let expired = live
            .get(id)
            .is_some_and(|s| now.duration_since(s.last_seen) >= IDLE);
        if expired {
            live.remove(id);
            return None;
        }
        let session = live.get_mut(id)?;
        session.last_seen = now;
        Some(session.version)
    }

    /// Records `notifications/initialized`.
    pub fn mark_initialized(&self, id: &str) {
        if let Some(session) = self.lock().get_mut(id) {
            session.initialized = true;
        }
    }

    /// Ends a session opened with the same credential (`owner`); false when no such session is
    /// live for that credential.
    pub fn end(&self, id: &str, owner: Option<&str>) -> bool {
        let mut live = self.lock();
        if live.get(id).is_some_and(|s| s.owner.as_deref() == owner) {
            live.remove(id);
            return true;
        }
        false
    }

    #[cfg(test)]
    fn initialized(&self, id: &str) -> bool {
        self.lock().get(id).is_some_and(|s| s.initialized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_touch_end() {
        let sessions = Sessions::default();
        let id = sessions.open(mcp::SESSION_VERSION, Some("a".into()));
        assert_eq!(id.len(), 64);
        assert_eq!(sessions.touch(&id), Some(mcp::SESSION_VERSION));
        sessions.mark_initialized(&id);
        assert!(sessions.initialized(&id));
        assert!(!sessions.end(&id, Some("b")));
        assert!(!sessions.end(&id, None));
        assert!(sessions.end(&id, Some("a")));
        assert_eq!(sessions.touch(&id), None);
        assert!(!sessions.end(&id, Some("a")));
    }
}
