"""`data/`, `scenarios/` and the viewer's page with three.js reach users of a plain `pip install .`, not only a
checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_carries_data_and_scenarios_and_finds_them(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("twin-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "twin/data/landcover.csv",
        "twin/data/demo/territory.toml",
        "twin/data/demo/elevation.tif",
        "twin/data/README.md",
        "twin/scenarios/README.md",
        "viewer/web/static/index.html",  # the viewer's page and the three.js files it imports (offline)
        "viewer/web/static/node_modules/three/build/three.module.js",
        "viewer/web/static/node_modules/three/examples/jsm/loaders/GLTFLoader.js",
    ):
        assert shipped in names
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = "import twin.datasets as d; print(d.data_dir()); print(d.resolve_territory('demo'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(site)},
    ).stdout.split()
    assert out[0] == str(site / "twin" / "data")
    assert Path(out[1]).is_file() and Path(out[1]).is_relative_to(site)


def test_the_wheel_carries_exactly_the_three_js_files_the_server_serves():
    """The server serves only the three.js files the page imports (viewer.web.app.THREE_FILES); the wheel must carry
    each of them, and no other script of three.js."""
    import tomllib

    from viewer.web.app import THREE_FILES

    artifacts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    prefix = "viewer/web/static/node_modules/three/"
    scripts = {a.removeprefix(prefix) for a in artifacts["artifacts"] if a.endswith(".js")}
    assert scripts == set(THREE_FILES)
