//! The ten intent statuses of the AXP lifecycle (spec/lifecycle.md) and their event types.

use std::fmt;

/// An intent's lifecycle status. `CANCELLED` is accepted on input as an alias of `CANCELED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Created,
    Submitted,
    Delivered,
    Acknowledged,
    InProgress,
    Waiting,
    Completed,
    Failed,
    Canceled,
    TimedOut,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Created,
        Status::Submitted,
        Status::Delivered,
        Status::Acknowledged,
        Status::InProgress,
        Status::Waiting,
        Status::Completed,
        Status::Failed,
        Status::Canceled,
        Status::TimedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "CREATED",
            Status::Submitted => "SUBMITTED",
            Status::Delivered => "DELIVERED",
            Status::Acknowledged => "ACKNOWLEDGED",
            Status::InProgress => "IN_PROGRESS",
            Status::Waiting => "WAITING",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
            Status::Canceled => "CANCELED",
            Status::TimedOut => "TIMED_OUT",
        }
    }

    /// Parses a status name, case-insensitively, accepting the `CANCELLED` spelling.
    pub fn parse(text: &str) -> Option<Status> {
        let upper = text.trim().to_ascii_uppercase();
        if upper == "CANCELLED" {
            return Some(Status::Canceled);
        }
        Status::ALL.into_iter().find(|s| s.as_str() == upper)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Failed | Status::Canceled | Status::TimedOut
        )
    }

    /// The event type emitted when an intent enters this status.
    pub fn event_type(self) -> &'static str {
        match self {
            Status::Created => "intent.created",
            Status::Submitted => "intent.submitted",
            Status::Delivered => "intent.delivered",
            Status::Acknowledged => "intent.acknowledged",
            Status::InProgress => "intent.in_progress",
            Status::Waiting => "intent.waiting",
            Status::Completed => "intent.completed",
            Status::Failed => "intent.failed",
            Status::Canceled => "intent.canceled",
            Status::TimedOut => "intent.timed_out",
        }
    }

    /// The names accepted on input, for error messages.
    pub fn accepted_names() -> String {
        Status::ALL.map(Status::as_str).join(", ")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an intent is `WAITING`.
pub const WAITING_REASONS: [&str; 4] = [
    "WAITING_FOR_HUMAN",
    "WAITING_FOR_TOOL",
    "WAITING_FOR_AGENT",
    "WAITING_FOR_TIME",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_status_and_the_double_l_alias() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("cancelled"), Some(Status::Canceled));
        assert_eq!(Status::parse("RESOLVED"), None);
    }

    #[test]
    fn terminal_set_is_the_four_outcomes() {
        let terminal: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            vec![
                Status::Completed,
                Status::Failed,
                Status::Canceled,
                Status::TimedOut
            ]
        );
    }
}
