"""The demo's indicators as committed reference figures (``tests/data/demo_indicators.csv``).

Refactoring must not move a number: ``test_demo.py`` compares every figure of every scenario's
``indicators.json`` with this file, to 1e-9 relative. A change of the physics that is meant to move them
regenerates the file, in the same commit, with a word in the commit message on what moved and why::

    python tests/demo_reference.py twin-demo      # after `twin demo --out twin-demo`

The flood kernels are compiled with fastmath for the CPU they run on, so float32 sums round differently on
another vector width (AVX2, AVX-512): a cell or a building at a threshold flips. The CPU the reference was made on
is kept beside it (``demo_indicators.cpu``, LLVM's name for it); on another CPU the flood's indicators are compared
within :data:`ACROSS_CPUS_REL` or a few cells' worth (:data:`ACROSS_CPUS_ABS`), every other figure still to 1e-9.
Measured between a first-generation Zen (the reference's) and a Zen 4: at most 1 building, 1 cell of PPRI area
(0.0025 ha), 5 m of road and 0.86 % of the people over a threshold of depth.

Each row is one leaf of ``indicators.json``: its path (``indicator|<key>|<event>|<district>`` for an indicator,
the JSON path otherwise, such as ``measures.0.area_m2``), then its value as JSON in each scenario's column (empty
where the scenario has no such leaf).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

from twin.datasets import scenarios_dir

REFERENCE = Path(__file__).parent / "data" / "demo_indicators.csv"
REFERENCE_CPU = REFERENCE.with_suffix(".cpu")  # LLVM's name of the CPU the reference's engines were compiled for
RELATIVE = 1e-9  # the tolerance of the acceptance: refactoring moves no figure by more than this
ACROSS_CPUS_REL = 0.01  # the flood's indicators on another CPU: within 1 %...
ACROSS_CPUS_ABS = {"ha": 0.01, "km": 0.02, "buildings": 2.0, "people": 10.0}  # ...or 4 cells, 4 cells of road, 2
FLOOD = "indicator|flood."  # buildings, 10 people over a threshold


def host_cpu() -> str:
    """LLVM's name of the CPU numba compiles for here (``NUMBA_CPU_NAME`` when it is set)."""
    import numba
    from llvmlite import binding

    return numba.config.CPU_NAME or binding.get_host_cpu_name()


def reference_cpu() -> str:
    """The CPU the committed reference was made on."""
    return REFERENCE_CPU.read_text(encoding="utf-8").strip()


def leaves(summary: dict) -> dict[str, object]:
    """Every leaf of one run's ``indicators.json``, keyed by a path that does not depend on list order for
    indicators (they are keyed by key, event and district). The checkout's scenarios folder, which the measures'
    ``where`` names, is written ``<scenarios>``: the figures do not depend on where the checkout is."""
    out: dict[str, object] = {}
    for i in summary["indicators"]:
        path = f"indicator|{i['key']}|{i.get('event') or ''}|{i.get('district') or ''}"
        out[path] = i["value"]
        out[path + "|units"] = i.get("units")
    for field in ("scenario", "measures", "events"):
        _walk(summary[field], field, out)
    return out


def _walk(value, path: str, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{path}.{k}", out)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _walk(v, f"{path}.{n}", out)
    elif isinstance(value, str):
        out[path] = value.replace(str(scenarios_dir()), "<scenarios>")
    else:
        out[path] = value


def demo_leaves(runs_folder: Path) -> dict[str, dict[str, object]]:
    """Scenario -> leaves, for every run folder of a `twin demo` output's ``runs/``."""
    return {
        p.name: leaves(json.loads((p / "indicators.json").read_text(encoding="utf-8")))
        for p in sorted(runs_folder.iterdir())
        if (p / "indicators.json").is_file()
    }


def read_reference(path: Path = REFERENCE) -> dict[str, dict[str, object]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    scenarios = [c for c in rows[0] if c != "path"] if rows else []
    return {s: {r["path"]: json.loads(r[s]) for r in rows if r[s] != ""} for s in scenarios}


def write_reference(figures: dict[str, dict[str, object]], path: Path = REFERENCE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        scenarios = sorted(figures)
        writer.writerow(["path", *scenarios])
        for key in sorted({k for values in figures.values() for k in values}):
            cells = [json.dumps(figures[s][key], ensure_ascii=False) if key in figures[s] else "" for s in scenarios]
            writer.writerow([key, *cells])


def differences(actual: dict, expected: dict, *, rtol: float = RELATIVE, across_cpus: bool = False) -> list[str]:
    """Every figure that differs: missing or extra leaves, strings that differ, numbers beyond ``rtol``; with
    ``across_cpus``, the flood's indicators beyond :data:`ACROSS_CPUS_REL` and :data:`ACROSS_CPUS_ABS` instead."""
    problems = []
    for scenario in sorted(set(actual) | set(expected)):
        a, e = actual.get(scenario), expected.get(scenario)
        if a is None or e is None:
            problems.append(f"{scenario}: {'missing' if a is None else 'not in the reference'}")
            continue
        for key in sorted(set(a) | set(e)):
            if key not in a or key not in e:
                problems.append(f"{scenario}: {key}: {'missing' if key not in a else 'not in the reference'}")
            elif across_cpus and key.startswith(FLOOD) and not key.endswith("|units"):
                if not _same(a[key], e[key], ACROSS_CPUS_REL, ACROSS_CPUS_ABS.get(e.get(f"{key}|units"), 0.0)):
                    problems.append(f"{scenario}: {key}: {a[key]!r}, reference {e[key]!r} (made on another CPU)")
            elif not _same(a[key], e[key], rtol):
                problems.append(f"{scenario}: {key}: {a[key]!r}, reference {e[key]!r}")
    return problems


def _same(a, e, rtol: float, atol: float = 0.0) -> bool:
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(e, numbers) and not isinstance(a, bool) and not isinstance(e, bool):
        return math.isclose(a, e, rel_tol=rtol, abs_tol=atol) or (a == e)
    return a == e


if __name__ == "__main__":
    demo = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("twin-demo")
    write_reference(demo_leaves(demo / "runs"))
    REFERENCE_CPU.write_text(host_cpu() + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE} and {REFERENCE_CPU.name} ({host_cpu()})")
