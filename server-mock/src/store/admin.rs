//! Durable operations and reads of administration: organisations, workspaces, service accounts and
//! their API keys (what `axme-server admin` does on the data dir, over HTTP).

use crate::domain::admin::{NewKey, NewOrg, NewServiceAccount, NewWorkspace};

#[derive(Clone, Debug, PartialEq)]
pub enum AdminOp {
    /// An organisation with a `default` workspace.
    CreateOrg(NewOrg),
    CreateWorkspace {
        org: String,
        workspace: NewWorkspace,
    },
    CreateServiceAccount(NewServiceAccount),
    CreateKey {
        service_account_id: String,
        key: NewKey,
    },
    RevokeKey {
        service_account_id: String,
        key_id: String,
    },
    /// Revokes a key and issues its replacement in one transaction.
    RotateKey {
        service_account_id: String,
        key_id: String,
    },
}

/// A read of administration data; `null` when the thing is not there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminRead {
    /// `{"admin": bool, "org_id": …}` of the calling service account.
    Caller {
        service_account_id: String,
    },
    /// One organisation by id or name.
    Org {
        org: String,
    },
    Workspaces {
        org_id: String,
    },
    ServiceAccounts {
        org_id: String,
        workspace: Option<String>,
    },
    ServiceAccount {
        service_account_id: String,
    },
    Keys {
        service_account_id: String,
    },
}
