"""The public face under attack, through the HTTP API (issue 20's security and robustness defects, each failing
before its fix): roles, the order of checks, text and points that a database or a map cannot take, the job workers'
lifecycle, what the server lets out, and the contract its OpenAPI states."""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest
from conftest import HEATWAVE_2019
from fastapi.testclient import TestClient
from test_consultation import _join, _open

from twin.datasets import scenarios_dir
from viewer.web import create_app
from viewer.web.settings import Settings

ADMIN = "facilitator-secret-token"  # test_consultation's _open sends it
PLANNER = "planner-secret-token"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}
AS_PLANNER = {"Authorization": f"Bearer {PLANNER}"}
JOB = {"name": "night-job", "title": "A job", "territory": "demo"}


def _settings(runs, tmp_path, **options) -> Settings:
    return Settings(runs_dir=runs, scenarios_dir=scenarios_dir(), work_dir=tmp_path / "work",
                    admin_token_sha256=hashlib.sha256(ADMIN.encode()).hexdigest(),
                    planner_token_sha256=hashlib.sha256(PLANNER.encode()).hexdigest(), **options)  # fmt: skip


@pytest.fixture
def client(tiny_runs, database_url, tmp_path):
    """A client of the tiny runs, with the consultation store on SQLite and on PostgreSQL."""
    with TestClient(create_app(_settings(tiny_runs, tmp_path, database_url=database_url))) as c:
        yield c


@pytest.fixture
def web(tiny_runs, tmp_path):
    """A client of the tiny runs (the store on SQLite, in the work folder)."""
    with TestClient(create_app(_settings(tiny_runs, tmp_path))) as c:
        yield c


# 1. Jobs need a facilitator's token; meeting mode refuses them all.


def test_jobs_need_a_facilitators_token_and_are_checked_before_the_body(tiny_runs, tmp_path):
    with TestClient(create_app(_settings(tiny_runs, tmp_path))) as client:
        upload = {"file": ("plan.toml", b'name = "x"\ntitle = "X"\n', "application/toml")}
        assert client.post("/api/jobs", json=JOB).status_code == 401
        assert client.post("/api/jobs", json={"not": "a scenario"}).status_code == 401  # the token before the body
        assert client.post("/api/jobs/upload", files=upload).status_code == 401
        wrong = client.post("/api/jobs", json=JOB, headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 403 and "facilitator token" in wrong.json()["detail"]
        assert client.get("/api/jobs").json()["jobs"] == []  # nothing was queued
        # the planner runs scenarios, and cannot administer consultations
        body = {"slug": "x", "title": "X", "scenarios": ["baseline", "green-sud"]}
        refused = client.post("/api/consultations", json=body, headers=AS_PLANNER)
        assert refused.status_code == 403 and "admin token" in refused.json()["detail"]
        assert client.post("/api/jobs", json={"title": "no name"}, headers=AS_PLANNER).status_code == 422


def test_meeting_mode_refuses_every_job_whatever_the_token(tiny_runs, tmp_path):
    with TestClient(create_app(_settings(tiny_runs, tmp_path, jobs_enabled=False))) as client:
        for headers in (AS_ADMIN, AS_PLANNER):
            response = client.post("/api/jobs", json=JOB, headers=headers)
            assert response.status_code == 403 and "meeting mode" in response.json()["detail"]
        assert client.get("/api/runs").status_code == 200  # reading stays public
        assert not list((tmp_path / "work" / "jobs").iterdir())


# 2. A comment is checked (consultation, token, scenario) before any file is read; a run without impacts.gpkg.


@pytest.fixture
def runs_without_impacts(tiny_runs, tmp_path):
    """The tiny runs, with green-sud's impacts.gpkg gone (a run folder copied by hand, or damaged)."""
    runs = tmp_path / "runs"
    shutil.copytree(tiny_runs, runs)
    (runs / "green-sud" / "impacts.gpkg").unlink()
    return runs


def test_a_comment_on_a_run_without_its_impacts_file_is_stored_without_a_building(runs_without_impacts, tmp_path):
    with TestClient(create_app(_settings(runs_without_impacts, tmp_path))) as client:
        _open(client)
        body = {"scenario": "green-sud", "text": "Shade here", "point": _corner(runs_without_impacts, 5.0)}
        assert client.post("/api/consultations/plan/comments", json=body).status_code == 401  # no token: first
        other = client.post("/api/consultations/plan/comments", json=body | {"scenario": "elsewhere"},
                            headers=_join(client))  # fmt: skip
        assert other.status_code == 422 and "scenario must be one of" in other.json()["detail"]
        posted = client.post("/api/consultations/plan/comments", json=body, headers=_join(client))
        assert posted.status_code == 201, posted.text
        assert posted.json()["building"] is None


def _corner(runs, offset_m: float) -> list[float]:
    """A point ``offset_m`` inside the lower-left corner of the tiny territory."""
    import rasterio

    with rasterio.open(runs / "baseline" / "territory" / "elevation.tif") as src:
        return [src.bounds.left + offset_m, src.bounds.bottom + offset_m]


# 3. NUL and other control characters: a 422 naming the field, on SQLite and PostgreSQL; exports stay clean.


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("comments", {"scenario": "baseline", "text": "bad\x00text"}, ["body", "text"]),
        ("participants", {"name": "Al\x00ice"}, ["body", "name"]),
        ("comments/{comment}/reports", {"reason": "spam\x00"}, ["body", "reason"]),
        ("", {"title": "Title\x1b[31m"}, ["body", "title"]),
        ("comments", {"scenario": "baseline", "text": "lone \ud800 surrogate"}, ["body", "text"]),
    ],
    ids=["comment", "name", "reason", "title", "surrogate"],
)
def test_control_characters_in_text_are_422_naming_the_field(client, path, body, field):
    _open(client, identity="optional")
    resident = _join(client)
    comment = client.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": "fine"},
                          headers=resident).json()["id"]  # fmt: skip
    url = f"/api/consultations/plan/{path.format(comment=comment)}".rstrip("/")
    method = client.patch if path == "" else client.post
    response = method(url, content=json.dumps(body), headers=resident | AS_ADMIN | {"content-type": "application/json"})
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == field, problem  # a lone surrogate is pydantic's own string_unicode error
    assert "must hold no control character" in problem["msg"] or problem["type"] == "string_unicode", problem
    export = client.get("/api/consultations/plan/export/comments.csv", headers=AS_ADMIN).text
    assert "\x00" not in export and export.count("\n") == 2  # the header and the one good comment


def test_text_with_line_breaks_and_accents_is_kept_as_written(web):
    _open(web)
    text = "Plus d'arbres ici,\nsvp — à l'ombre\tdu marché ☀"
    posted = web.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": text},
                         headers=_join(web))  # fmt: skip
    assert posted.status_code == 201 and posted.json()["text"] == text


# 4. Points outside the territory are refused, not stored at the South Pole.


@pytest.mark.parametrize("point", [[1e308, -1e308], [0.0, 0.0], "outside by 1 m"])
def test_a_point_outside_the_territory_is_422_and_nothing_is_stored(web, tiny_runs, point):
    _open(web)
    if point == "outside by 1 m":
        point = _corner(tiny_runs, -1.0)
    response = web.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": "here",
                           "point": point}, headers=_join(web))  # fmt: skip
    assert response.status_code == 422, response.text
    assert "point" in json.dumps(response.json()["detail"])
    assert web.get("/api/consultations/plan/comments").json()["comments"] == []
    inside = {"scenario": "baseline", "text": "here", "point": _corner(tiny_runs, 1.0)}
    assert web.post("/api/consultations/plan/comments", json=inside, headers=_join(web)).status_code == 201


# 5. Stopping the server stops its job workers: the job is failed and writes nothing.


@pytest.mark.slow
def test_stopping_the_server_kills_a_running_job_and_nothing_is_written_after(tiny_runs, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_runs, runs)
    heat = json.loads(json.dumps(HEATWAVE_2019, default=str))  # the date as a client sends it
    with TestClient(create_app(_settings(runs, tmp_path)), headers=AS_PLANNER) as client:
        job = client.post("/api/jobs", json=JOB | {"events": [heat]}).json()
        queue = client.app.state.twin.jobs
        deadline = time.monotonic() + 120
        while job["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            job = client.get(f"/api/jobs/{job['id']}").json()
        assert job["state"] == "running", job
        workers = list(queue._pool._processes.values())
    # the client's context has ended: the app has shut down
    assert workers and not any(w.is_alive() for w in workers)
    state = json.loads((tmp_path / "work" / "jobs" / job["id"] / "job.json").read_text(encoding="utf-8"))
    assert state["state"] == "failed" and "server stopped" in state["error"]
    time.sleep(3)  # a worker left alive would go on writing
    assert sorted(p.name for p in runs.iterdir()) == ["baseline", "green-sud"]


# 6. No leaks: paths, the static folder, the QR code's host, the inputs echoed by errors.


def test_no_server_path_in_a_runs_measures_or_its_report(tiny, tmp_path):
    """A measure read from a file names it as the scenario file wrote it, in the API and in the report; the server's
    folders never show (issue 20, item 6)."""
    from twin.compare import compare
    from twin.report import render_report
    from twin.results import load_run
    from twin.runner import run

    folder = tmp_path / "secret-server-folder" / "plans"
    (folder / "zones").mkdir(parents=True)
    square = [[700020.0, 6600020.0], [700060.0, 6600020.0], [700060.0, 6600060.0], [700020.0, 6600060.0]]
    zone = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
            "features": [{"type": "Feature", "properties": {},
                          "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]}}]}  # fmt: skip
    (folder / "zones" / "square.geojson").write_text(json.dumps(zone), encoding="utf-8")
    plan = 'name = "plan"\ntitle = "Plan"\n[[measures]]\ntype = "tree_planting"\narea = "zones/square.geojson"\n'
    (folder / "plan.toml").write_text(plan + "canopy_fraction = 0.3\n", encoding="utf-8")
    runs = tmp_path / "runs"
    run(folder / "plan.toml", out=runs / "plan", territory=tiny)
    (folder / "today.toml").write_text('name = "baseline"\ntitle = "Today"\n', encoding="utf-8")
    run(folder / "today.toml", out=runs / "baseline", territory=tiny)
    with TestClient(create_app(_settings(runs, tmp_path))) as client:
        (measure,) = client.get("/api/runs/plan").json()["measures"]
    assert measure["where"] == "area zones/square.geojson"
    page = render_report(compare([load_run(runs / "plan")], baseline=load_run(runs / "baseline")))
    assert "area zones/square.geojson" in page and "secret-server-folder" not in page


def test_measures_name_their_files_relative_to_the_scenario_folder(tmp_path):
    from twin.scenario.dry_run import dry_run
    from twin.scenario.io import load_scenario

    _, effects, _ = dry_run(load_scenario(scenarios_dir() / "centre-renewal.toml"))
    wheres = [e.where for e in effects]
    assert "area zones/square-floodable.geojson" in wheres, wheres
    assert not any(str(scenarios_dir()) in w or w.split(" ")[-1][:1] == "/" for w in wheres)


def test_only_the_files_the_page_imports_are_served(web):
    assert web.get("/app/main.js").status_code == 200
    assert web.get("/vendor/three/examples/jsm/loaders/GLTFLoader.js").status_code == 200
    for url in ("/app/package-lock.json", "/app/package.json", "/app/node_modules/three/package.json",
                "/app/node_modules/.package-lock.json", "/vendor/three/package.json",
                "/vendor/three/examples/jsm/Addons.js", "/app/%2e%2e/settings.py"):  # fmt: skip
        assert web.get(url).status_code == 404, url


def test_the_qr_code_ignores_the_host_header(web):
    import io

    import segno

    _open(web)
    forged = web.get("/api/consultations/plan/qr.svg", headers={"Host": "evil.example"})
    assert forged.status_code == 200
    buffer = io.BytesIO()
    segno.make("http://testserver:80/?consultation=plan", error="m").save(buffer, kind="svg", scale=8, border=2)
    assert forged.content == buffer.getvalue()  # the address the server was reached at (TestClient's socket)


def test_errors_never_send_a_large_input_back(web):
    _open(web)
    resident = _join(web)
    huge = "w" * 20_000
    for body in ({"weights": {huge: 1.0}}, {"weights": {"heat": 1e9}}, {"weights": {"nope": 1.0}}):
        response = web.put("/api/consultations/plan/weights", json=body, headers=resident)
        assert response.status_code == 422 and len(response.content) < 2_000, response.text[:300]
        assert huge not in response.text


# 7. The contract: documented error bodies and statuses, and the Allow header of a 405.


def test_a_405_lists_every_method_of_the_path(web):
    response = web.delete("/api/consultations/plan")
    assert response.status_code == 405 and response.headers["allow"] == "GET, PATCH"
    assert web.post("/api/runs").headers["allow"] == "GET"


def test_every_operation_documents_the_errors_it_answers_with(web):
    spec = web.get("/openapi.json").json()
    checked = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path == "/api/health":
                continue  # it always answers
            codes = set(operation["responses"])
            assert {"400", "404", "422"} <= codes, (method, path, codes)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if method != "get" and headers & {"Authorization", "X-Participant-Token"}:
                assert {"401", "403", "413"} <= codes, (method, path, codes)
                checked += 1
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
            assert error == "#/components/schemas/Error", (method, path)
    assert checked >= 12  # the writes of residents and facilitators, and the jobs
    detail = spec["components"]["schemas"]["Error"]["properties"]["detail"]
    assert {"type": "string"} in detail["anyOf"]  # domain errors: one message naming the field and the value
