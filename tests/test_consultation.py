"""Consultations through the API, on SQLite and on a real PostgreSQL server (each test runs on both).

Residents join with an anonymous token, pin comments, rate and choose; facilitators create, moderate and export
with the admin token; results combine ratings with the twin's indicators. The tests check the rules (own comments
only, moderation, reports, closing, rate limits, sizes), that hostile input changes nothing, that migrations build
the schema of the models from an empty database, and that a restarted server finds everything again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
from fastapi.testclient import TestClient

from twin.datasets import scenarios_dir
from twin.errors import ScenarioError
from viewer.web import create_app
from viewer.web.settings import Settings

ADMIN = "facilitator-secret-token"
BEARER = {"Authorization": f"Bearer {ADMIN}"}
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def runs(tiny_runs):
    """Two runs of the tiny territory: baseline and trees in Sud."""
    return tiny_runs


def _app(runs, database_url, tmp_path, **options):
    settings = Settings(runs_dir=runs, scenarios_dir=scenarios_dir(), work_dir=tmp_path / "work",
                        database_url=database_url, admin_token_sha256=hashlib.sha256(ADMIN.encode()).hexdigest(),
                        **options)  # fmt: skip
    return create_app(settings)


@pytest.fixture
def client(runs, database_url, tmp_path):
    with TestClient(_app(runs, database_url, tmp_path)) as c:
        yield c


def _open(client, slug="plan", **fields):
    body = {"slug": slug, "title": "The station district", "scenarios": ["baseline", "green-sud"],
            "criteria": [{"id": "heat", "en": "Heat comfort", "fr": "Confort thermique"},
                         {"id": "green", "en": "Green space", "fr": "Espaces verts"}],
            "opens_utc": (NOW - dt.timedelta(hours=1)).isoformat()} | fields  # fmt: skip
    response = client.post("/api/consultations", json=body, headers=BEARER)
    assert response.status_code == 201, response.text
    return response.json()


def _join(client, slug="plan", **body):
    response = client.post(f"/api/consultations/{slug}/participants", json=body)
    assert response.status_code == 201, response.text
    return {"X-Participant-Token": response.json()["token"]}


def _footprint_point(runs):
    import geopandas as gpd

    buildings = gpd.read_file(runs / "green-sud" / "impacts.gpkg", layer="buildings_heatwave_2019")
    point = buildings.geometry.iloc[0].representative_point()
    return str(buildings["id"].iloc[0]), [point.x, point.y]


def test_migrations_build_the_models_schema_from_an_empty_database(runs, database_url, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from viewer.web.consultation.models import Base

    engine = create_engine(database_url)
    assert inspect(engine).get_table_names() == []
    _app(runs, database_url, tmp_path)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == "0001"
        assert compare_metadata(context, Base.metadata) == []
    _app(runs, database_url, tmp_path)  # a second start finds it up to date
    engine.dispose()


def test_a_resident_comments_on_a_building_rates_and_chooses_and_the_results_add_up(client, runs):
    consultation = _open(client)
    assert consultation["state"] == "open" and "365 days" in consultation["privacy"]["en"]
    alice, bob = _join(client), _join(client)
    building, point = _footprint_point(runs)
    body = {"scenario": "green-sud", "text": "More shade here, please", "lang": "en", "point": point,
            "camera": {"position": [0, -500, 300], "target": [0, 0, 0]}}  # fmt: skip
    posted = client.post("/api/consultations/plan/comments", json=body, headers=alice)
    assert posted.status_code == 201, posted.text
    assert posted.json()["status"] == "visible" and posted.json()["building"] == building  # found from the point
    for who, marks, ranking in ((alice, (4, 5, 2, 2), ["green-sud", "baseline"]),
                                (bob, (2, 3, 3, 1), ["baseline", "green-sud"])):  # fmt: skip
        for (scenario, criterion), value in zip(
            [("green-sud", "heat"), ("green-sud", "green"), ("baseline", "heat"), ("baseline", "green")],
            marks,
            strict=True,
        ):
            r = client.put("/api/consultations/plan/ratings", headers=who,
                           json={"scenario": scenario, "criterion": criterion, "value": value})  # fmt: skip
            assert r.status_code == 200, r.text
        assert (
            client.put("/api/consultations/plan/preference", json={"ranking": ranking}, headers=who).status_code == 200
        )
    client.put(
        "/api/consultations/plan/ratings",
        headers=alice,
        json={"scenario": "green-sud", "criterion": "heat", "value": 5},
    )  # fmt: skip  (replaces her 4)
    client.put("/api/consultations/plan/weights", headers=bob, json={"weights": {"heat": 1, "green": 0}})
    mine = client.get("/api/consultations/plan/comments", params={"scenario": "green-sud"}, headers=alice).json()
    theirs = client.get("/api/consultations/plan/comments", headers=bob).json()
    assert [c["mine"] for c in mine["comments"]] == [True] and [c["mine"] for c in theirs["comments"]] == [False]
    results = client.get("/api/consultations/plan/results").json()
    assert results["participants"] == 2 and results["ratings"] == 8 and results["preferences"] == 2
    green, base = results["scenarios"][1], results["scenarios"][0]
    assert green["scenario"] == "green-sud"
    assert green["criteria"]["heat"] == {
        "mean": 3.5,
        "n": 2,
        "sd": 1.5,
        "agreement": 0.25,
        "distribution": [0, 1, 0, 0, 1],
    }
    assert green["criteria"]["green"]["mean"] == 4.0 and green["mean"] == 3.75
    assert (green["first_choices"], base["first_choices"]) == (1, 1) and (green["borda"], base["borda"]) == (1, 1)
    # Alice (equal weights): green 5 / 5 vs 2 / 2 -> green; Bob (heat only): green 2, baseline 3 -> baseline.
    assert (green["first_under_own_weights"], base["first_under_own_weights"]) == (1, 1)
    assert any(i["key"] == "land.canopy_share" and i["delta"] > 0 for i in green["indicators"])


def test_pre_moderation_holds_comments_until_a_facilitator_shows_them(client):
    _open(client, moderation="pre")
    alice, bob = _join(client), _join(client)
    comment = client.post("/api/consultations/plan/comments", headers=alice,
                          json={"scenario": "baseline", "text": "Flooded cellar last year"}).json()  # fmt: skip
    assert comment["status"] == "pending"
    assert client.get("/api/consultations/plan/comments", headers=bob).json()["comments"] == []
    assert len(client.get("/api/consultations/plan/comments", headers=alice).json()["comments"]) == 1  # her own
    queue = client.get("/api/consultations/plan/moderation", headers=BEARER).json()["comments"]
    assert [c["id"] for c in queue] == [comment["id"]]
    shown = client.patch(f"/api/consultations/plan/comments/{comment['id']}/status", json={"status": "visible"},
                         headers=BEARER)  # fmt: skip
    assert shown.status_code == 200
    assert len(client.get("/api/consultations/plan/comments", headers=bob).json()["comments"]) == 1


def test_reports_hide_a_comment_after_n_different_participants(client):
    _open(client, hide_after_reports=2)
    author = _join(client)
    comment = client.post("/api/consultations/plan/comments", headers=author,
                          json={"scenario": "baseline", "text": "Rude words"}).json()  # fmt: skip
    url = f"/api/consultations/plan/comments/{comment['id']}/reports"
    assert client.post(url, json={}, headers=author).status_code == 422  # not one's own
    first = _join(client)
    assert client.post(url, json={"reason": "rude"}, headers=first).status_code == 200
    assert client.post(url, json={"reason": "rude"}, headers=first).status_code == 200  # counts once
    assert len(client.get("/api/consultations/plan/comments").json()["comments"]) == 1
    assert client.post(url, json={}, headers=_join(client)).status_code == 200
    assert client.get("/api/consultations/plan/comments").json()["comments"] == []
    queue = client.get("/api/consultations/plan/moderation", headers=BEARER).json()["comments"]
    assert queue[0]["status"] == "hidden" and queue[0]["reports"] == 2


def test_only_the_author_edits_or_withdraws_a_comment(client):
    _open(client)
    author, other = _join(client), _join(client)
    comment = client.post("/api/consultations/plan/comments", headers=author,
                          json={"scenario": "baseline", "text": "First words"}).json()  # fmt: skip
    url = f"/api/consultations/plan/comments/{comment['id']}"
    assert client.patch(url, json={"text": "Hijacked"}, headers=other).status_code == 403
    assert client.delete(url, headers=other).status_code == 403
    assert client.patch(url, json={"text": "Hijacked"}).status_code == 401
    assert client.patch(url, json={"text": "Hijacked"}, headers={"X-Participant-Token": "forged"}).status_code == 403
    assert client.get("/api/consultations/plan/comments").json()["comments"][0]["text"] == "First words"
    assert client.patch(url, json={"text": "Better words"}, headers=author).json()["text"] == "Better words"
    assert client.delete(url, headers=author).status_code == 204
    assert client.get("/api/consultations/plan/comments").json()["comments"] == []


@pytest.mark.parametrize(("text", "why"), [("", "string_too_short"), ("x" * 1001, "string_too_long"),
                                           ("   ", "string_too_short")])  # fmt: skip
def test_empty_or_oversized_comments_are_422_naming_the_field(client, text, why):
    _open(client)
    response = client.post("/api/consultations/plan/comments", headers=_join(client),
                           json={"scenario": "baseline", "text": text})  # fmt: skip
    assert response.status_code == 422
    assert any(e["loc"] == ["body", "text"] and e["type"] == why for e in response.json()["detail"])


def test_admin_routes_refuse_a_missing_or_wrong_token(client):
    body = {"slug": "x", "title": "X", "scenarios": ["baseline", "green-sud"]}
    assert client.post("/api/consultations", json=body).status_code == 401
    assert client.post("/api/consultations", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.post("/api/consultations", json=body, headers={"Authorization": ADMIN}).status_code == 403
    _open(client)
    for method, url, payload in (
        ("patch", "/api/consultations/plan", {"title": "Mine now"}),
        ("get", "/api/consultations/plan/moderation", None),
        ("get", "/api/consultations/plan/export/comments.csv", None),
        ("patch", "/api/consultations/plan/comments/1/status", {"status": "hidden"}),
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}, _join(client)):
            kwargs = {"headers": headers} | ({"json": payload} if payload else {})
            assert getattr(client, method)(url, **kwargs).status_code in (401, 403), (url, headers)
    assert client.get("/api/consultations/plan").json()["title"] == "The station district"


def test_writes_are_rate_limited_per_participant_token(runs, database_url, tmp_path):
    with TestClient(_app(runs, database_url, tmp_path, writes_per_minute=5)) as client:
        _open(client)
        fast, calm = _join(client), _join(client)
        body = {"scenario": "baseline", "criterion": "heat", "value": 3}
        codes = [client.put("/api/consultations/plan/ratings", json=body, headers=fast).status_code for _ in range(7)]
        assert codes == [200] * 5 + [429] * 2
        assert client.put("/api/consultations/plan/ratings", json=body, headers=calm).status_code == 200


def test_a_closed_or_unopened_consultation_takes_no_writes(client):
    _open(client, slug="later", opens_utc=(NOW + dt.timedelta(days=1)).isoformat())
    assert client.post("/api/consultations/later/participants", json={}).status_code == 409
    _open(client)
    who = _join(client)
    closed = client.patch("/api/consultations/plan", json={"closes_utc": NOW.isoformat()}, headers=BEARER)
    assert closed.json()["state"] == "closed"
    response = client.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": "x"}, headers=who)
    assert response.status_code == 409 and "closed" in response.json()["detail"]


def test_sql_injection_in_every_parameter_changes_nothing(client):
    _open(client)
    who = _join(client)
    evil = "x' OR '1'='1'; DROP TABLE comment; --"
    client.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": "kept"}, headers=who)
    attempts = [
        client.get(f"/api/consultations/{evil}"),
        client.get("/api/consultations/plan/comments", params={"scenario": evil}),
        client.post(f"/api/consultations/{evil}/participants", json={}),
        client.post("/api/consultations/plan/comments", json={"scenario": evil, "text": "x"}, headers=who),
        client.put(
            "/api/consultations/plan/ratings", json={"scenario": "baseline", "criterion": evil, "value": 3}, headers=who
        ),
        client.put("/api/consultations/plan/preference", json={"ranking": [evil]}, headers=who),
        client.patch("/api/consultations/plan/comments/1", json={"text": "x"}, headers={"X-Participant-Token": evil}),
        client.get("/api/consultations/plan/export/comments.csv", headers={"Authorization": f"Bearer {evil}"}),
        client.get(f"/api/consultations/plan/comments/{evil}/reports"),
    ]
    assert all(r.status_code in (401, 403, 404, 405, 422) for r in attempts), [r.status_code for r in attempts]
    stored = client.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": evil}, headers=who)
    assert stored.status_code == 201  # text is data: stored as written
    texts = [c["text"] for c in client.get("/api/consultations/plan/comments").json()["comments"]]
    assert texts == ["kept", evil]
    assert [c["slug"] for c in client.get("/api/consultations").json()["consultations"]] == ["plan"]


def test_exports_are_anonymised_unless_asked_with_a_data_dictionary(runs, client):
    _open(client, identity="optional")
    named = _join(client, name="Camille", email="camille@example.org")
    anonymous = _join(client)
    _, point = _footprint_point(runs)
    client.post("/api/consultations/plan/comments", headers=named,
                json={"scenario": "green-sud", "text": "=HYPERLINK(\"http://x\")", "point": point})  # fmt: skip
    client.put("/api/consultations/plan/ratings", json={"scenario": "baseline", "criterion": "heat", "value": 2},
               headers=anonymous)  # fmt: skip
    comments = client.get("/api/consultations/plan/export/comments.csv", headers=BEARER)
    assert comments.status_code == 200 and comments.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(comments.text)))
    assert rows[0]["participant"] == "P1" and "name" not in rows[0] and "Camille" not in comments.text
    assert rows[0]["text"].startswith("'=")  # a spreadsheet shows it, does not run it
    identified = client.get("/api/consultations/plan/export/comments.csv", params={"identified": True}, headers=BEARER)
    assert "camille@example.org" in identified.text
    ratings = list(csv.DictReader(io.StringIO(client.get("/api/consultations/plan/export/ratings.csv",
                                                          headers=BEARER).text)))  # fmt: skip
    assert ratings == [{"participant": "P2", "scenario": "baseline", "criterion": "heat", "value": "2",
                        "updated_utc": ratings[0]["updated_utc"]}]  # fmt: skip
    geo = client.get("/api/consultations/plan/export/comments.geojson", headers=BEARER).json()
    lon, lat = geo["features"][0]["geometry"]["coordinates"]
    assert -5 < lon < 10 and 41 < lat < 52  # the Lambert-93 point, in WGS 84, in France
    dictionary = client.get("/api/consultations/plan/export/dictionary.csv", headers=BEARER).text
    assert "participant" in dictionary and "WGS 84" in dictionary
    assert client.get("/api/consultations/plan/export/passwd", headers=BEARER).status_code == 404


def test_tokens_are_erased_after_the_retention_period_and_the_words_stay(runs, database_url, tmp_path):
    from viewer.web.consultation.store import erase_expired_tokens

    app = _app(runs, database_url, tmp_path)
    with TestClient(app) as client:
        _open(client, identity="optional", retention_days=30)
        who = _join(client, name="Dominique")
        client.post("/api/consultations/plan/comments", json={"scenario": "baseline", "text": "Keep this"}, headers=who)
        client.patch("/api/consultations/plan", json={"closes_utc": NOW.isoformat()}, headers=BEARER)
        with app.state.twin.sessions() as session:
            assert erase_expired_tokens(session, now=NOW + dt.timedelta(days=29)) == 0
            assert erase_expired_tokens(session, now=NOW + dt.timedelta(days=31)) == 1
        assert client.get("/api/consultations/plan").json()["tokens_erased"] is True
        assert client.delete("/api/consultations/plan/comments/1", headers=who).status_code == 403  # token gone
        export = client.get("/api/consultations/plan/export/comments.csv", params={"identified": True}, headers=BEARER)
        assert "Keep this" in export.text and "Dominique" not in export.text


def test_a_restarted_server_finds_everything_again(runs, database_url, tmp_path):
    with TestClient(_app(runs, database_url, tmp_path)) as client:
        _open(client)
        who = _join(client)
        client.post(
            "/api/consultations/plan/comments", json={"scenario": "baseline", "text": "Still here?"}, headers=who
        )
        client.put("/api/consultations/plan/preference", json={"ranking": ["green-sud"]}, headers=who)
    with TestClient(_app(runs, database_url, tmp_path)) as client:  # a new app on the same database
        assert client.get("/api/consultations/plan/comments").json()["comments"][0]["text"] == "Still here?"
        assert client.get("/api/consultations/plan/results").json()["preferences"] == 1
        mine = client.get("/api/consultations/plan/comments", headers=who).json()["comments"]
        assert mine[0]["mine"] is True  # the participant's token still works


def test_the_qr_code_points_at_the_consultation(client):
    _open(client, mode="meeting")
    svg = client.get("/api/consultations/plan/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert json.dumps(client.get("/api/consultations/plan").json())  # and the consultation reads back


@pytest.mark.slow
def test_fifty_residents_posting_twenty_writes_each_at_once_lose_nothing(runs, database_url):
    """The load of a public meeting (benchmarks/consultation_load.py) against `twin serve` on loopback: 1000 of
    1000 writes stored, no error; the latencies are the benchmark's to report."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "consultation_load.py"
    out = subprocess.run([sys.executable, str(script), str(runs), "--database-url", database_url],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["requests"] == 1000 and figures["errors"] == 0, figures
    assert figures["stored"] == 1000, figures
    print(f"\n{figures['backend']}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")


def test_twin_compare_adds_what_residents_said_to_the_report(client, runs, tmp_path):
    from click.testing import CliRunner

    from twin.cli import main

    _open(client)
    for marks in ((4, 2), (5, 3)):
        who = _join(client)
        for scenario, value in zip(("green-sud", "baseline"), marks, strict=True):
            client.put("/api/consultations/plan/ratings", headers=who,
                       json={"scenario": scenario, "criterion": "heat", "value": value})  # fmt: skip
        client.put("/api/consultations/plan/preference", json={"ranking": ["green-sud", "baseline"]}, headers=who)
    saved = tmp_path / "results.json"
    saved.write_text(client.get("/api/consultations/plan/results", params={"lang": "fr"}).text, encoding="utf-8")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(runs / "green-sud"), "--baseline", str(runs / "baseline"),
                                       "--out", str(out), "--lang", "fr", "--consultation", str(saved)])  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="residents">') : html.index('<section id="charts">')]
    assert "2 personnes ont participé" in section and "Confort thermique" in section
    assert "4,5 (2), accord 0,75" in section and "2,5 (2), accord 0,75" in section  # 4 and 5; 2 and 3
    bad = tmp_path / "bad.json"
    bad.write_text('{"consultation": "x"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(runs / "green-sud"), "--baseline", str(runs / "baseline"),
                                       "--out", str(tmp_path / "cmp2"), "--consultation", str(bad)])  # fmt: skip
    assert result.exit_code == 1 and "bad.json: criteria" in result.output


def test_times_with_an_offset_are_kept_as_the_same_instant(client):
    paris = dt.timezone(dt.timedelta(hours=2))
    opens = (NOW + dt.timedelta(minutes=90)).astimezone(paris)  # 90 min from now, written in Paris summer time
    made = _open(client, opens_utc=opens.isoformat())
    assert made["state"] == "draft"
    assert dt.datetime.fromisoformat(made["opens_utc"]) == opens  # the same instant, in UTC
    earlier = (NOW - dt.timedelta(minutes=30)).astimezone(paris).isoformat()
    reopened = client.patch("/api/consultations/plan", headers=BEARER, json={"opens_utc": earlier})
    assert reopened.json()["state"] == "open"
    assert client.get("/api/consultations/plan").json()["state"] == "open"  # as stored and read back


def test_a_null_title_or_a_nan_point_is_refused_with_422(client):
    _open(client)
    response = client.patch("/api/consultations/plan", json={"title": None}, headers=BEARER)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "title"]
    who = _join(client)
    body = '{"scenario": "baseline", "text": "x", "point": [NaN, 1.0]}'
    response = client.post("/api/consultations/plan/comments", content=body,
                           headers=who | {"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 422


def test_closing_stops_weights_reports_and_withdrawals_too(client):
    _open(client)
    author, other = _join(client), _join(client)
    comment = client.post("/api/consultations/plan/comments", headers=author,
                          json={"scenario": "baseline", "text": "Stays"}).json()  # fmt: skip
    client.patch("/api/consultations/plan", json={"closes_utc": NOW.isoformat()}, headers=BEARER)
    url = f"/api/consultations/plan/comments/{comment['id']}"
    assert (
        client.put("/api/consultations/plan/weights", json={"weights": {"heat": 1}}, headers=other).status_code == 409
    )
    assert client.post(url + "/reports", json={}, headers=other).status_code == 409
    assert client.delete(url, headers=author).status_code == 409
    assert [c["text"] for c in client.get("/api/consultations/plan/comments").json()["comments"]] == ["Stays"]


def test_a_comment_shown_again_by_a_facilitator_needs_new_reports_to_hide(client):
    _open(client, hide_after_reports=2)
    comment = client.post("/api/consultations/plan/comments", headers=_join(client),
                          json={"scenario": "baseline", "text": "Contested"}).json()  # fmt: skip
    url = f"/api/consultations/plan/comments/{comment['id']}"
    for _ in range(2):
        client.post(url + "/reports", json={}, headers=_join(client))
    assert client.get("/api/consultations/plan/comments").json()["comments"] == []
    client.patch(url + "/status", json={"status": "visible"}, headers=BEARER)
    client.post(url + "/reports", json={}, headers=_join(client))  # one new report: under the threshold
    assert [c["reports"] for c in client.get("/api/consultations/plan/comments").json()["comments"]] == [1]


def test_a_point_finds_its_building_whether_the_footprints_are_read_yet_or_not(runs):
    """Places reads a run's footprints once (off the event loop when not read yet) and says when it has them."""
    from viewer.web.catalogue import Catalogue
    from viewer.web.consultation.places import Places

    building, point = _footprint_point(runs)
    places = Places(Catalogue(runs, baseline="baseline"))
    assert places.loaded("no-such-run") and places.building_at("no-such-run", *point) is None
    assert not places.loaded("green-sud")
    assert places.building_at("green-sud", *point) == building  # reads the footprints
    assert places.loaded("green-sud") and not places.loaded("baseline")
    with pytest.raises(ScenarioError, match=r"body: point must be inside the territory \(700000.0 <= x"):
        places.building_at("green-sud", point[0] + 1e6, point[1])  # far outside the town: refused, not stored
