//! The writer's two paths: a batch runs without savepoints unless a request fails after changing
//! rows, and then only that request is undone.

use rusqlite::Connection;
use serde_json::json;
use tokio::sync::oneshot;

use super::{commit_batch, Isolation, Job};
use crate::domain::validate::new_intent;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::store::agents::AgentsOp;
use crate::store::{Change, KeyLookup, Principal, WriteOp, WriteRequest, Written};

type Reply = oneshot::Receiver<Result<Written, ApiError>>;

struct Fixture {
    _dir: tempfile::TempDir,
    conn: Connection,
    principal: Principal,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let conn = super::super::open_admin(dir.path()).expect("open store");
    let key = super::credentials::create_isolated_credential(&conn, "writer-test").expect("key");
    let digest = super::credentials::key_digest(&key.api_key);
    let KeyLookup::Active(principal) = super::credentials::lookup(&conn, &digest).expect("lookup")
    else {
        panic!("the new key is not active");
    };
    Fixture {
        _dir: dir,
        conn,
        principal,
    }
}

fn job(op: WriteOp) -> (Job, Reply) {
    let (reply, answer) = oneshot::channel();
    let request = WriteRequest {
        op,
        idempotency: None,
    };
    (Job { request, reply }, answer)
}

fn create(principal: &Principal, from: &str, to: &str) -> (Job, Reply) {
    let body =
        json!({"intent_type": "test.writer.v1", "from_agent": from, "to_agent": to, "payload": {}});
    let intent = new_intent(&body).expect("a valid intent");
    job(WriteOp::CreateIntent {
        principal: principal.clone(),
        intent,
    })
}

fn answer(mut reply: Reply) -> Result<Written, ApiError> {
    reply.try_recv().expect("answered")
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn a_batch_whose_failures_changed_nothing_commits_without_savepoints() {
    let mut f = fixture();
    let org = f.principal.org_id.clone();
    let (ok, ok_reply) = create(&f.principal, "agent://t/a", "agent://t/b");
    let (missing, missing_reply) = job(WriteOp::Transition {
        org_id: org,
        intent_id: "00000000-0000-0000-0000-000000000000".into(),
        change: Change::Timeout,
    });
    let path = commit_batch(&mut f.conn, vec![ok, missing], &Hub::new());
    assert_eq!(path, Isolation::Shared);
    assert_eq!(answer(ok_reply).expect("created").status, 200);
    assert_eq!(answer(missing_reply).unwrap_err().status, 404);
    assert_eq!(count(&f.conn, "SELECT COUNT(*) FROM intents"), 1);
}

#[test]
fn a_request_failing_after_changing_rows_is_undone_alone() {
    let mut f = fixture();
    let org = f.principal.org_id.clone();
    let (kill, kill_reply) = job(WriteOp::Agents(AgentsOp::Kill {
        org_id: org,
        target: "agent://t/killed".into(),
        actor: "test".into(),
    }));
    commit_batch(&mut f.conn, vec![kill], &Hub::new());
    answer(kill_reply).expect("killed");

    // The second create registers its new sender, then is refused: the recipient is killed.
    let (first, first_reply) = create(&f.principal, "agent://t/a", "agent://t/b");
    let (refused, refused_reply) = create(&f.principal, "agent://t/newcomer", "agent://t/killed");
    let (third, third_reply) = create(&f.principal, "agent://t/a", "agent://t/c");
    let path = commit_batch(&mut f.conn, vec![first, refused, third], &Hub::new());

    assert_eq!(path, Isolation::SavepointEach);
    assert_eq!(answer(first_reply).expect("first").status, 200);
    let refusal = answer(refused_reply).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code.as_str()),
        (403, "agent_killed"),
        "{refusal:?}"
    );
    assert_eq!(answer(third_reply).expect("third").status, 200);
    assert_eq!(count(&f.conn, "SELECT COUNT(*) FROM intents"), 2);
    assert_eq!(
        count(
            &f.conn,
            "SELECT COUNT(*) FROM agents WHERE address = 'agent://t/newcomer'"
        ),
        0,
        "the refused request's own changes are rolled back"
    );
    assert_eq!(
        count(
            &f.conn,
            "SELECT COUNT(*) FROM agents WHERE address = 'agent://t/c'"
        ),
        1,
        "the later request's changes are kept"
    );
}
