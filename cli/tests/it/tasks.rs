//! `axme tasks`: the deployment approval seed flow from the CLI alone, refusals, forms checked
//! before sending, and a human's own task list with an actor token.

use crate::support::TestServer;

const APPROVALS: &str = "agent://axme.workflow/releases";

fn ask(ts: &TestServer, extra: &[&str]) -> String {
    let mut args = vec![
        "intents",
        "send",
        "--to",
        APPROVALS,
        "--type",
        "deploy.approval.v1",
        "--set",
        "service=billing-api",
        "--set",
        "version=2.14.0",
    ];
    args.extend_from_slice(extra);
    ts.axme().run(&args).ok()
}

#[test]
fn deployment_approval_send_approve_watch() {
    let ts = TestServer::start();
    let id = ask(
        &ts,
        &["--approval", "Deploy billing-api 2.14.0 to production?"],
    );
    let list = ts.axme().run(["tasks", "list"]).ok();
    let rows: Vec<&str> = list.lines().collect();
    assert!(rows[0].starts_with("TASK"), "{list}");
    assert!(
        rows[1].starts_with(&id) && rows[1].contains("Deploy billing-api 2.14.0 to production?"),
        "{list}"
    );
    assert!(
        rows[1].contains("approval") && rows[1].contains("WAITING"),
        "{list}"
    );

    let task = ts.axme().run(["tasks", "get", &id]).ok();
    assert!(
        task.contains("outcomes:") && task.contains("approved, rejected"),
        "{task}"
    );
    assert!(
        task.lines()
            .any(|l| l.starts_with("state:") && l.ends_with(" open")),
        "{task}"
    );

    // The watch runs while the human approves.
    let mut watch = ts.axme().spawn(["intents", "watch", &id]);
    watch.line_until(|l| l.contains("intent.human_task_assigned"));
    let approved = ts
        .axme()
        .run(["tasks", "approve", &id, "--comment", "ship it"])
        .ok();
    assert_eq!(
        approved,
        format!("answered task {id}: approved; the intent is now COMPLETED")
    );
    let done = watch.finish().expect(0);
    assert!(
        done.stdout.contains(r#"answered approved: "ship it""#),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout
            .trim_end()
            .ends_with(&format!("intent {id} COMPLETED")),
        "{}",
        done.stdout
    );

    assert!(ts
        .axme()
        .run(["tasks", "list"])
        .ok()
        .contains("no open tasks"));
    let closed = ts.axme().run(["tasks", "get", &id]).ok();
    assert!(
        closed
            .lines()
            .any(|l| l.starts_with("state:") && l.ends_with(" answered")),
        "{closed}"
    );
    let again = ts.axme().run(["tasks", "approve", &id]).expect(1);
    assert!(
        again.stderr.starts_with("error: conflict:")
            || again.stderr.starts_with("error: validation:"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_rejection_fails_the_intent() {
    let ts = TestServer::start();
    let id = ask(&ts, &["--approval", "Deploy on a Friday?"]);
    let rejected = ts
        .axme()
        .run(["tasks", "reject", &id, "--comment", "change freeze"])
        .ok();
    assert!(
        rejected.contains("rejected; the intent is now FAILED"),
        "{rejected}"
    );
    ts.axme().run(["intents", "watch", &id]).expect(3);
    let plain = ts
        .axme()
        .run([
            "intents",
            "send",
            "--to",
            "agent://acme/billing",
            "--type",
            "a.b.v1",
        ])
        .ok();
    let no_task = ts.axme().run(["tasks", "approve", &plain]).expect(2);
    assert!(
        no_task.stderr.contains("has no human task"),
        "{}",
        no_task.stderr
    );
}

#[test]
fn forms_are_checked_against_the_form_schema_before_sending() {
    let ts = TestServer::start();
    let task = r#"{"title": "Expense report", "task_type": "form", "required_comment": false,
        "form_schema": {"type": "object", "required": ["amount", "reason"],
          "properties": {"amount": {"type": "integer", "minimum": 1},
                         "reason": {"type": "string", "minLength": 3},
                         "receipt": {"type": "boolean"}}}}"#;
    let id = ask(&ts, &["--human-task", task]);
    let shown = ts.axme().run(["tasks", "get", &id]).ok();
    assert!(shown.contains("amount (integer, required)"), "{shown}");

    // A wrong value and a missing field: both places are named, nothing is sent.
    let bad = ts
        .axme()
        .run(["tasks", "submit", &id, "--field", "amount=0"])
        .expect(1);
    assert!(
        bad.stderr
            .contains("error: validation: the answer does not satisfy the task's form"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("at task_result.data.amount:"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("at task_result.data.reason:"),
        "{}",
        bad.stderr
    );
    let typed = ts
        .axme()
        .run(["tasks", "submit", &id, "--field", "amount=lots"])
        .expect(2);
    assert!(typed.stderr.contains("not an integer"), "{}", typed.stderr);
    assert!(
        ts.axme().run(["tasks", "list"]).ok().contains(&id),
        "still open"
    );

    // Fields from a file, overridden by --field, typed by the schema.
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.json");
    std::fs::write(&answers, r#"{"amount": 5, "reason": "team lunch"}"#).unwrap();
    let ok = ts
        .axme()
        .run([
            "tasks",
            "submit",
            &id,
            "--file",
            answers.to_str().unwrap(),
            "--field",
            "amount=120",
            "--field",
            "receipt=yes",
        ])
        .ok();
    assert!(
        ok.contains("submitted; the intent is now COMPLETED"),
        "{ok}"
    );
    let got = ts
        .axme()
        .run(["intents", "get", &id, "--json"])
        .expect(0)
        .json();
    assert_eq!(
        got["intent"]["task_result"]["data"],
        serde_json::json!({"amount": 120, "reason": "team lunch", "receipt": true})
    );
}

#[test]
fn a_human_lists_their_own_tasks_with_an_actor_token() {
    let ts = TestServer::start();
    let token = ts.human("dana", "dana@example.com");
    let mine = ask(
        &ts,
        &["--approval", "For Dana", "--assignee", "dana@example.com"],
    );
    let theirs = ask(
        &ts,
        &["--approval", "For Olga", "--assignee", "olga@example.com"],
    );
    let list = ts
        .axme()
        .run(["tasks", "list", "--actor-token", &token])
        .ok();
    assert!(list.contains(&mine) && !list.contains(&theirs), "{list}");
    let json = ts
        .axme()
        .run(["tasks", "list", "--actor-token", &token, "--json"])
        .expect(0)
        .json();
    assert_eq!(json["actor"]["name"], "dana");
    ts.axme()
        .run(["tasks", "approve", &mine, "--actor-token", &token])
        .ok();
    let all = ts
        .axme()
        .run(["tasks", "list", "--actor-token", &token, "--status", "all"])
        .ok();
    assert!(all.contains("answered"), "{all}");
    // Without a token only open tasks can be listed.
    let refused = ts
        .axme()
        .run(["tasks", "list", "--status", "all"])
        .expect(2);
    assert!(refused.stderr.contains("actor token"), "{}", refused.stderr);
}
