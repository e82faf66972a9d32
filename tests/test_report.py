"""The HTML report of a comparison: one self-contained file, in English and French, that a browser opens offline.

The inputs are real results folders written by hand in the layout of :mod:`twin.results` (JSON and COG maps
on a small Lambert-93 grid), read back with ``load_run`` and compared with ``twin.compare``.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import write_run_folder

from twin.compare import compare, write_comparison, write_differences
from twin.formats import NBSP, format_money, format_number, format_value
from twin.grid import Grid
from twin.impacts.records import CATALOGUE
from twin.io import write_cog
from twin.report import render_report, write_report
from twin.results import load_run

NNBSP = "\u202f"  # CLDR's French thousands separator

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "out" / "test-artefacts"
GRID = Grid.from_bounds(crs="EPSG:2154", bounds=(431_000, 6_711_000, 431_400, 6_711_300), cell_size=10.0)
HEAT, STORM = "heatwave-2019", "storm-100y-1h"
EVIL = "Trees <script>alert(1)</script> & shade"

# Territory-wide indicators of each run: (key, event) -> value. Chosen so that the Δ are easy to check by hand.
BASE = {
    ("heat.people_strong_stress", HEAT): 1500.0,
    ("heat.uhi_night_mean_k", HEAT): 1.25,
    ("heat.uhi_day_mean_k", HEAT): 0.50,
    ("flood.damage_eur", STORM): 3_400_000.0,
    ("flood.people_exposed", STORM): 1234.0,
    ("flood.buildings_over_0.1m", STORM): 40.0,
    ("flood.sites_flooded", STORM): 3.0,
    ("flood.area_ppri_high_ha", STORM): 25.0,
    ("land.canopy_share", None): 0.12,
    ("land.impervious_share", None): 0.55,
    ("land.cool_island_access_share", None): 0.40,
}
TREES = BASE | {
    ("heat.people_strong_stress", HEAT): 1188.0,  # 312 fewer
    ("heat.uhi_night_mean_k", HEAT): 0.95,
    ("heat.uhi_day_mean_k", HEAT): 0.51,  # +0.01 K: below the 0.1 K the models can tell apart
    ("flood.damage_eur", STORM): 3_300_000.0,
    ("land.canopy_share", None): 0.21,
    ("land.impervious_share", None): 0.50,
}
BASIN = {k: v for k, v in BASE.items() if k[1] != HEAT} | {  # ran the storm only
    ("flood.damage_eur", STORM): 2_200_000.0,  # 1.2 M€ less
    ("flood.people_exposed", STORM): 1300.0,  # 66 more
    ("flood.buildings_over_0.1m", STORM): 25.0,
    ("flood.sites_flooded", STORM): 2.0,  # one fewer
    ("flood.area_ppri_high_ha", STORM): 5.0,  # 20 ha taken out of the high hazard class
}


def _maps(folder: Path, *, depth_drop: float, cooling: float, heat: bool) -> None:
    """COG maps on GRID: terrain, buildings, a pond of water, a UTCI field from 24 to 48 °C."""
    ny, nx = GRID.shape
    y, x = np.mgrid[0:ny, 0:nx].astype("float32")
    elevation = 40 + 0.2 * x - 0.1 * y + 3 * np.exp(-((x - 25) ** 2 + (y - 12) ** 2) / 60)
    buildings = np.zeros((ny, nx), "float32")
    buildings[5:9, 5:12] = 9.0
    buildings[20:25, 28:34] = 15.0
    write_cog(elevation.astype("float32"), folder / "territory" / "elevation.tif", GRID, units="m")
    write_cog(buildings, folder / "territory" / "building_height.tif", GRID, units="m")
    depth = np.clip(1.2 - np.hypot(x - 12, y - 20) / 8, 0, None).astype("float32")
    depth = np.clip(depth - depth_drop, 0, None)
    write_cog(depth, folder / "events" / STORM / "max_depth.tif", GRID, units="m", nodata=float("nan"))
    if heat:
        utci = (24 + 24 * x / (nx - 1) - cooling * (y > ny / 2)).astype("float32")
        utci[buildings > 0] = np.nan
        maps = {"utci": utci, "utci_max": utci + 3, "t_air_day": utci - 5, "t_air_night": utci - 15}
        for var, values in maps.items():
            write_cog(values, folder / "events" / HEAT / f"{var}.tif", GRID, units="degC", nodata=float("nan"))
        hours = np.clip((utci - 26) / 2, 0, 12).astype("float32")  # the baseline's other maps of the report
        for var, values in {"hours_strong_stress_or_worse": hours, "utci_max_hour": 13 + 0 * hours}.items():
            write_cog(values, folder / "events" / HEAT / f"{var}.tif", GRID, units="h", nodata=float("nan"))


def _run_folder(root: Path, name: str, title: str, description: str, values: dict, *, cost: float, heat: bool):
    folder = root / name
    events = [{"name": STORM, "kind": "design_storm", "forcing": {"depth_mm": 75.0}}]
    if heat:
        events.insert(0, {"name": HEAT, "kind": "heatwave", "forcing": {"max_air_temperature_c": 40.0}})
    measures = []
    if cost:
        measures = [
            {"type": "tree_planting", "label": "Mail des Tilleuls", "where": "area: zones/mail.geojson",
             "cells": 120, "area_m2": 12000.0, "volume_m3": 0.0},
            {"type": "retention_basin", "label": "Bassin des Prés", "where": "area: zones/basin.geojson",
             "cells": 30, "area_m2": 3000.0, "volume_m3": 4500.0},
        ]  # fmt: skip
    scenario = {"name": name, "title": title, "description": description, "author": "Service urbanisme",
                "status": "draft" if cost else "adopted", "cost_eur": cost,
                "lifetime_years": 40 if cost else None}  # fmt: skip
    reused = {"reused_from": {"scenario": "baseline", "reason": "no measure changes the flood inputs"}}
    provenance = {
        "twin_version": "0.1.0",
        "created_utc": "2025-11-26T10:00:00+00:00",
        "scenario": {"name": name, "file": None, "sha256": (name.encode().hex() * 8)[:64], "cost_eur": cost},
        "territory": {"name": "demo", "sha256_before_measures": "ab" * 32, "sha256_after_measures": "cd" * 32},
        "parameters": {"flood": {"theta": 0.7, "alpha": 0.7, "edges": {"west": "free"}}, "heat": {"mode": "default"}},
        "events": {
            e["name"]: {"kind": e["kind"], "forcing": e["forcing"]}
            | ({"mass_balance": {"relative_error": 3.2e-9}} if e["kind"] != "heatwave" else {})
            | (reused if name == "trees" and e["kind"] != "heatwave" else {})
            for e in events
        },
        "timings_s": {"load": 1.25, "measures": 0.3, f"{STORM}: simulate": 14.5},
        "format_version": 1,
    }
    indicators = [(k, v, e, None) for (k, e), v in values.items()]
    write_run_folder(
        folder, scenario=scenario, events=events, indicators=indicators, measures=measures, provenance=provenance
    )
    _maps(folder, depth_drop=0.0 if name != "basin" else 0.4, cooling=3.0 if name == "trees" else 0.0, heat=heat)
    return load_run(folder)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    base = _run_folder(root, "baseline", "Valbourg today", "The town as it is.", BASE, cost=0.0, heat=True)
    trees = _run_folder(root, "trees", "Shade for the Mail", EVIL, TREES, cost=850_000.0, heat=True)
    basin = _run_folder(root, "basin", "A basin upstream", "A retention basin\non two lines.", BASIN,
                        cost=2_100_000.0, heat=False)  # fmt: skip
    return base, trees, basin


@pytest.fixture(scope="module")
def reports(runs, tmp_path_factory):
    """The comparison folder (English report, through write_comparison) and a French report beside it."""
    base, trees, basin = runs
    out = tmp_path_factory.mktemp("compare") / "comparison"
    comparison = write_comparison(compare([trees, basin], baseline=base), out)
    fr = write_report(comparison, out / "report-fr.html", lang="fr")
    return comparison, out / "report.html", fr


def _page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_is_one_self_contained_file(reports, lang):
    page = _page(reports[1] if lang == "en" else reports[2])
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", page)
    assert "<script" not in page.lower() and "@import" not in page
    for target in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page):
        assert target.startswith("data:"), target
    for target in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", page):
        assert target.startswith("data:image/png;base64,") or ":" not in target, target  # data:, #anchor, ../run
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) >= 10
    for tag in images:
        src = re.search(r'src="([^"]*)"', tag).group(1)
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert re.search(r'alt="[^"]+"', tag)


def test_report_words_in_english_and_french(reports):
    en, fr = _page(reports[1]), _page(reports[2])
    for title in ("Valbourg today", "Shade for the Mail", "A basin upstream"):
        assert title in en and title in fr
    key = "heat.people_strong_stress"
    assert html.escape(CATALOGUE[key].en) in en and html.escape(CATALOGUE[key].fr) in fr
    assert html.escape(CATALOGUE[key].fr) not in en
    assert '<html lang="fr">' in fr and "How to read this report" in en and "Comment lire ce rapport" in fr


def test_scenario_texts_are_escaped(reports):
    page = _page(reports[1])
    assert "<script>alert(1)</script>" not in page
    assert "Trees &lt;script&gt;alert(1)&lt;/script&gt; &amp; shade" in page


def test_deltas_signs_colours_and_headlines(reports):
    en, fr = _page(reports[1]), _page(reports[2])
    # 1188 - 1500 people: fewer is better
    assert re.search(r'<span class="delta better"[^>]*>-312</span>', en)
    assert f"312 fewer people in strong heat stress in {HEAT}" in en
    assert f"312 personnes de moins en stress thermique fort lors de {HEAT}" in fr
    # 2.2 M€ - 3.4 M€ of damage: 1.2 M€ less
    assert re.search(r'<span class="delta better"[^>]*>-€1\.2M</span>', en)  # CLDR's compact currency (Babel)
    assert re.search(rf'<span class="delta better"[^>]*>-1,2{NBSP}M{NBSP}€</span>', fr)
    assert f"€1.2M less flood damage in {STORM}" in en
    # 66 more people with a flooded home: worse
    assert re.search(r'<span class="delta worse"[^>]*>\+66</span>', en)
    # canopy 12 % -> 21 %: +9 points, better
    assert re.search(r'<span class="delta better"[^>]*>\+9\.0</span>', en)
    assert f"Tree cover up by 9.0{NBSP}pts" in en


def test_changes_below_the_resolution_are_no_measurable_change(reports):
    """+0.01 K of daytime heat island is below the 0.1 K resolution of K indicators: neither better nor worse,
    in words, in both languages; -0.3 K at night is a change (issue 20, item 9)."""
    from twin.impacts.records import RESOLUTIONS
    from twin.report import key_changes

    assert CATALOGUE["heat.uhi_day_mean_k"].resolution == RESOLUTIONS["K"] and RESOLUTIONS["K"].step == 0.1
    en, fr = _page(reports[1]), _page(reports[2])
    assert re.search(r'<span class="delta same"[^>]*>no measurable change</span>', en)
    assert re.search(r'<span class="delta same"[^>]*>pas de changement mesurable</span>', fr)
    assert not re.search(r'<span class="delta (better|worse)"[^>]*>\+0\.01</span>', en)
    figures = {i["key"]: i for i in key_changes(reports[0], "trees")["indicators"] if i["event"] == HEAT}
    day, night = figures["heat.uhi_day_mean_k"], figures["heat.uhi_night_mean_k"]
    assert (day["judgement"], day["measurable"]) == ("same", False)
    assert (night["judgement"], night["measurable"]) == ("better", True)


def test_every_indicator_has_a_resolution_with_its_reason():
    for spec in CATALOGUE.values():
        assert spec.resolution.step > 0 and len(spec.resolution.why) > 20, spec.key
    assert not CATALOGUE["flood.damage_eur"].measurable(999.0) and CATALOGUE["flood.damage_eur"].measurable(-1000.0)
    assert not CATALOGUE["heat.people_strong_stress"].measurable(float("nan"))


def test_french_numbers_and_missing_values(reports):
    en, fr = _page(reports[1]), _page(reports[2])
    assert f">1{NNBSP}234</td>" in fr and ">1,234</td>" in en  # people exposed at baseline
    assert ">1,25</td>" in fr and ">1.25</td>" in en  # night heat island, °C
    assert f">3,4{NBSP}M{NBSP}€</td>" in fr
    assert f"{format_money(850_000, 'fr')}" == f"850{NBSP}k{NBSP}€" and f"850{NBSP}k{NBSP}€" in fr
    # the basin did not run the heatwave: its heat cells and its heat map are dashes / no map
    words = re.escape(html.escape(CATALOGUE["heat.people_strong_stress"].en))
    row = re.search(r"<tr>\s*<th[^>]*>" + words + r".*?</tr>", en, re.S).group(0)
    assert row.count('<td class="num">—</td>') == 1 and row.endswith('<td class="num">—</td></tr>')  # no Δ either
    assert "A basin upstream — No map: this scenario did not run this event." in en  # its title, not its file


def test_provenance_and_measures(reports):
    en = _page(reports[1])
    assert 'title="' + "ab" * 32 in en and ">abababababab<" in en
    assert f"{STORM}: from “baseline” (no measure changes the flood inputs)" in en
    assert "3.2E-09" in en and "theta=0.7" in en
    assert "Mail des Tilleuls" in en and "tree planting" in en and "12,000" in en and "4,500" in en
    assert 'href="../runs' in en or 'href="../../runs' in en or re.search(r'href="(\.\./)+[^"]*basin"', en)


def test_format_number():
    assert format_number(1234.5, "fr", digits=1) == f"1{NNBSP}234,5"
    assert format_number(1234.5, "en", digits=1) == "1,234.5"
    assert format_number(-0.004, "en", digits=2) == "0.00"
    assert format_number(-2, "en", sign=True) == "-2" and format_number(2, "en", sign=True) == "+2"
    assert format_number(float("nan"), "en") == "—"
    # money as CLDR writes it compact (the browser's Intl with notation "compact" writes the same)
    assert format_money(2_100_000, "en") == "€2.1M" and format_money(2_100_000, "fr") == f"2,1{NBSP}M{NBSP}€"
    assert format_money(999_700, "en") == "€999.7K" and format_money(120, "fr") == f"120{NBSP}€"
    assert format_money(850_000, "en", sign=True) == "+€850K"


def test_report_without_written_differences(runs, tmp_path):
    """write_report alone computes the Δ maps from the runs; an unknown language is a clear error."""
    base, trees, basin = runs
    comparison = compare([trees, basin], baseline=base)
    path = write_report(comparison, tmp_path / "sub" / "r.html", lang="fr")
    assert path.is_file() and path.read_text(encoding="utf-8").count("<img") >= 10
    with pytest.raises(ValueError, match="lang must be 'en' or 'fr', got 'de'"):
        render_report(comparison, lang="de")


def test_report_uses_written_differences(runs, tmp_path):
    base, trees, _ = runs
    comparison = compare([trees], baseline=base)
    diffs = write_differences(comparison, tmp_path / "differences")
    assert (trees.name, HEAT, "utci") in diffs
    page = render_report(type(comparison)(**{**comparison.__dict__, "diffs": diffs}), lang="en")
    assert page.count("<img") >= 5


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_in_a_browser(reports, chromium, lang):
    """Every image loads and the page makes no request outside its own file."""
    path = reports[1] if lang == "en" else reports[2]
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) >= 10
    assert all(complete and width > 0 for complete, width, _ in images), images
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), requests
    heading = "Comment lire ce rapport" if lang == "fr" else "How to read this report"
    assert page.get_by_role("heading", name=heading).is_visible()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"report-{lang}.png"), full_page=True)
    (ARTEFACTS / f"report-{lang}.html").write_bytes(path.read_bytes())
    page.close()


def test_the_scorecard_weighs_only_the_hazards_every_scenario_ran(runs):
    """The basin ran the storm only: the heat criterion is not assessed, so it weighs nothing, and the weights of
    the others make the whole score (issue 20, item 11: before, it scored 1 for every run and took a share)."""
    from twin.impacts.records import DEFAULT_WEIGHTS

    base, _, basin = runs
    comparison = compare([basin], baseline=base)
    assert "heat.person_hours_strong_stress" in DEFAULT_WEIGHTS
    assert "heat.person_hours_strong_stress" not in comparison.weights
    assert "heat.person_hours_strong_stress" not in comparison.scorecard.columns
    assessed = {k: w for k, w in DEFAULT_WEIGHTS.items() if not k.startswith("heat.")}
    assert comparison.weights == assessed
    card = comparison.scorecard
    expected = sum(card[k] * w for k, w in assessed.items()) / sum(assessed.values())
    assert np.allclose(card["score"], expected, atol=1e-12)
    page = render_report(comparison)
    shares = re.findall(r'<td class="num">[\d.]+ \((\d+)\s*%\)</td>', page)
    assert shares and sum(map(int, shares)) in (99, 100, 101)  # the shown shares of the assessed criteria


def test_headlines_name_the_flooded_area_and_count_one_in_the_singular(runs):
    """A scenario that takes ground out of the high flood hazard says so; one site is one site (item 11, 16)."""
    from twin.report import key_changes

    base, _, basin = runs
    comparison = compare([basin], baseline=base)
    rows = comparison.tidy
    assert not rows.empty
    en = [x["text"] for x in key_changes(comparison, "basin", lang="en")["lines"]]
    fr = [x["text"] for x in key_changes(comparison, "basin", lang="fr")["lines"]]
    assert f"20.0 ha less ground in high flood hazard in {STORM}" in en, en
    assert f"1 fewer sensitive site flooded in {STORM}" in en, en
    assert f"1 site sensible inondé en moins lors de {STORM}" in fr, fr
    assert f"15 fewer flooded buildings in {STORM}" in en, en


def test_each_headline_links_to_the_map_that_shows_why_it_moved(reports):
    """From a headline to its event's Δ map for that scenario, one click away; each measure says what it does for
    heat and for floods (issue 20, item 12)."""
    en = _page(reports[1])
    link = re.search(rf'312 fewer people in strong heat stress in [^<]*<a class="why" href="#(map-{HEAT}-trees)"', en)
    assert link, "the headline has no link to its map"
    assert f'<figure id="{link.group(1)}">' in en  # the trees' Δ map of the heatwave
    assert "rain soaks into the new soil" not in en or "What it does for floods" in en
    assert "What it does for heat" in en and "shade on streets and squares" in en  # the trees' measure
    assert "the basin fills first and holds its volume until it spills" in en  # the basin's


def test_a_map_with_no_change_beyond_the_resolution_is_one_line():
    """A Δ map whose cells change by less than what the models tell apart collapses into a line of words."""
    from twin.colours import RAMPS
    from twin.report_figures import _unchanged

    ramp = RAMPS["utci_change"]
    specks = np.zeros((100, 100))
    specks[0, :10] = 0.5  # 0.1 % of the cells
    assert _unchanged(specks, ramp) and _unchanged(np.full((10, 10), 0.09), ramp)
    patch = np.zeros((100, 100))
    patch[:10, :10] = -1.0  # 1 % of the cells, 1 °C cooler
    assert not _unchanged(patch, ramp)


def test_person_hours_are_whole_and_hours_have_a_tenth():
    # "6.30 fewer person-hours" read as arithmetic, not people: counts of person- and site-hours are whole, like
    # people; hours and degree-hours per person keep one decimal.
    assert format_value("heat.person_hours_strong_stress", "person-hours", 6.3, "en") == "6"
    assert format_value("heat.person_hours_strong_stress", "person-hours", 2426.4, "en") == "2,426"
    assert format_value("heat.site_hours_strong_stress", "site-hours", 3.0, "fr") == "3"
    assert format_value("heat.work_hours_lost_light", "h", 1.25, "en") == "1.2"
    assert format_value("heat.utci_degree_hours_per_person", "K h", 85.75, "en") == "85.8"
