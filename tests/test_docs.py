"""The documentation: generated references current and complete, every page of docs/ in the site's nav, every API
page on a module that exists, the tutorials and the citation in step with the code.

The site itself is built by `make docs` (in CI after `make test`), which fails on any warning; these tests catch
the usual causes first, in a second, without the docs tools.
"""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

import pytest

import twin
from twin import reference
from twin.batch.sweep import Sweep
from twin.engines import ENGINES
from twin.flood.model import FloodParams
from twin.heat.model import HeatParams
from twin.impacts.records import CATALOGUE
from twin.sources import TerritoryFile

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MODELS = {
    "territory.md": reference.TERRITORY_MODELS,
    "flood-params.md": (FloodParams,),
    "heat-params.md": (HeatParams,),
    "sweep.md": (Sweep,),
}


@pytest.mark.parametrize("name", sorted(reference.PAGES))
def test_each_generated_reference_is_current(name):
    committed = (DOCS / "reference" / name).read_text(encoding="utf-8")
    assert committed == reference.render()[name], f"docs/reference/{name} is stale: run `make docs`"


def test_no_other_file_in_docs_reference():
    assert {p.name for p in (DOCS / "reference").iterdir()} == set(reference.PAGES)


@pytest.mark.parametrize("page", sorted(MODELS))
def test_every_field_has_its_row_with_type_default_and_meaning(page):
    text = (DOCS / "reference" / page).read_text(encoding="utf-8")
    for model in MODELS[page]:
        rows = reference.fields(model)
        assert [r[0] for r in rows] == list(model.model_fields)
        for name, kind, default, meaning in rows:
            assert kind and default and meaning, f"{model.__name__}.{name}: type {kind!r}, default {default!r}"
            assert f"| `{name}` |" in text, f"{model.__name__}.{name} missing from docs/reference/{page}"


def test_the_reference_examples_are_valid_files():
    TerritoryFile.model_validate(tomllib.loads(reference.TERRITORY_EXAMPLE))
    Sweep.model_validate(tomllib.loads(reference.SWEEP_EXAMPLE))


@pytest.mark.parametrize("page", ["README.md", "docs/data.md"])
def test_the_guides_territory_files_are_valid(page):
    """Each whole territory file a guide shows (one with an elevation and a land cover) is a valid file; fragments
    (a ``[surface]`` or ``[grid]`` table alone) are not checked."""
    blocks = [
        tomllib.loads(b) for b in re.findall(r"```toml\n(.*?)```", (ROOT / page).read_text(encoding="utf-8"), re.S)
    ]
    whole = [b for b in blocks if "elevation" in b and "land_cover" in b]
    assert whole, f"{page} shows no whole territory file"
    for block in whole:
        TerritoryFile.model_validate(block)


def test_every_indicator_is_in_the_catalogue_page_with_units_and_direction():
    text = (DOCS / "reference" / "indicators.md").read_text(encoding="utf-8")
    for key, spec in CATALOGUE.items():
        assert f"| `{key}` | {spec.en} | {spec.units} |" in text
    for prefix in {key.split(".")[0] for key in CATALOGUE}:
        assert f"## `{prefix}`" in text


def test_every_output_of_every_engine_is_in_the_outputs_page():
    text = (DOCS / "reference" / "outputs.md").read_text(encoding="utf-8")
    for engine in ENGINES.values():
        assert f"## `{engine.name}`" in text
        for spec in engine.outputs:
            row = next(line for line in text.splitlines() if line.startswith(f"| `{spec.name}` |"))
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert cells[1:4] == [f"`{spec.units}`", spec.dtype, f"({', '.join(spec.dims)})"]
            assert cells[5:8] == ["yes" if flag else "" for flag in (spec.key, spec.compared, spec.report)]


def test_python_m_twin_reference_writes_the_pages(tmp_path):
    assert reference.main([str(tmp_path / "out")]) == 0
    assert {p.name for p in (tmp_path / "out").iterdir()} == set(reference.PAGES)
    assert reference.main([]) == 2


def _nav() -> list[str]:
    """The pages named in mkdocs.yml's nav (read as text: the docs tools are not a test dependency)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    return re.findall(r"^\s+- [^:\n]+: (\S+\.(?:md|ipynb))$", nav, flags=re.MULTILINE)


def test_every_page_of_docs_is_in_the_nav():
    pages = {
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*")
        if p.suffix in {".md", ".ipynb"} and "_ext" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }
    nav = set(_nav())
    assert pages - nav == set(), "pages missing from mkdocs.yml's nav"
    assert nav - pages == {"contributing.md"}  # CONTRIBUTING.md, at the root, served by docs/_ext/hooks.py


def _exists(name: str) -> bool:
    """A module, or an object in a module, of that dotted name."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:i]))
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            obj = importlib.import_module(".".join(parts[:i]))
            for attr in parts[i:]:
                obj = getattr(obj, attr, None)
            return obj is not None
    return False


def test_every_api_page_documents_what_exists():
    for page in sorted((DOCS / "api").glob("*.md")):
        for name in re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE):
            assert name.startswith("twin.") and _exists(name), f"docs/api/{page.name}: {name} does not exist"


REQUIRED_API = [
    "twin.sources", "twin.territory", "twin.scenario", "twin.engines", "twin.specs", "twin.hazards",
    "twin.heat.model", "twin.heat.event", "twin.flood.model", "twin.flood.events", "twin.impacts", "twin.runner",
    "twin.results", "twin.compare", "twin.report", "twin.batch", "twin.errors", "twin.testing",
]  # fmt: skip


def test_the_public_modules_have_api_pages():
    documented = set()
    for page in (DOCS / "api").glob("*.md"):
        documented |= set(re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert set(REQUIRED_API) <= documented


@pytest.mark.parametrize("notebook", sorted((DOCS / "tutorials").glob("*.ipynb")), ids=lambda p: p.stem)
def test_tutorials_are_committed_without_outputs(notebook):
    """The build executes them (allow_errors: false); committed outputs would only go stale."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_the_citation_names_the_package_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", text, flags=re.MULTILINE)
    assert re.search(rf'^version: "{re.escape(twin.__version__)}"$', text, flags=re.MULTILINE)
