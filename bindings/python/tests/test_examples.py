"""The examples in examples/python run against the reference server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, Credential

EXAMPLES = REPO / "examples" / "python"


RUNS = [
    ("deployment_approval.py", [], 0, "deploying"),
    ("deployment_approval.py", ["--reject"], 1, "not approved"),
    ("agent_handoff.py", [], 0, "job COMPLETED"),
    ("order_flow.py", [], 0, "shipped, tracking"),
    ("order_flow.py", ["--decline"], 1, "releasing the stock"),
]


def test_every_example_is_run() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == {run[0] for run in RUNS}


@pytest.mark.parametrize("script,args,code,expect", RUNS)
def test_example_runs(cred: Credential, script: str, args: list, code: int, expect: str) -> None:
    env = dict(os.environ, AXME_BASE_URL=cred.server.url, AXME_API_KEY=cred.api_key)
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == code, out.stdout + out.stderr
    assert expect in out.stdout, out.stdout
