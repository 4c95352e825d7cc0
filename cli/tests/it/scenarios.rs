//! `axme scenarios validate|apply --watch`: a bundle with an approval step and an agent step, run
//! to COMPLETED from the CLI alone.

use crate::support::{id_after, TestServer};

const BUNDLE: &str = r#"{
  "scenario_id": "deploy.approval",
  "agents": [{"role": "deployer", "address": "agent://acme/deployer"}],
  "humans": [{"role": "operator", "contact": "olga@example.com"}],
  "workflow": {"steps": [
    {"step_id": "ops_approval", "tool_id": "tool.approval.human_signoff", "assigned_to": "operator",
     "human_task": {"title": "Deployment approval: api-gateway v3.2.1 to staging"}},
    {"step_id": "deploy", "tool_id": "tool.agent.task.v1", "assigned_to": "deployer",
     "input": {"version": "3.2.1"}}
  ]},
  "intent": {"type": "deploy.release", "payload": {"service": "api-gateway"}}
}"#;

#[test]
fn validate_lists_every_problem_with_its_place() {
    let ts = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, BUNDLE).unwrap();
    let ok = ts
        .axme()
        .run(["scenarios", "validate", good.to_str().unwrap()])
        .ok();
    assert_eq!(
        ok,
        "valid: scenario deploy.approval, intent type deploy.release.v1\nsteps: ops_approval (approval) → deploy (agent)"
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        BUNDLE
            .replace("\"deploy.approval\"", "\"Deploy Approval\"")
            .replace("tool.agent.task.v1", "tool.teleport"),
    )
    .unwrap();
    let out = ts
        .axme()
        .run(["scenarios", "validate", bad.to_str().unwrap()])
        .expect(1);
    assert!(
        out.stdout.starts_with("invalid: 2 problems"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("scenario_id "), "{}", out.stdout);
    assert!(
        out.stdout.contains("workflow.steps[1].tool_id"),
        "{}",
        out.stdout
    );
    let json = ts
        .axme()
        .run(["scenarios", "validate", bad.to_str().unwrap(), "--json"])
        .expect(1)
        .json();
    assert_eq!(json["valid"], false);
    let not_json = dir.path().join("broken.json");
    std::fs::write(&not_json, "{").unwrap();
    let broken = ts
        .axme()
        .run(["scenarios", "validate", not_json.to_str().unwrap()])
        .expect(2);
    assert!(
        broken.stderr.contains("is not valid JSON"),
        "{}",
        broken.stderr
    );
}

#[test]
fn apply_watch_runs_an_approval_step_and_an_agent_step_to_completed() {
    let ts = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, BUNDLE).unwrap();
    let mut watch = ts
        .axme()
        .spawn(["scenarios", "apply", file.to_str().unwrap(), "--watch"]);
    let workflow = watch.line_until(|l| l.starts_with("workflow:"));
    let parent = workflow.split_whitespace().nth(1).unwrap().to_string();
    assert!(watch
        .line_until(|l| l.starts_with("status:"))
        .contains("WAITING"));

    // The approval step waits for a human; the watch says how to answer it.
    let waiting = watch.line_until(|l| l.contains("answer with `axme tasks approve"));
    let approval = id_after(&waiting, "axme tasks approve ");
    let tasks = ts.axme().run(["tasks", "list"]).ok();
    assert!(
        tasks.contains(&approval) && tasks.contains("olga@example.com"),
        "{tasks}"
    );
    ts.axme().run(["tasks", "approve", &approval]).ok();

    // The agent step goes to the deployer; the agent reports its result.
    let step = watch.line_until(|l| l.contains("step deploy (agent) → agent://acme/deployer"));
    let work = id_after(&step, "· intent ");
    let got = ts
        .axme()
        .run(["intents", "get", &work, "--json"])
        .expect(0)
        .json();
    assert_eq!(got["intent"]["payload"]["input"]["version"], "3.2.1");
    ts.axme()
        .run([
            "intents",
            "resolve",
            &work,
            "--result",
            r#"{"url": "https://staging"}"#,
        ])
        .ok();

    let done = watch.finish().expect(0);
    assert!(done.stdout.contains("intent.completed"), "{}", done.stdout);
    assert!(
        done.stdout
            .trim_end()
            .ends_with(&format!("intent {parent} COMPLETED")),
        "{}",
        done.stdout
    );

    // Applying again with a key returns the same workflow.
    let first = ts
        .axme()
        .run([
            "scenarios",
            "apply",
            file.to_str().unwrap(),
            "--idempotency-key",
            "deploy-321",
            "--json",
        ])
        .expect(0)
        .json();
    let second = ts
        .axme()
        .run([
            "scenarios",
            "apply",
            file.to_str().unwrap(),
            "--idempotency-key",
            "deploy-321",
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(first["intent_id"], second["intent_id"]);
    assert_eq!(second["idempotent"], true);
}
