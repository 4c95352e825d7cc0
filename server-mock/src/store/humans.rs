//! Write operations and read results of the human-facing families: human tasks and their actors,
//! owner inboxes and approvals, scenario workflows.

use crate::domain::inbox::{ApprovalDecision, Delegation, Deletion};
use crate::domain::scenarios::Plan;
use crate::domain::task_answers::Submission;
use crate::domain::tasks::actor_keys;
use crate::store::Principal;

/// Actor tokens start with this, so a bearer token is told apart from an API key without a lookup.
pub const ACTOR_TOKEN_PREFIX: &str = "axme_actor_";

/// A human principal, authenticated by an actor token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub human_id: String,
    pub name: String,
    pub email: Option<String>,
    pub token_id: String,
    pub org_id: String,
    pub org_name: String,
    pub workspace_id: String,
    pub workspace_name: String,
}

impl Actor {
    /// The human's address: `agent://<org>/<workspace>/<name>`.
    pub fn address(&self) -> String {
        format!(
            "agent://{}/{}/{}",
            self.org_name, self.workspace_name, self.name
        )
    }

    /// The assignee keys this human answers to (name, e-mail, address, `*`).
    pub fn keys(&self) -> Vec<String> {
        actor_keys(
            &self.name,
            self.email.as_deref(),
            &self.org_name,
            &self.workspace_name,
        )
    }

    /// The principal an actor-only request acts as: the human's own, scoped to its organisation.
    pub fn principal(&self) -> Principal {
        Principal {
            key_id: self.token_id.clone(),
            org_id: self.org_id.clone(),
            org_name: self.org_name.clone(),
            workspace_id: self.workspace_id.clone(),
            workspace_name: self.workspace_name.clone(),
            service_account_id: format!("human:{}", self.human_id),
            account_name: self.name.clone(),
        }
    }
}

/// What looking up an actor token digest found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorLookup {
    Active(Actor),
    Revoked,
    Unknown,
}

/// Writes of the human task family.
#[derive(Clone, Debug, PartialEq)]
pub enum TasksOp {
    /// A human's `task_result` for the WAITING human step of an intent.
    Submit {
        org_id: String,
        intent_id: String,
        answer: Submission,
        /// The answering human, when an actor token came with the request.
        actor: Option<Box<Actor>>,
        /// Who answered, as recorded (the actor's address, else the service account's).
        by: String,
    },
    /// A reminder or escalation fell due.
    FireTimer { timer_id: i64 },
}

/// Writes of the inbox and approvals family. `viewer` is the owner agent the call acts for.
#[derive(Clone, Debug, PartialEq)]
pub enum InboxOp {
    Read {
        org_id: String,
        viewer: String,
        thread_id: String,
    },
    Reply {
        org_id: String,
        viewer: String,
        thread_id: String,
        message: String,
    },
    Delegate {
        org_id: String,
        viewer: String,
        thread_id: String,
        delegation: Delegation,
    },
    Decide {
        org_id: String,
        viewer: String,
        thread_id: String,
        approve: bool,
        comment: Option<String>,
    },
    DeleteMessages {
        org_id: String,
        viewer: String,
        thread_id: String,
        deletion: Deletion,
    },
    /// `POST /v1/approvals/{approval_id}/decision`.
    DecideApproval {
        org_id: String,
        approval_id: String,
        decision: ApprovalDecision,
        by: String,
        actor: Option<Box<Actor>>,
    },
}

/// Writes of the scenarios family.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenariosOp {
    /// Starts a compiled bundle (or answers the earlier start with the same idempotency key).
    Apply {
        principal: Principal,
        plan: Box<Plan>,
        fingerprint: String,
    },
}
