"""The API keeps the contract its OpenAPI states: schemathesis fuzzes every operation of a server on loopback, with
and without a facilitator's token, and finds no server error and no answer outside the schema (status codes,
content types, bodies, the Allow header of a 405)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys

import pytest
from conftest import serving

from twin.datasets import scenarios_dir
from viewer.web import create_app
from viewer.web.settings import Settings

ADMIN = "contract-admin-token"
EXAMPLES = 30  # test cases per operation and phase, as the issue asks; the whole test stays within 3 minutes
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "response_headers_conformance,allow_header_conformance"
)


@pytest.fixture(scope="module")
def server(tiny_runs, tmp_path_factory):
    """The tiny runs served by uvicorn on loopback, with an open consultation over both runs."""
    import datetime as dt

    import httpx

    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(tiny_runs, root / "runs")  # jobs the fuzz queues write runs here
    settings = Settings(runs_dir=root / "runs", scenarios_dir=scenarios_dir(), work_dir=root / "work",
                        admin_token_sha256=hashlib.sha256(ADMIN.encode()).hexdigest())  # fmt: skip
    app = create_app(settings)
    with serving(app) as base:
        opens = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
        body = {"slug": "plan", "title": "Plan", "scenarios": ["baseline", "green-sud"], "opens_utc": opens}
        httpx.post(f"{base}/api/consultations", json=body, headers={"Authorization": f"Bearer {ADMIN}"})
        yield base, root
        app.state.twin.jobs.close()  # the jobs the fuzz queued stop with the server


@pytest.mark.slow
@pytest.mark.parametrize("token", [None, ADMIN], ids=["no-token", "admin-token"])
def test_every_operation_answers_within_its_documented_contract(server, token):
    base, root = server
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json", "--checks", CHECKS,
               "--max-examples", str(EXAMPLES), "--phases", "examples,coverage,fuzzing", "--workers", "1",
               "--seed", "20261207", "--generation-database", "none", "--no-color", "--request-timeout", "30",
               "--suppress-health-check", "all"]  # fmt: skip
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=root)  # its cache goes there
    (root / f"schemathesis-{token is not None}.txt").write_text(out.stdout + out.stderr, encoding="utf-8")
    summary = out.stdout[-6000:]
    assert out.returncode == 0, summary  # no server error, no answer outside the schema, no runtime error
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", out.stdout).groups())
    assert generated == passed and generated >= 1000, summary  # about 30 cases for each of the 36 operations
    print(summary[-1500:])
