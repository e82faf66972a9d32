"""A public meeting's load on the consultation API: 50 residents each post 20 comments and ratings at once.

Usage: python benchmarks/consultation_load.py RUNS_FOLDER [--database-url URL] [--clients 50] [--each 20]

Starts `twin serve` (uvicorn) on a loopback port in another process, with the runs of RUNS_FOLDER (it needs a
run called baseline and one more), creates a consultation with the admin token, then N clients (asyncio, one
HTTP connection each) join and send, all at once, EACH writes: comments and ratings alternately (each rating on a
different scenario x criterion, so every write is a row). Then it counts what the database holds through the
admin export. Prints one JSON line: requests sent, errors, rows stored,
p50/p95/max latency of the writes in ms (target of issue 9: p95 < 200 ms on SQLite), and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ADMIN = "load-test-admin-token"
# Five criteria x two scenarios: each resident's ten ratings are ten different marks, each stored once.
CRITERIA = [{"id": k, "en": k, "fr": k} for k in ("heat", "flood", "green", "cost", "look")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(runs: Path, work: Path, database_url: str | None) -> tuple[subprocess.Popen, str]:
    """`twin serve` in its own process; returns it and its base URL once it is ready (as a meeting's server is
    when residents arrive: its first scene built)."""
    import httpx

    port = _free_port()
    env = os.environ | {"TWIN_ADMIN_TOKEN": ADMIN}
    if database_url:
        env["TWIN_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "twin.cli", "serve", "--runs", str(runs), "--port", str(port),
               "--work-dir", str(work)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"twin serve stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(base + "/api/health", timeout=1).json()["ready"]:
                return process, base  # the start-up preparation (first scene, footprints) is done
        except (httpx.HTTPError, ValueError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("twin serve did not answer within 60 s")


async def _resident(base: str, slug: str, scenarios: list[str], each: int, corner: tuple[float, float],
                    latencies: list, errors: list) -> None:  # fmt: skip
    """One resident: their own connection (aiohttp: a light client, so that the figures are the server's); the
    points of their comments lie near the territory's ``corner`` (the server refuses points outside it)."""
    import aiohttp

    async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=1)) as client:
        async with client.post(f"/api/consultations/{slug}/participants", json={}) as response:
            if response.status != 201:
                errors.append(("join", response.status))
                return
            headers = {"X-Participant-Token": (await response.json())["token"]}
        for i in range(each):
            started = time.perf_counter()
            if i % 2 == 0:
                text = f"comment {i}: more trees on this street"
                point = [corner[0] + i, corner[1] + 2.0]
                body = {"scenario": scenarios[(i // 2) % len(scenarios)], "text": text, "point": point}
                method, path, expected = "POST", "comments", 201
            else:
                n = i // 2  # the n-th rating: a different (scenario, criterion) each time
                scenario = scenarios[(n // len(CRITERIA)) % len(scenarios)]
                body = {"scenario": scenario, "criterion": CRITERIA[n % len(CRITERIA)]["id"], "value": 1 + i % 5}
                method, path, expected = "PUT", "ratings", 200
            async with client.request(method, f"/api/consultations/{slug}/{path}", json=body, headers=headers) as r:
                text = await r.text()
            latencies.append(1000 * (time.perf_counter() - started))
            if r.status != expected:
                errors.append((r.status, text[:200]))


async def _load(base: str, scenarios: list[str], clients: int, each: int, corner: tuple[float, float]) -> dict:
    import httpx

    admin = {"Authorization": f"Bearer {ADMIN}"}
    slug = f"load-{uuid.uuid4().hex[:8]}"  # a new consultation each run, also on a database kept between runs
    body = {"slug": slug, "title": "Load", "scenarios": scenarios, "criteria": CRITERIA,
            "opens_utc": "2000-01-01T00:00:00Z"}  # fmt: skip
    with httpx.Client(base_url=base, timeout=60) as client:
        client.post("/api/consultations", json=body, headers=admin).raise_for_status()
    latencies: list[float] = []
    errors: list = []
    started = time.perf_counter()
    await asyncio.gather(*(_resident(base, slug, scenarios, each, corner, latencies, errors) for _ in range(clients)))
    wall = time.perf_counter() - started
    with httpx.Client(base_url=base, timeout=60) as client:
        comments = client.get(f"/api/consultations/{slug}/export/comments.csv", headers=admin).text
        ratings = client.get(f"/api/consultations/{slug}/export/ratings.csv", headers=admin).text
    stored = len(list(csv.DictReader(io.StringIO(comments)))) + len(list(csv.DictReader(io.StringIO(ratings))))
    latencies.sort()
    return {
        "requests": clients * each,
        "errors": len(errors),
        "first_errors": errors[:3],
        "stored": stored,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "wall_s": round(wall, 2),
    }


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _corner(run: Path) -> tuple[float, float]:
    """The lower-left corner of a run's territory, m in its CRS."""
    import rasterio

    with rasterio.open(run / "territory" / "elevation.tif") as src:
        return src.bounds.left, src.bounds.bottom


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--each", type=int, default=20)
    args = parser.parse_args()
    runs = sorted(p.name for p in args.runs.iterdir() if (p / "provenance.json").is_file())
    scenarios = ["baseline", *[r for r in runs if r != "baseline"][:1]]
    with tempfile.TemporaryDirectory() as work:
        process, base = start_server(args.runs.resolve(), Path(work), args.database_url)
        try:
            cpu_before = _cpu_seconds(process.pid)
            corner = _corner(args.runs / scenarios[0])
            figures = asyncio.run(_load(base, scenarios, args.clients, args.each, corner))
            if cpu_before is not None:  # the server's own CPU per write (exports included): less noisy than latency
                spent = _cpu_seconds(process.pid) - cpu_before
                figures["server_cpu_ms_per_write"] = round(1000 * spent / (args.clients * args.each), 2)
        finally:
            process.terminate()
            process.wait(timeout=30)
    backend = (args.database_url or "sqlite").split(":")[0].split("+")[0]
    print(json.dumps({"benchmark": "consultation_load", "backend": backend, "clients": args.clients,
                      "each": args.each} | figures))  # fmt: skip


if __name__ == "__main__":
    main()
