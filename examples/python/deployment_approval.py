"""Deployment approval: a release pipeline asks a human to approve a deploy and blocks on wait_for.

The pipeline sends an intent carrying a human task (``task_type: approval``) to the server's
workflow engine; the intent parks in WAITING (``WAITING_FOR_HUMAN``) until someone answers. The
approver here watches the intent and answers with ``resume_intent(..., {"task_result": ...})``:
``approved`` completes the intent, ``rejected`` fails it. A real approver would find the task in
their task inbox (``list_my_tasks``, authenticated with an actor token from
``axme-server admin users create``) and answer the same way.

    AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \\
        python examples/python/deployment_approval.py [--reject]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from axme import AxmeClient, AxmeClientConfig

# Addresses under agent://axme.workflow/ belong to the server's workflow engine: once the human
# says yes, nobody else has to act, so the intent completes.
APPROVALS = "agent://axme.workflow/release-approvals"


def approver(config: AxmeClientConfig, intent_id: str, approve: bool) -> None:
    """The human's side: wait until the task is assigned, read it, answer it."""
    with AxmeClient(config) as client:
        for event in client.observe(intent_id, timeout_seconds=30):
            if event["event_type"] == "intent.human_task_assigned":
                break
        intent = client.get_intent(intent_id)["intent"]
        task = intent["human_task"]
        print(f"approver: task {task['title']!r}, outcomes {task['allowed_outcomes']}")
        answer = {"outcome": "approved", "comment": "ship it"} if approve else {
            "outcome": "rejected", "comment": "change freeze this week"}
        client.resume_intent(intent_id, {"task_result": answer})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reject", action="store_true", help="make the approver say no")
    args = parser.parse_args()
    config = AxmeClientConfig(
        base_url=os.environ.get("AXME_BASE_URL", "http://127.0.0.1:8100"),
        api_key=os.environ["AXME_API_KEY"],
    )
    with AxmeClient(config) as pipeline:
        intent_id = pipeline.send_intent(
            {
                "intent_type": "deploy.approval.v1",
                "to_agent": APPROVALS,
                "payload": {"service": "billing-api", "version": "2.14.0", "environment": "production"},
                "human_task": {
                    "title": "Deploy billing-api 2.14.0 to production?",
                    "task_type": "approval",
                },
            }
        )
        print(f"pipeline: asked for approval (intent {intent_id})")
        human = threading.Thread(target=approver, args=(config, intent_id, not args.reject))
        human.start()
        try:
            final = pipeline.wait_for(intent_id, timeout_seconds=60)
        except TimeoutError:
            print("pipeline: nobody answered in time; not deploying")
            return 2
        finally:
            human.join()
        answer = (final.get("details") or {}).get("task_result") or {}
        if final["status"] == "COMPLETED":
            print(f"pipeline: approved ({answer.get('comment')}); deploying billing-api 2.14.0")
            return 0
        error = pipeline.get_intent(intent_id)["intent"]["error"]
        print(f"pipeline: not approved ({final['status']}: {error}); stopping")
        return 1


if __name__ == "__main__":
    sys.exit(main())
