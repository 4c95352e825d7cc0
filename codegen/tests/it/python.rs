//! Generated Python compiles, type-checks with `mypy --strict` (stubs, implementation and a
//! client using them), and its methods call `_call` / `_acall` with the right arguments.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use axme_codegen::Output;

const PKG: &str = "bindings/python/python/axme/";

/// A Python with mypy: the system one if it has mypy, else a venv under `target/` where the
/// test installs mypy from PyPI. Fails (never skips) when neither works.
fn mypy_python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let has_mypy = |py: &Path| {
            Command::new(py)
                .args(["-m", "mypy", "--version"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let system = PathBuf::from("python3");
        if has_mypy(&system) {
            return system;
        }
        let venv = crate::root().join("target/codegen-venv");
        let py = venv.join("bin/python");
        if has_mypy(&py) {
            return py;
        }
        crate::run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        let out = Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", "mypy"])
            .output();
        match out {
            Ok(o) if o.status.success() && has_mypy(&py) => py,
            Ok(o) => panic!(
                "mypy is not installed and `pip install mypy` into {} failed: {}{}",
                venv.display(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!(
                "mypy is not installed and pip cannot run in {}: {e}",
                venv.display()
            ),
        }
    })
}

/// Writes a spec's Python outputs as package `<name>`: `_operations.py` and `types.py`.
fn write_package(dir: &Path, name: &str, outputs: &[Output]) {
    let file = |f: &str| crate::output(outputs, &format!("{PKG}{f}"));
    crate::put(dir, &format!("{name}/__init__.py"), "");
    for f in ["_operations.py", "types.py"] {
        crate::put(dir, &format!("{name}/{f}"), file(f));
    }
}

const USAGE: &str = r#"from typing import Any, Dict, List

from real._operations import AsyncOperations, SyncOperations
from real.types import CreateIntentRequest, IntentEvent


class Client(SyncOperations):
    def _call(self, operation_id: str, args: Dict[str, Any]) -> Any:
        return {}


class AsyncClient(AsyncOperations):
    async def _acall(self, operation_id: str, args: Dict[str, Any]) -> Any:
        return {}


def use(c: Client) -> List[str]:
    created = c.create_intent({"intent_type": "a.b.v1"}, correlation_id="c")
    body: CreateIntentRequest = {"intent_type": "x.y.v1", "to_agent": "agent://a", "payload": {}}
    c.create_intent(body, correlation_id="d", idempotency_key="k")
    c.resolve_intent("id", {"status": "COMPLETED"}, owner_agent="agent://o", x_owner_agent=None)
    c.reply_inbox_thread("t", message="hi")
    seqs = [e["seq"] for e in c.observe("id", since=3, timeout_seconds=1.5)]
    last: IntentEvent = c.wait_for("id")
    c.mesh.list_agents(limit=3, health="healthy")
    c.mesh.start_heartbeat(interval_seconds=5)
    return [created["intent_id"], str(seqs), last["event_type"], c.send_intent({})]


async def use_async(c: AsyncClient) -> str:
    created = await c.create_intent({}, correlation_id="c")
    async for e in c.observe("id"):
        print(e["seq"])
    return created["intent_id"]
"#;

#[test]
fn python_compiles_and_type_checks() {
    let dir = crate::scratch("python-mypy");
    write_package(&dir, "real", crate::real());
    write_package(&dir, "tricky", crate::tricky());
    crate::put(&dir, "usage.py", USAGE);
    let mut files = Vec::new();
    for pkg in ["real", "tricky"] {
        for f in std::fs::read_dir(dir.join(pkg)).expect("list") {
            files.push(f.expect("entry").path());
        }
    }
    crate::run(
        Command::new("python3")
            .args(["-m", "py_compile"])
            .args(&files),
    );
    crate::run(
        Command::new(mypy_python())
            .current_dir(&dir)
            .args([
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "--python-version",
                "3.10",
            ])
            .args(["real", "tricky", "usage.py"]),
    );
}

const SMOKE: &str = r#"import asyncio

from real._operations import AsyncMeshOperations, AsyncOperations, SyncMeshOperations, SyncOperations
import real.types
import tricky._operations
import tricky.types

calls = []


class Client(SyncOperations):
    def _call(self, operation_id, args):
        calls.append((operation_id, args))
        return {"ok": True}


class AsyncClient(AsyncOperations):
    async def _acall(self, operation_id, args):
        calls.append((operation_id, args))
        return {"ok": True}


class Mesh(SyncMeshOperations):
    def _call(self, operation_id, args):
        calls.append((operation_id, args))
        return {}


c = Client()
assert c.create_intent({"intent_type": "a.b.v1"}, correlation_id="c1") == {"ok": True}
assert calls[-1] == ("create_intent", {"idempotency_key": None, "trace_id": None, "timeout": None,
                                        "body": {"intent_type": "a.b.v1", "correlation_id": "c1"}}), calls[-1]
c.resolve_intent("i1", {"status": "CANCELED"}, x_owner_agent="agent://o")
assert calls[-1][0] == "resolve_intent" and calls[-1][1]["intent_id"] == "i1"
assert calls[-1][1]["x_owner_agent"] == "agent://o" and calls[-1][1]["body"] == {"status": "CANCELED"}
try:
    c.create_intent({"correlation_id": "other"}, correlation_id="c1")
    raise SystemExit("a conflicting correlation_id must be rejected")
except ValueError:
    pass
Mesh().heartbeat()
assert calls[-1] == ("mesh_heartbeat", {"trace_id": None, "timeout": None, "body": None}), calls[-1]
Mesh().list_agents()
assert calls[-1][1]["limit"] == 100
asyncio.run(AsyncClient().get_intent("i2", timeout_seconds=2.5))
assert calls[-1] == ("get_intent", {"intent_id": "i2", "trace_id": None, "timeout": 2.5}), calls[-1]
assert not hasattr(Client, "observe"), "hand-written calls are declared for type checkers only"
assert AsyncMeshOperations and real.types.Intent and tricky.types.Part
print("ok")
"#;

#[test]
fn python_methods_call_the_core() {
    let dir = crate::scratch("python-smoke");
    write_package(&dir, "real", crate::real());
    write_package(&dir, "tricky", crate::tricky());
    crate::put(&dir, "smoke.py", SMOKE);
    let out = crate::run(Command::new("python3").current_dir(&dir).arg("smoke.py"));
    assert!(out.contains("ok"), "{out}");
}
