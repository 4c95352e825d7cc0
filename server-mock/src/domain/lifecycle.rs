//! The transition table of spec/lifecycle.md, as a pure function. The table is the public v1 table
//! relaxed as wire facts §7 decides: any non-terminal intent can be resolved, completed or failed,
//! and nothing leaves a terminal status.

use super::status::Status;

/// Something that asks an intent to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `POST /resolve` with a terminal status (COMPLETED, FAILED or CANCELED).
    Resolve(Status),
    /// `POST /resume {"action": "ack"}` from the agent, or a listen stream handing the intent over.
    Ack,
    /// `POST /resume {"action": "progress"}`: the agent is working (repeatable, each one an event).
    Progress,
    /// `POST /resume {"action": "wait"}`: the agent waits for a human, tool, agent or time.
    Wait,
    /// `POST /resume {"action": "complete"}`.
    Complete,
    /// `POST /resume {"action": "fail"}`.
    Fail,
    /// `POST /resume {"approve_current_step": true}`: a waiting step may go on.
    ApproveStep,
    /// `deadline_at` passed.
    Timeout,
}

/// What applying an action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Enter this status and emit its event (which may be the current status: progress reports).
    Enter(Status),
    /// Nothing changes and no event is written (an `ack` of an intent already taken).
    Unchanged,
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The intent already reached a terminal status.
    AlreadyTerminal(Status),
    /// The action makes no sense from the current status.
    Invalid { from: Status, action: Action },
}

/// Applies `action` to an intent in `current`.
pub fn apply(current: Status, action: Action) -> Result<Outcome, Refusal> {
    use Status::*;
    if current.is_terminal() {
        return Err(Refusal::AlreadyTerminal(current));
    }
    let outcome = match action {
        Action::Resolve(target) if target.is_terminal() && target != TimedOut => {
            Outcome::Enter(target)
        }
        Action::Resolve(_) => {
            return Err(Refusal::Invalid {
                from: current,
                action,
            })
        }
        Action::Ack => match current {
            Created | Submitted | Delivered => Outcome::Enter(Acknowledged),
            Acknowledged | InProgress | Waiting => Outcome::Unchanged,
            _ => unreachable_terminal(current),
        },
        Action::Progress => Outcome::Enter(InProgress),
        Action::Wait => Outcome::Enter(Waiting),
        Action::Complete => Outcome::Enter(Completed),
        Action::Fail => Outcome::Enter(Failed),
        Action::ApproveStep => match current {
            Waiting => Outcome::Enter(InProgress),
            _ => {
                return Err(Refusal::Invalid {
                    from: current,
                    action,
                })
            }
        },
        Action::Timeout => Outcome::Enter(TimedOut),
    };
    Ok(outcome)
}

fn unreachable_terminal(status: Status) -> Outcome {
    // Terminal statuses return early above; keep the match total without panicking.
    debug_assert!(status.is_terminal());
    Outcome::Unchanged
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn resolve_reaches_each_outcome_from_any_open_status() {
        for from in Status::ALL.into_iter().filter(|s| !s.is_terminal()) {
            for target in [Completed, Failed, Canceled] {
                assert_eq!(
                    apply(from, Action::Resolve(target)),
                    Ok(Outcome::Enter(target))
                );
            }
        }
    }

    #[test]
    fn nothing_leaves_a_terminal_status() {
        for from in [Completed, Failed, Canceled, TimedOut] {
            for action in [
                Action::Resolve(Completed),
                Action::Ack,
                Action::Timeout,
                Action::Progress,
            ] {
                assert_eq!(apply(from, action), Err(Refusal::AlreadyTerminal(from)));
            }
        }
    }

    #[test]
    fn ack_is_idempotent_once_taken() {
        assert_eq!(
            apply(Delivered, Action::Ack),
            Ok(Outcome::Enter(Acknowledged))
        );
        assert_eq!(apply(Acknowledged, Action::Ack), Ok(Outcome::Unchanged));
        assert_eq!(apply(InProgress, Action::Ack), Ok(Outcome::Unchanged));
    }

    #[test]
    fn resolve_refuses_non_outcomes_and_approve_needs_a_wait() {
        assert!(apply(Delivered, Action::Resolve(InProgress)).is_err());
        assert!(apply(Delivered, Action::Resolve(TimedOut)).is_err());
        assert!(apply(Delivered, Action::ApproveStep).is_err());
        assert_eq!(
            apply(Waiting, Action::ApproveStep),
            Ok(Outcome::Enter(InProgress))
        );
    }
}
