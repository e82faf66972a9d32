"""The house's rules, checked on its source: short functions, kernels called by name, imports at the top, and the
engines' events and outputs named in the registry and their own packages only (docs/architecture.md).

``lint-imports`` (in ``make test``) checks the layers; these are the rules a layer contract cannot see.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from twin.engines import ENGINES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("twin", "viewer")
MAX_LINES = 100  # of any function or method, docstring included
MAX_POSITIONAL = 12  # of a call to a numba kernel
# Function-level imports of the house's own modules are for start-up time only: the command lines answer
# `--help` without numba, and viewer.web builds its app on first use.
# the command lines, and the flood warm-up (a process twin demo starts before it imports the engines)
LAZY_IMPORTS_ALLOWED = ("twin/cli/", "viewer/cli.py", "viewer/web/__init__.py", "twin/flood/warmup.py")
# Where an engine's events and outputs may be named: the registry, the engines' own packages, and the impacts
# of each engine (which read its outputs). The word tables key words by them (``event.<kind>``), never name them.
ENGINE_HOMES = ("twin/engines.py", "twin/heat/", "twin/flood/", "twin/impacts/heat.py", "twin/impacts/flood.py")


def _sources(suffixes=(".py",)):
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix in suffixes and "node_modules" not in rel and "migrations" not in rel:
                yield rel, path


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_function_is_longer_than_100_lines():
    long = [
        f"{rel}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines"
        for rel, path in _sources()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert not long, "\n".join(long)


def _kernel_names() -> dict[str, set[str]]:
    """The numba-compiled functions of each ``_kernels`` module (decorated with ``nb.njit``/``numba.njit``)."""
    out = {}
    for rel, path in _sources():
        if path.name != "_kernels.py":
            continue
        names = set()
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and any("njit" in ast.unparse(d) for d in node.decorator_list):
                names.add(node.name)
        out[rel] = names
    return out


def test_no_kernel_is_called_with_more_than_12_positional_arguments():
    kernels = set().union(*_kernel_names().values())
    assert {"continuity", "update_qx", "shadow_sunlit", "svf_horizon"} <= kernels  # the rule sees the kernels
    crowded = []
    for rel, path in [*_sources(), *((p.relative_to(ROOT).as_posix(), p) for p in (ROOT / "tests").glob("*.py"))]:
        in_kernels = path.name == "_kernels.py"
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) and ast.unparse(f.value) in ("k", "_kernels") else None
            if name is None and in_kernels and isinstance(f, ast.Name):
                name = f.id
            if name in kernels and (len(node.args) > MAX_POSITIONAL or any(isinstance(a, ast.Starred)
                                                                              for a in node.args)):  # fmt: skip
                crowded.append(f"{rel}:{node.lineno} {name}: {len(node.args)} positional arguments")
    assert not crowded, "call these kernels with keyword arguments:\n" + "\n".join(crowded)


def test_the_house_imports_its_own_modules_at_the_top():
    """A function-level import of the house's own modules would hide an import circle; lint-imports and this
    test together keep the graph acyclic."""
    late = []
    for rel, path in _sources():
        if rel.startswith(LAZY_IMPORTS_ALLOWED):
            continue
        for fn in ast.walk(_tree(path)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                own = isinstance(node, ast.ImportFrom) and (
                    node.level > 0 or (node.module or "").split(".")[0] in PACKAGES
                )
                own |= isinstance(node, ast.Import) and any(a.name.split(".")[0] in PACKAGES for a in node.names)
                if own:
                    late.append(f"{rel}:{node.lineno} in {fn.name}: {ast.unparse(node)}")
    assert not late, "\n".join(late)


def _text_files():
    return _sources((".py", ".js", ".html", ".json", ".j2", ".css"))


def test_event_kinds_are_named_only_by_the_registry_and_their_engines():
    kinds = [kind for engine in ENGINES.values() for kind in engine.kinds]
    found = []
    for rel, path in _text_files():
        if rel.startswith(ENGINE_HOMES):
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{rel}: {kind!r}" for kind in kinds if f'"{kind}"' in text or f"'{kind}'" in text]
    assert not found, "\n".join(found)


def test_no_list_of_outputs_exists_outside_the_registry():
    """Outside the engines' homes no source names an engine output in a string: what to write, difference, draw
    or offer comes from the registry (twin.engines) and the specs beside each engine."""
    outputs = {spec.name for engine in ENGINES.values() for spec in engine.outputs}
    found = []
    for rel, path in _text_files():
        if rel.startswith(ENGINE_HOMES):
            continue
        text = path.read_text(encoding="utf-8")
        for name in sorted(outputs):
            if re.search(rf"""["']{re.escape(name)}["']""", text):
                found.append(f"{rel}: {name!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("engine", list(ENGINES.values()), ids=list(ENGINES))
def test_every_engine_declares_what_the_house_needs(engine):
    names = [s.name for s in engine.outputs]
    assert len(names) == len(set(names)) and engine.kinds and engine.inputs
    assert engine.outputs[[s.name for s in engine.outputs].index(engine.report_map)].delta_ramp, "a report map"
    for spec in engine.outputs:
        assert spec.units and spec.meaning and spec.dims[-2:] in (("y", "x"), ("gauge", "gauge_time"))
        assert not (spec.compared or spec.report or spec.key) or spec.is_map, f"{spec.name}: a map to write"
