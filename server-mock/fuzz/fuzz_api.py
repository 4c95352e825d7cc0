"""Schema-driven fuzzing of a running reference server with schemathesis (`./dev fuzz-api`).

Runs every phase (examples, coverage, fuzzing, stateful) and every check of schemathesis against
the served operations of spec/openapi.yaml, for a time budget, then prints the cases run and the
failures by check, and exits 1 when any check failed.

Left out of the run, by name: the fault-injection control API (the server runs without --faults),
operations the server does not serve (they answer 501), the two that revoke the caller's own key
(the run would lose its credential), and pages outside the API such as /dashboard.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SPEC = HERE.parent.parent / "spec" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")
# Revoking or rotating the run's own key would end the run's access.
OWN_KEY_OPERATIONS = {"revoke_service_account_key", "rotate_service_account_key"}
# Pages outside the API, if the spec ever lists them.
NOT_API_PATHS = {"/dashboard"}


def fuzz_spec(out: Path) -> list[str]:
    """Writes the spec without the fault API; returns the operation ids to leave out."""
    doc = yaml.safe_load(SPEC.read_text())
    excluded = []
    for path in list(doc["paths"]):
        item = doc["paths"][path]
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            if op.get("x-axme-faults-only"):
                del item[method]
            elif (
                not op.get("x-axme-served")
                or op["operationId"] in OWN_KEY_OPERATIONS
                or path in NOT_API_PATHS
            ):
                excluded.append(op["operationId"])
        if not any(m in item for m in METHODS):
            del doc["paths"][path]
    out.write_text(json.dumps(doc))
    return excluded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of a server started without --faults")
    parser.add_argument("--key", required=True, help="an admin API key of that server")
    parser.add_argument("--seconds", type=int, required=True, help="time budget of the run")
    parser.add_argument("--report-dir", default="target/fuzz-api", help="where the reports go")
    parser.add_argument("--seed", help="schemathesis seed, to replay a run")
    args = parser.parse_args()

    report_dir = Path(args.report_dir).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    spec = report_dir / "openapi.fuzz.json"
    excluded = fuzz_spec(spec)
    report = report_dir / "report.json"
    report.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(HERE / "schemathesis.toml"),
        "--no-color",
        "run", str(spec),
        "--url", args.url,
        "-H", f"x-api-key: {args.key}",
        "--checks", "all",
        # Replaced by hooks.py's spec_valid_request_refused (400/415/422 only, listed rules aside)
        # and spec_invalid_request_accepted (a JSON-RPC error answer is a refusal).
        "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-time", str(args.seconds),
        "--workers", "2",
        "--no-shrink",
        # Health checks judge schemathesis' own generator (too many examples filtered out by a
        # pattern), not the server: they would stop an operation's run, not find a fault.
        "--suppress-health-check", "all",
        "--request-timeout", "20",
        "--report", "json,junit",
        "--report-json-path", str(report),
        "--report-junit-path", str(report_dir / "junit.xml"),
        "--output-truncate", "true",
    ]
    for operation_id in excluded:
        command += ["--exclude-operation-id", operation_id]
    if args.seed:
        command += ["--seed", args.seed]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(HERE), AXME_FUZZ_SPEC=str(spec))
    log = report_dir / "schemathesis.log"
    with log.open("w") as out:
        # Run inside the report dir: schemathesis keeps its cache (.schemathesis/) in the working dir.
        ran = subprocess.run(
            command, env=env, cwd=report_dir, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if not report.exists():
        print(log.read_text()[-4000:])
        print(f"schemathesis ended ({ran.returncode}) without a report", file=sys.stderr)
        return 1
    result = json.loads(report.read_text())
    cases = result["test_cases"]
    operations = result["operations"]
    print(
        f"fuzz-api: {cases['generated']} cases over {operations['tested']} operations "
        f"({len(excluded)} left out by name) in {result['running_time']:.0f} s, seed {result['seed']}"
    )
    failures = result.get("failures", [])
    errors = result.get("errors", [])
    for failure in failures:
        print(f"  FAILED {failure['code']} {failure['title']}: {failure['count']} ({', '.join(failure['operations'][:6])})")
    # A "Runtime Error" is schemathesis failing inside itself (Hypothesis describing a strategy trips
    # over CPython 3.11's parser now and then), not an answer of the server: reported, not counted.
    # Any other error (a connection refused or reset, a timeout) is the server's and fails the run.
    server_errors = [e for e in errors if e.get("title") != "Runtime Error"]
    for error in errors:
        kind = "ERROR" if error in server_errors else "tool error (not counted)"
        print(f"  {kind} {json.dumps(error)[:300]}")
    if failures or server_errors:
        print(f"fuzz-api: failures above; details in {log}")
        return 1
    print("fuzz-api: 0 failures in every check (server errors, response schemas, status codes, "
          "content types, headers, accepted spec-invalid and refused spec-valid requests, auth, methods)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
