"""The web API (viewer.web) over real runs of the tiny territory, through FastAPI's TestClient.

Happy paths, then what a hostile or careless client gets: 404 for unknown names,
422 with the field path for invalid scenarios, names that try to leave the runs
folder refused, bodies over the upload limit refused, and the OpenAPI schema.
"""

from __future__ import annotations

import json
import re
import string
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import HEATWAVE_2019
from fastapi.testclient import TestClient

import twin
import viewer.web
from twin.datasets import scenarios_dir
from twin.flood.model import FloodParams
from twin.impacts.records import MAIN_KEYS
from twin.results import load_run
from twin.runner import run
from twin.scenario.models import Scenario
from twin.words import both, table, text
from viewer.web import create_app
from viewer.web.access import token_hash
from viewer.web.settings import Settings

STORM = {"kind": "design_storm", "name": "storm", "return_period_years": 100, "duration_min": 15, "after_min": 5}
FAST = FloodParams(frame_interval_s=300.0)
LIMIT = 64 * 1024
PLANNER = "planner-token-of-the-web-tests"
HEAT_JSON = json.loads(json.dumps(HEATWAVE_2019, default=str))  # the date as a client sends it


def _scenario(name: str, title: str, measures: list, fr: str) -> Scenario:
    return Scenario.model_validate(
        {
            "name": name,
            "title": title,
            "i18n": {"fr": {"title": fr}},
            "cost_eur": 50_000.0 if measures else 0.0,
            "measures": measures,
            "events": [HEATWAVE_2019 | {"title": "Heatwave of 2019", "i18n": {"fr": {"title": "Canicule de 2019"}}},
                       STORM],
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def served(tiny, tmp_path_factory):
    """Two runs of the tiny territory (baseline, trees in Sud) served by an app with a 64 kB upload limit, to a
    client that sends the planner's token (jobs need it)."""
    root = tmp_path_factory.mktemp("served")
    trees = [{"type": "tree_planting", "district": "Sud", "canopy_fraction": 0.5, "label": "Trees <b>Sud</b>",
              "i18n": {"fr": {"label": "Arbres <b>Sud</b>"}}}]  # fmt: skip
    for scenario in (_scenario("baseline", "Today", [], "Aujourd'hui"),
                     _scenario("green-sud", "Trees in Sud", trees, "Des arbres au Sud")):  # fmt: skip
        run(scenario, out=root / "runs" / scenario.name, territory=tiny, params={"flood": FAST})
    settings = Settings(runs_dir=root / "runs", scenarios_dir=scenarios_dir(), work_dir=root / "work",
                        max_upload_bytes=LIMIT, planner_token_sha256=token_hash(PLANNER))  # fmt: skip
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {PLANNER}"}) as client:  # may run jobs
        yield client, root


def test_health_says_ready_once_the_first_scene_is_built(served):
    client, root = served
    deadline = time.monotonic() + 120
    while not (body := client.get("/api/health").json())["ready"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert body == {"status": "ok", "ready": True, "version": twin.__version__}
    assert any((root / "work" / "cache").glob("*.glb")), "ready means the first scene is in the cache"


def test_the_runs_are_listed_baseline_first_with_their_events(served):
    client, _ = served
    body = client.get("/api/runs").json()
    assert body["baseline"] == "baseline"
    assert [r["name"] for r in body["runs"]] == ["baseline", "green-sud"]
    assert [r["baseline"] for r in body["runs"]] == [True, False]
    events = {e["name"]: e for e in body["runs"][1]["events"]}
    assert events["heatwave-2019"]["family"] == "heat" and events["storm"]["family"] == "flood"
    assert events["heatwave-2019"]["kind_label"] == both("event.heatwave")
    assert events["storm"]["kind_label"]["fr"] == text("event.design_storm", "fr")
    assert "40" in events["heatwave-2019"]["summary"]["en"] and "40,0" in events["heatwave-2019"]["summary"]["fr"]


def test_a_run_shows_its_scenario_and_measures_for_residents(served):
    client, _ = served
    body = client.get("/api/runs/green-sud").json()
    assert body["title"] == "Trees in Sud" and body["cost_eur"] == 50_000.0
    (measure,) = body["measures"]
    assert measure["type_label"] == {"en": "tree planting", "fr": "plantation d'arbres"}
    assert measure["label"] == "Trees <b>Sud</b>"  # text as written: the page shows it as text
    assert measure["area_m2"] > 0


def test_titles_labels_and_events_come_in_the_language_asked(served):
    """Scenario files give their texts in several languages ([i18n.fr]); the API gives each in the language asked,
    and its own where a language has none (issue 20, items 15 and 16)."""
    client, _ = served
    runs = {r["name"]: r for r in client.get("/api/runs", params={"lang": "fr"}).json()["runs"]}
    assert runs["green-sud"]["title"] == "Des arbres au Sud" and runs["baseline"]["title"] == "Aujourd'hui"
    labels = {e["name"]: e["label"] for e in runs["green-sud"]["events"]}
    assert labels == {"heatwave-2019": "Canicule de 2019", "storm": "storm"}  # the storm has no title: its name
    assert client.get("/api/runs").json()["runs"][1]["events"][0]["label"] == "Heatwave of 2019"
    (measure,) = client.get("/api/runs/green-sud", params={"lang": "fr"}).json()["measures"]
    assert measure["label"] == "Arbres <b>Sud</b>"
    assert client.get("/api/runs/green-sud").json()["measures"][0]["label"] == "Trees <b>Sud</b>"


def test_the_indicators_are_those_of_the_run_folder(served):
    client, root = served
    body = client.get("/api/runs/green-sud/indicators").json()
    record = load_run(root / "runs" / "green-sud")
    got = {(i["key"], i["event"], i["district"]): i["value"] for i in body["indicators"]}
    assert len(got) == len(record.indicators)
    for i in record.indicators:
        value = got[(i.key, i.event, i.district)]
        assert value == pytest.approx(i.value) if value is not None else np.isnan(i.value)  # JSON's NaN is null
    strong = next(i for i in body["indicators"] if i["key"] == "heat.people_strong_stress")
    assert strong["units"] == "people" and strong["better"] == "lower" and strong["label"]["fr"]


def test_the_comparison_says_the_change_in_words_in_each_language(served):
    client, root = served
    en = client.get("/api/runs/green-sud/compare").json()
    fr = client.get("/api/runs/green-sud/compare", params={"lang": "fr"}).json()
    base, green = (load_run(root / "runs" / n) for n in ("baseline", "green-sud"))
    key = "land.canopy_share"
    row = next(i for i in en["indicators"] if i["key"] == key)
    assert row["delta"] == pytest.approx(green.value(key) - base.value(key))
    assert row["delta"] > 0 and row["judgement"] == "better"
    assert any("tree cover up by" in line["text"].lower() for line in en["lines"])
    assert any("couvert des arbres en hausse" in line["text"].lower() for line in fr["lines"])
    assert client.get("/api/runs/baseline/compare").json()["lines"] == []
    # The key figures in twin's order, and how the page writes their numbers (a share is a fraction, shown in %).
    keys = [i["key"] for i in en["indicators"]]
    assert sorted(set(keys), key=keys.index) == [k for k in MAIN_KEYS if k in keys]
    assert row["format"] == "share" and row["digits"] == 1 and row["units"] == "%" and 0 < row["value"] < 1
    formats = {i["key"]: (i["format"], i["digits"]) for i in en["indicators"]}
    assert formats["heat.people_strong_stress"] == ("number", 0) and formats["flood.damage_eur"][0] == "money"
    assert client.get("/api/runs/green-sud/compare", params={"lang": "de"}).status_code == 422


def test_the_layers_carry_legends_in_both_languages(served):
    from viewer.layers import LAYERS

    client, _ = served
    listed = client.get("/api/layers").json()["layers"]
    layers = {layer["id"]: layer for layer in listed}
    assert list(layers) == list(LAYERS)  # the registry's layers, in its order
    assert {"land", "utci", "t_air_night", "max_depth", "depth", "utci_delta"} <= set(layers)
    utci = layers["utci"]
    assert utci["units"] == "degC" and utci["family"] == "heat" and len(utci["stops"]) >= 4
    assert utci["title"] == both("layer.utci.title")
    for layer in listed:
        assert all(s["label"]["en"] and s["label"]["fr"] and s["color"].startswith("#") for s in layer["stops"])
        assert all(b["label"]["en"] and b["label"]["fr"] and b["color"].startswith("#") for b in layer["buildings"])
        assert layer["delta_of"] is None or layers[layer["delta_of"]]["family"] == layer["family"]
    # The page's menu: the territory first, then each engine's maps. Two layers are shown over time: the water as
    # 3D frames, the felt temperature hour by hour as maps over the ground.
    menu = [layer["id"] for layer in listed if layer["menu"]]
    assert menu[0] == "land" and {"utci_max", "utci_hourly", "max_depth", "depth"} <= set(menu)
    assert [i for i in layers if layers[i]["animated"]] == ["utci_hourly", "depth"]
    assert all(layer["animated"] == (layer["timeline"] is not None) for layer in listed)
    assert layers["depth"]["timeline"] == "frames" and layers["depth"]["family"] == "flood"
    assert layers["utci_hourly"]["timeline"] == "steps" and layers["utci_hourly"]["family"] == "heat"
    assert layers["utci_hourly"]["stops"] == layers["utci_max"]["stops"]  # the felt temperature's colours
    assert layers["utci_delta"]["delta_of"] == "utci" and not layers["utci_delta"]["menu"]
    assert layers["max_depth"]["clear_below"] == pytest.approx(0.01)


# Keys the page's files ask for: a quoted key, or the start of one completed in a template (`consult.scale.${v}`).
PAGE_KEY = re.compile(r"""["'`]((?:page|consult)\.[\w.]*?)(\$\{|["'`])""")


def _page_keys() -> tuple[set[str], set[str]]:
    """The page./consult. keys used in the static files (JS and HTML), and the prefixes completed at run time."""
    keys, prefixes = set(), set()
    static = Path(viewer.web.__file__).parent / "static"
    for path in [*static.glob("*.js"), static / "index.html"]:
        for key, end in PAGE_KEY.findall(path.read_text(encoding="utf-8")):
            (prefixes if end == "${" else keys).add(key)
    return keys, prefixes


def _fields(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def test_the_words_of_each_language_are_served_with_every_key_the_page_uses(served):
    client, _ = served
    en, fr = (client.get("/api/words", params={"lang": lang}).json() for lang in ("en", "fr"))
    assert en["lang"] == "en" and fr["lang"] == "fr"
    en, fr = en["words"], fr["words"]
    assert set(en) == set(fr) and en == dict(table("en")) and fr == dict(table("fr"))
    # No empty text, but the units of a plain number (unit.1), which are none.
    assert [k for k, v in {**en, **fr}.items() if not v.strip() and k != "unit.1"] == []
    # The same {fields} in both languages; the French hours and minutes pad the minutes ("1 h 05", field mm).
    assert [k for k in en if _fields(en[k]) != _fields(fr[k])] == ["page.duration.hm"]
    for layer in client.get("/api/layers").json()["layers"]:
        assert f"layer.{layer['id']}.title" in en and f"layer.{layer['id']}.explain" in en
    keys, prefixes = _page_keys()
    assert len(keys) > 150 and {"page.title", "page.layer.legend", "consult.heading"} <= keys
    assert sorted(keys - set(en)) == []
    assert [p for p in sorted(prefixes) if not any(k.startswith(p) for k in en)] == []
    assert client.get("/api/words", params={"lang": "de"}).status_code == 422


def test_the_scenario_files_are_listed_with_their_runs(served):
    client, _ = served
    names = {s["name"]: s for s in client.get("/api/scenarios").json()["scenarios"]}
    assert {p.stem for p in scenarios_dir().glob("*.toml")} == set(names)
    assert names["baseline"]["run"] == "baseline" and names["station-greening"]["run"] is None
    assert client.get("/api/scenarios/station-greening").json()["extends"] == "baseline.toml"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/runs/nowhere", "'nowhere'"),
        ("/api/runs/nowhere/indicators", "'nowhere'"),
        ("/api/runs/green-sud/events/nowhere/frames", "'nowhere'"),
        ("/api/runs/green-sud/events/heatwave-2019/frames", "'heatwave-2019' (heatwave)"),  # no water in a heatwave
        ("/api/runs/green-sud/events/nowhere/steps", "'nowhere'"),
        ("/api/runs/green-sud/events/storm/steps", "'storm' (design_storm)"),  # no hours of the day in a storm
        ("/api/runs/green-sud/events/storm/maps/utci_hourly/0.png", "'storm' (design_storm)"),
        ("/api/runs/green-sud/events/heatwave-2019/maps/utci_max/0.png", "'utci_max'"),  # a map of the whole day
        ("/api/runs/green-sud/scene.glb?layer=nowhere", "'nowhere'"),
        ("/api/scenarios/nowhere", "'nowhere'"),
        ("/api/jobs/0123456789abcdef", "'0123456789abcdef'"),
    ],
)
def test_unknown_names_are_404_naming_the_value(served, url, named):
    client, _ = served
    response = client.get(url)
    assert response.status_code == 404, response.text
    assert named in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/runs/..%2F..%2Fpyproject",
        "/api/runs/%2e%2e",
        "/api/runs/..",
        "/api/runs/green-sud%2F..%2Fbaseline/indicators",
        "/api/runs/green-sud/scene.glb?layer=..%2F..%2Fx",
        "/api/runs/green-sud/compare?baseline=..%2Fbaseline",
        "/api/runs/green-sud/events/..%2F..%2Findicators.json/frames",
        "/api/scenarios/..%2Fpyproject",
        "/app/..%2F..%2F..%2Fpyproject.toml",
        "/app/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/vendor/three/build/..%2F..%2F..%2Fpackage.json",
    ],
)
def test_names_that_try_to_leave_their_folder_are_refused(served, url):
    client, _ = served
    response = client.get(url)
    assert response.status_code in (404, 422), (url, response.status_code)
    assert "[project]" not in response.text and "format_version" not in response.text


def test_a_json_scenario_with_an_invalid_field_is_422_with_the_field_path(served):
    client, _ = served
    body = {"name": "bad", "title": "Bad", "measures": [{"type": "tree_planting", "canopy_fraction": 2.0}]}
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422
    paths = [e["loc"] for e in response.json()["detail"]]
    assert any(loc[:3] == ["body", "measures", 0] and loc[-1] == "canopy_fraction" for loc in paths), paths
    response = client.post("/api/jobs", json={"title": "no name"})
    assert response.status_code == 422 and ["body", "name"] in [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\ntitle = [oops\n', "plan.toml: not valid TOML"),
        ('name = "x"\ntitle = "X"\n[[measures]]\ntype = "tree_planting"\ncanopy_fraction = 2\n',
         "plan.toml: measures.0.canopy_fraction"),
        ('name = "x"\ntitle = "X"\nextends = "../../../etc/passwd"\n', "plan.toml: extends: must be one of"),
        ('name = "x"\ntitle = "X"\nterritory = "/etc"\n', "plan.toml: territory: must be one of ['demo']"),
        ('name = "x"\ntitle = "X"\n[[measures]]\ntype = "depaving"\narea = "/etc/passwd"\nto = "grass"\n',
         "plan.toml: measures.0.area: must be empty"),
        ("", "plan.toml: content must be a scenario in TOML, got an empty file"),
    ],
)  # fmt: skip
def test_an_invalid_scenario_file_is_422_naming_the_file_and_field(served, text, expected):
    client, _ = served
    response = client.post("/api/jobs/upload", files={"file": ("plan.toml", text.encode(), "application/toml")})
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"]
    assert "root:" not in response.json()["detail"]  # nothing of /etc/passwd comes back


def test_bodies_over_the_upload_limit_are_refused_before_parsing(served):
    client, _ = served
    big = b'name = "x"\ntitle = "X"\ndescription = """' + b"a" * (LIMIT + 10) + b'"""\n'
    response = client.post("/api/jobs/upload", files={"file": ("big.toml", big, "application/toml")})
    assert response.status_code == 413
    response = client.post("/api/jobs", json={"name": "x", "title": "X", "description": "a" * (LIMIT + 10)})
    assert response.status_code == 413
    assert client.get("/api/jobs").json()["jobs"] == []  # nothing was queued


def test_the_openapi_schema_builds_and_every_json_route_has_a_response_model(served):
    client, _ = served
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "twin viewer"
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ok = next((op["responses"][c] for c in ("200", "201", "202", "204") if c in op["responses"]), None)
            assert ok, (method, path)
            if "204" in op["responses"]:
                continue  # no content
            content = ok.get("content", {})
            if "application/json" in content:
                assert "$ref" in content["application/json"]["schema"], (method, path)
            else:
                assert set(content) & {"model/gltf-binary", "image/png", "text/csv", "image/svg+xml"}, (method, path)
    assert {"RunList", "RunDetail", "Comparison", "Job", "Scenario"} <= set(schema["components"]["schemas"])


def test_the_page_and_its_security_headers(served):
    client, _ = served
    response = client.get("/api/runs")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.slow
def test_a_job_runs_in_a_worker_and_reports_its_progress_until_its_run_is_served(served):
    client, _ = served
    body = {"name": "hot-check", "title": "Hot check", "territory": "demo",
            "events": [HEAT_JSON | {"name": "hot"}]}  # fmt: skip
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] == "queued" and job["scenario"] == "hot-check"
    assert client.post("/api/jobs", json=body).status_code == 409  # the same run is already queued
    seen = set()
    deadline = time.monotonic() + 240
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/api/jobs/{job['id']}").json()
        seen.add(job["stage"])
    assert job["state"] == "done", job
    assert job["run"] == "hot-check" and job["finished_utc"]
    assert any("hot-check" in stage for stage in seen)  # the stages were reported as the run went
    names = [r["name"] for r in client.get("/api/runs").json()["runs"]]
    assert "hot-check" in names
    strong = client.get("/api/runs/hot-check/indicators").json()["indicators"]
    assert any(i["key"] == "heat.people_strong_stress" and i["event"] == "hot" for i in strong)
    assert client.post("/api/jobs", json=body).status_code == 409  # its run exists now


def test_a_job_whose_measure_cannot_apply_fails_with_its_error(served):
    client, _ = served
    body = {"name": "nowhere-trees", "title": "Trees nowhere", "territory": "demo",
            "measures": [{"type": "tree_planting", "district": "Nowhere", "canopy_fraction": 0.3}],
            "events": [HEAT_JSON]}  # fmt: skip
    job = client.post("/api/jobs", json=body).json()
    deadline = time.monotonic() + 240
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "failed" and "Nowhere" in job["error"], job
    assert json.dumps(job)  # the error is plain text in the job record


def test_scenes_frames_and_maps_are_served_as_glb_and_png(served):
    from viewer.glb import read_glb_json

    client, root = served
    response = client.get("/api/runs/green-sud/scene.glb", params={"layer": "utci"})
    assert response.status_code == 200 and response.headers["content-type"] == "model/gltf-binary"
    assert response.content[:4] == b"glTF"
    nodes = {n["name"] for n in read_glb_json(response.content)["nodes"]}
    assert {"terrain", "buildings"} <= nodes
    cache = root / "work" / "cache"
    files = sorted(cache.iterdir())
    again = client.get("/api/runs/green-sud/scene.glb", params={"layer": "utci"})
    assert again.content == response.content and sorted(cache.iterdir()) == files  # served from the cache
    times = client.get("/api/runs/green-sud/events/storm/frames").json()["times_s"]
    assert len(times) >= 2 and times == sorted(times)
    last = client.get(f"/api/runs/green-sud/events/storm/frames/{len(times) - 1}.glb")
    assert last.status_code == 200 and last.content[:4] == b"glTF"
    assert client.get(f"/api/runs/green-sud/events/storm/frames/{len(times)}.glb").status_code == 404
    png = client.get("/api/runs/green-sud/events/heatwave-2019/maps/utci.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/api/runs/green-sud/events/storm/maps/utci.png").status_code == 404  # a heat map of a flood
    delta = client.get("/api/runs/green-sud/scene.glb", params={"layer": "utci_delta"})
    assert delta.status_code == 200 and delta.content != response.content
    wrong = client.get("/api/runs/green-sud/scene.glb", params={"layer": "utci", "event": "storm"})
    assert wrong.status_code in (404, 422) and "storm" in wrong.json()["detail"]
    assert str(root) not in wrong.text and "runs/green-sud" in wrong.text  # the server's folders are not shown


def test_the_hours_of_a_heat_event_are_listed_and_served_as_png_overlays(served):
    """Issue 17, item 7: the steps of the heatwave's day with their legal local times, the hottest first, and the
    felt temperature of each step as a PNG overlay in the colours of the layer's legend."""
    import io

    import xarray as xr
    from PIL import Image

    from twin.colours import RAMPS, rgba

    client, root = served
    body = client.get("/api/runs/green-sud/events/heatwave-2019/steps").json()
    assert body["event"] == "heatwave-2019" and body["layer"] == "utci_hourly" and body["time_zone"]
    steps = body["steps"]
    assert [s["index"] for s in steps] == list(range(24))  # hourly
    assert all(re.fullmatch(r"\d\d:\d\d", s["local_time"]) for s in steps)
    times = [s["time"] for s in steps]
    assert len({s["local_time"] for s in steps}) == 24 and times == sorted(times)
    assert all(s["time"].endswith("Z") and 0.0 <= s["solar_hour"] < 24.0 for s in steps)
    assert client.get("/api/runs/green-sud/events/heatwave-2019/steps", params={"layer": "utci_hourly"}).json() == body
    with xr.open_dataset(load_run(root / "runs" / "green-sud").hazard_path("heatwave-2019")) as ds:
        stack = ds["utci_hourly"].values.astype(float)
        labels = [str(v) for v in ds["local_time"].values]
    assert [s["local_time"] for s in steps] == labels
    means = np.nanmean(stack, axis=(1, 2))
    assert body["peak"] == int(np.nanargmax(means)) and 11 <= steps[body["peak"]]["solar_hour"] <= 17  # afternoon

    def overlay(step: int) -> np.ndarray:
        response = client.get(f"/api/runs/green-sud/events/heatwave-2019/maps/utci_hourly/{step}.png")
        assert response.status_code == 200 and response.headers["content-type"] == "image/png", response.text
        return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))

    night = int(np.nanargmin(means))
    hot, cool = overlay(body["peak"]), overlay(night)
    assert hot.shape == (*stack.shape[1:], 4)  # one pixel per cell, north up as the maps
    assert np.array_equal(hot, rgba(RAMPS["felt_temperature"], stack[body["peak"]]))  # the legend's colours
    assert np.array_equal(hot[..., 3] == 0, np.isnan(stack[body["peak"]]))  # clear on building footprints
    assert np.abs(hot[..., :3].astype(int) - cool[..., :3]).sum(axis=-1).mean() > 30  # the day goes by
    cache = sorted((root / "work" / "cache").iterdir())
    assert np.array_equal(overlay(body["peak"]), hot) and sorted((root / "work" / "cache").iterdir()) == cache

    outside = client.get("/api/runs/green-sud/events/heatwave-2019/maps/utci_hourly/24.png")
    assert outside.status_code == 404 and "step must be below 24, got 24" in outside.json()["detail"]
    for step in ("-1", "10001", "x"):
        assert client.get(f"/api/runs/green-sud/events/heatwave-2019/maps/utci_hourly/{step}.png").status_code == 422
    flood = client.get("/api/runs/green-sud/events/storm/steps").json()["detail"]
    assert flood == ("green-sud: event must have steps over the day, one of ['heatwave-2019'], "
                     "got 'storm' (design_storm)")  # fmt: skip
    scene = client.get("/api/runs/green-sud/scene.glb", params={"layer": "utci_hourly", "event": "heatwave-2019"})
    assert scene.status_code == 200 and scene.content[:4] == b"glTF"  # the ground at the hottest hour


def test_a_json_scenario_naming_server_files_is_refused_and_leaves_nothing(served):
    client, root = served
    jobs = root / "work" / "jobs"
    before = sorted(jobs.iterdir())
    body = {
        "name": "sneaky",
        "title": "Sneaky",
        "measures": [{"type": "depaving", "area": "/etc/passwd", "to": "grass"}],
    }
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422 and "body: measures.0.area: must be empty" in response.json()["detail"]
    response = client.post("/api/jobs", json={"name": "baseline", "title": "Again"})  # a run of that name exists
    assert response.status_code == 409
    assert sorted(jobs.iterdir()) == before


def test_the_page_allows_its_import_map_by_hash_and_no_other_inline_script(served):
    import base64
    import hashlib
    import re

    client, _ = served
    response = client.get("/")
    assert response.status_code == 200 and 'type="importmap"' in response.text
    (importmap,) = re.findall(r'<script type="importmap">(.*?)</script>', response.text, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(importmap.encode()).digest()).decode()
    csp = response.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()
    assert script_src == ["script-src", "'self'", f"'sha256-{digest}'"]  # no 'unsafe-inline', no other origin
    assert client.get("/vendor/three/build/three.module.js").status_code == 200


def test_jobs_left_running_by_a_stopped_server_are_failed_at_the_next_start(tmp_path):
    from viewer.web.jobs import JobQueue

    folder = tmp_path / "jobs" / "0123456789abcdef"
    folder.mkdir(parents=True)
    state = {"id": "0123456789abcdef", "state": "running", "scenario": "x", "stage": "flood", "progress": 0.5,
             "run": None, "error": None, "submitted_utc": "2026-01-01T00:00", "finished_utc": None}  # fmt: skip
    (folder / "job.json").write_text(json.dumps(state), encoding="utf-8")
    queue = JobQueue(tmp_path / "jobs", tmp_path / "runs")
    job = queue.get("0123456789abcdef")
    assert job["state"] == "failed" and "interrupted" in job["error"]


@pytest.mark.slow
def test_a_killed_worker_fails_its_job_and_the_next_job_runs(served):
    import os
    import signal

    client, _ = served
    body = {"name": "killed", "title": "Killed", "territory": "demo", "events": [HEAT_JSON]}
    job = client.post("/api/jobs", json=body).json()
    queue = client.app.state.twin.jobs
    deadline = time.monotonic() + 120
    while not queue._pool._processes and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in list(queue._pool._processes):
        os.kill(pid, signal.SIGKILL)
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "failed" and "worker stopped" in job["error"], job
    again = client.post("/api/jobs", json=body | {"name": "after-kill"})
    assert again.status_code == 202, again.text  # a new pool takes the next job
    job = again.json()
    deadline = time.monotonic() + 240
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job
