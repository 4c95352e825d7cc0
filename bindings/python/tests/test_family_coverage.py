"""Every public member of the clients is exercised by a family test (``test_family_*.py``).

A static scan of the family modules' syntax trees: a method counts as exercised when some family
test calls ``<something>.<name>(...)`` (``<something>.mesh.<name>(...)`` for the mesh client) and
a property when it is read. A method added to the SDK without a family test fails here, naming it.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Set, Tuple

from axme import AxmeClient
from axme.mesh import MeshClient

TESTS = Path(__file__).parent


def _public(cls: type) -> Tuple[Set[str], Set[str]]:
    """(methods, properties) of a class, without private names."""
    methods, properties = set(), set()
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if isinstance(inspect.getattr_static(cls, name), property):
            properties.add(name)
        elif callable(member):
            methods.add(name)
    return methods, properties


def _exercised() -> Tuple[Set[str], Set[str], Set[str]]:
    """(names called, names called on `.mesh`, attribute names read) in the family modules."""
    called, mesh_called, read = set(), set(), set()
    for path in sorted(TESTS.glob("test_family_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute):
                read.add(node.attr)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                called.add(node.func.attr)
                target = node.func.value
                if isinstance(target, ast.Attribute) and target.attr == "mesh":
                    mesh_called.add(node.func.attr)
    return called, mesh_called, read


def test_every_public_client_method_is_called_by_a_family_test() -> None:
    methods, properties = _public(AxmeClient)
    called, _, read = _exercised()
    assert len(methods) >= 140, sorted(methods)  # the scan itself must see the generated methods
    assert sorted(methods - called) == []
    assert sorted(properties - read) == []


def test_every_public_mesh_method_is_called_by_a_family_test() -> None:
    methods, properties = _public(MeshClient)
    _, mesh_called, read = _exercised()
    assert sorted(methods - mesh_called) == []
    assert sorted(properties - read) == []


def test_the_0_2_0_surface_is_part_of_what_is_checked() -> None:
    surface = json.loads((TESTS / "data" / "axme_0_2_0_surface.json").read_text())["AxmeClient"]
    methods, properties = _public(AxmeClient)
    assert len(surface) == 94
    assert set(surface) <= methods | properties


def test_the_family_tests_type_check_strictly(tmp_path: Path) -> None:
    """The family tests use the SDK as a typed caller would; `mypy --strict` accepts them, so the
    generated signatures and result types fit real use."""
    import importlib.util

    assert importlib.util.find_spec("mypy"), "mypy is not installed: pip install mypy (./dev test does)"
    files = [str(p) for p in sorted(TESTS.glob("test_family_*.py"))] + [str(TESTS / "conftest.py")]
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), *files],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
