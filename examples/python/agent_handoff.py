"""Agent handoff: agent B takes an intent, is killed mid-task, and picks it up again on restart.

The requester sends a report job to agent B and observes it. Agent B runs as its own process: it
listens, acknowledges the job, reports progress ... and is killed (SIGKILL) by the requester the
moment that progress shows up, before it can finish. A fresh agent B process listens again from
the start (``since=0``); delivery is at-least-once, so the unfinished job is delivered again, and
this time it completes. The requester's single ``observe`` loop sees the whole story.

    AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \\
        python examples/python/agent_handoff.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from axme import AxmeClient, AxmeClientConfig

AGENT_B = "agent://acme/prod/report-builder"


def config() -> AxmeClientConfig:
    return AxmeClientConfig(
        base_url=os.environ.get("AXME_BASE_URL", "http://127.0.0.1:8100"),
        api_key=os.environ["AXME_API_KEY"],
    )


def agent_b(job_id: str, life: int) -> None:
    """Agent B: work on `job_id` when it is delivered (other deliveries are someone else's)."""
    with AxmeClient(config()) as client:
        for delivery in client.listen(AGENT_B, since=0, timeout_seconds=60):
            if delivery["intent_id"] != job_id:
                continue
            status = delivery["status"]
            print(f"agent B (life {life}): got the job, status {status}", flush=True)
            if life == 1:
                client.resume_intent(job_id, {"action": "ack"})
                client.resume_intent(job_id, {"action": "progress", "message": "rendering page 1 of 3"})
                time.sleep(60)  # "working"; the requester kills this process here
            else:
                client.resume_intent(job_id, {"action": "progress", "message": "restarted, resuming at page 1"})
                client.resume_intent(
                    job_id, {"action": "complete", "result": {"pages": 3, "url": "s3://reports/q3.pdf"}}
                )
                print(f"agent B (life {life}): done", flush=True)
            return


def start_agent(job_id: str, life: int) -> "subprocess.Popen[bytes]":
    return subprocess.Popen([sys.executable, __file__, "--agent", job_id, str(life)])


def requester() -> int:
    with AxmeClient(config()) as client:
        job_id = client.send_intent(
            {"intent_type": "report.build.v1", "to_agent": AGENT_B, "payload": {"quarter": "Q3"}}
        )
        print(f"requester: sent job {job_id}")
        agent = start_agent(job_id, life=1)
        lives = 1
        try:
            for event in client.observe(job_id, timeout_seconds=90):
                print(f"requester: #{event['seq']} {event['event_type']} ({event['status']})")
                if event["event_type"] == "intent.in_progress" and lives == 1:
                    agent.kill()  # agent B dies mid-task
                    agent.wait()
                    print("requester: agent B was killed mid-task; starting it again")
                    lives = 2
                    agent = start_agent(job_id, life=2)
            final = client.get_intent(job_id)["intent"]
        finally:
            if agent.poll() is None:
                agent.kill()
            agent.wait()
        print(f"requester: job {final['status']} with {final['result']}")
        return 0 if final["status"] == "COMPLETED" else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--agent":
        agent_b(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(requester())
