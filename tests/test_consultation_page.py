"""The consultation in the viewer page, in Debian's chromium (Playwright), against the real API over the demo's runs.

Two residents, each in their own browser context (their own anonymous token): the first joins, pins a comment on
a building of the 3D view and another one full of markup, rates two scenarios and chooses one; the second sees the
comments as text and the live results count the first one's marks and choice. A keyboard user comments on the
centre of the view and rates without a mouse, in French. The facilitator's export holds the comments. Screenshots
are kept in out/test-artefacts/consult-*.png.
"""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest
import rasterio
from conftest import serving
from test_report import ARTEFACTS

from twin.datasets import scenarios_dir
from twin.words import text

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ADMIN = "facilitator-secret-for-the-test"
SLUG = "station-square"
CRITERIA = [
    {"id": "heat", "en": "Heat comfort", "fr": "Confort face à la chaleur"},
    {"id": "look", "en": "The look of the street", "fr": "L'aspect de la rue"},
]
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
READY_S = 60  # a cold scene cache on 2 busy cores


@pytest.fixture(scope="module")
def server(demo_output, tmp_path_factory):
    """uvicorn serving the demo's runs with an admin token, in a thread; yields the base URL."""
    from viewer.web import create_app
    from viewer.web.settings import Settings

    out, _ = demo_output
    settings = Settings(
        runs_dir=out / "runs",
        scenarios_dir=scenarios_dir(),
        work_dir=tmp_path_factory.mktemp("w"),
        admin_token_sha256=hashlib.sha256(ADMIN.encode()).hexdigest(),
    )
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def consultation(server):
    """An open, post-moderated meeting consultation on the baseline and the station greening, made by the admin."""
    body = {
        "slug": SLUG,
        "title": "The station square",
        "description": "Which future for the square in front of the station?",
        "scenarios": ["baseline", "station-greening"],
        "criteria": CRITERIA,
        "mode": "meeting",
        "opens_utc": "2020-01-01T00:00:00Z",
        "moderation": "post",
    }
    answer = httpx.post(f"{server}/api/consultations", json=body, headers=_admin())
    assert answer.status_code == 201, answer.text
    return SLUG


def _admin() -> dict:
    return {"Authorization": f"Bearer {ADMIN}"}


def _wait(page, condition: str, *, timeout_s: float = READY_S) -> None:
    """Poll ``condition`` (a JS expression) from here: the page's CSP forbids the eval behind wait_for_function."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.1)


def _text(selector: str) -> str:
    return f"(document.querySelector({json.dumps(selector)})?.innerText ?? '')"


def _open(browser, server: str, query: str):
    """A new resident (a browser context of their own) on the page of the consultation; returns the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{server}/?{query}", wait_until="load")
    _wait(page, "document.body.dataset.state === 'ready'")
    _wait(page, "document.querySelector('#consult-panel').dataset.state === 'ready'")
    _wait(page, "document.querySelector('#comment-list').dataset.loaded === 'true'")
    return page


def _join(page) -> None:
    page.click("#consult-join")
    _wait(page, "!document.querySelector('#consult-tools').hidden")


def _send(page, text: str) -> dict:
    """Write the comment in the open form, send it, and return the API's answer."""
    _wait(page, "!document.querySelector('#comment-form').hidden")
    page.fill("#comment-text", text)
    with page.expect_response(lambda r: r.url.endswith("/comments") and r.request.method == "POST") as answer:
        page.click("#comment-send")
    assert answer.value.status == 201, answer.value.text()
    _wait(page, "document.querySelector('#comment-form').hidden")
    return answer.value.json()


def _save(page, selector: str, path: str) -> dict:
    """Click a radio and wait for the PUT it makes (saved after a short pause, one per radio group); returns
    the body sent."""
    with page.expect_response(lambda r: r.url.endswith(path) and r.request.method == "PUT") as answer:
        page.click(selector)
    assert answer.value.status == 200, answer.value.text()
    return answer.value.request.post_data_json


def _bar(page, scenario: str, label: str) -> str | None:
    """The value written beside one bar of a scenario's results."""
    rows = f'#results [data-scenario="{scenario}"] .bar-row'
    return page.evaluate(
        f"[...document.querySelectorAll('{rows}')].find((r) => r.querySelector('.bar-label').textContent"
        f" === {json.dumps(label)})?.querySelector('.bar-value').textContent ?? null"
    )


def _shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"consult-{name}.png"))


def _bounds(demo_output):
    with rasterio.open(demo_output[0] / "runs" / "baseline" / "territory" / "elevation.tif") as src:
        return src.bounds


def test_residents_comment_rate_and_choose_and_see_each_other(chromium, server, consultation, demo_output):
    first = _open(chromium, server, f"consultation={consultation}")
    privacy = first.locator("#consult-privacy").inner_text()
    assert "365 days" in privacy and "totals" in privacy and "withdraw" in privacy
    _shot(first, "privacy")
    _join(first)
    assert first.evaluate(f"localStorage.getItem('twin.consultation.{consultation}.token')")

    # A comment pinned on the town centre: the middle of the default view.
    first.click("#consult-pin")
    assert first.get_attribute("#consult-pin", "aria-pressed") == "true"
    box = first.locator("canvas#view").bounding_box()
    first.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _shot(first, "form")
    comment = _send(first, "More trees on the station square, please.")
    assert comment["scenario"] == "baseline" and comment["status"] == "visible"
    x, y = comment["point"]
    b = _bounds(demo_output)
    assert b.left < x < b.right and b.bottom < y < b.top, (comment, b)
    assert comment["building"]  # the town centre is built up: the server found the building under the point
    assert len(comment["camera"]["position"]) == 3 and len(comment["camera"]["target"]) == 3
    assert "visible to everyone" in first.locator("#comment-message").inner_text()
    _wait(first, f"{_text('#comment-list')}.includes('More trees')")

    # Markup in a comment is text: no script runs, no image is made.
    first.click("#consult-pin-centre")
    _send(first, f"Shade {EVIL} here")

    _save(first, "#rating-baseline-heat-2", "/ratings")
    _save(first, "#rating-baseline-look-3", "/ratings")
    _save(first, "#rating-station-greening-heat-5", "/ratings")
    _save(first, "#rating-station-greening-look-4", "/ratings")
    _save(first, "#prefer-station-greening", "/preference")
    assert "Saved" in first.locator("#consult-message").inner_text()
    # Her own weights: the heat does not matter to her; every criterion is sent (one left out would weigh 0).
    assert _save(first, "#weight-heat-0", "/weights") == {"weights": {"heat": 0, "look": 2}}
    first.click("#weight-look-0")  # nothing would matter: refused in the page, the saved answer shown again
    _wait(first, f"{_text('#consult-message')}.includes('At least one criterion must matter')")
    _wait(first, "document.querySelector('#weight-look-2').checked")
    _wait(first, f"{_text('#results')}.includes('marks: 4') && {_text('#results')}.includes('choices: 1')")
    first.locator("#consult-panel").scroll_into_view_if_needed()
    _shot(first, "rated")

    # Another resident sees both comments as text, and the results with the first one's marks and choice.
    second = _open(chromium, server, f"consultation={consultation}")
    _wait(second, f"{_text('#comment-list')}.includes('More trees')")
    listed = second.locator("#comment-list").inner_text()
    assert EVIL in listed
    for page in (first, second):
        assert page.evaluate("document.querySelectorAll('#comment-list img, #comment-card img').length") == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
    _wait(second, f"{_text('#results')}.includes('Participants: 1 · marks: 4 · choices: 1')")
    greening = second.locator('#results [data-scenario="station-greening"]').inner_text()
    assert "4.5 / 5" in greening and "1 of 1" in greening, greening
    assert _bar(second, "station-greening", "First by their own marks and weights") == "1 of 1"  # her look: 4 > 3

    # The second resident joins: "Report" on the first's comments, none of "Edit"; their marks reach the first page.
    _join(second)
    _wait(second, "document.querySelectorAll('#comment-list [data-action=report]').length === 2")
    assert second.locator("#comment-list [data-action=edit]").count() == 0
    assert first.locator("#comment-list [data-action=withdraw]").count() == 2
    with second.expect_response(lambda r: r.url.endswith("/reports")) as reported:
        second.locator("#comment-list [data-action=report]").first.click()
    assert reported.value.status == 200
    _save(second, "#rating-baseline-heat-4", "/ratings")
    _save(second, "#prefer-baseline", "/preference")
    _wait(first, f"{_text('#results')}.includes('Participants: 2 · marks: 5 · choices: 2')", timeout_s=15)
    assert _bar(first, "baseline", "First by their own marks and weights") == "1 of 2"  # his only mark is on it

    # A pin on the view shows its comment (both pins stand on the town centre, the head above the place).
    second.evaluate("window.scrollTo(0, 0)")
    box = second.locator("canvas#view").bounding_box()
    second.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 - 15)
    _wait(second, "!document.querySelector('#comment-card').hidden")
    assert "window.__pwned" in second.locator("#comment-card").inner_text()  # the newer pin is on top
    second.click("#comment-card-close")
    _wait(second, "document.querySelector('#comment-card').hidden")
    # And so does "Show on the map" in the list.
    second.locator("#comment-list [data-action=show]").first.click()
    _wait(second, "!document.querySelector('#comment-card').hidden")
    second.evaluate("window.scrollTo(0, 0)")
    assert "More trees" in second.locator("#comment-card").inner_text()
    _shot(second, "second")
    first.evaluate("window.scrollTo(0, 0)")
    _shot(first, "first")

    for page in (first, second):
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.errors == []
        assert [u for u in page.requests if not u.startswith((server + "/", "data:", "blob:"))] == []

    # The facilitator's export holds the comments, as written.
    export = httpx.get(f"{server}/api/consultations/{consultation}/export/comments.csv", headers=_admin())
    assert export.status_code == 200, export.text
    assert "More trees on the station square" in export.text and "window.__pwned=1" in export.text
    assert httpx.get(f"{server}/api/consultations/{consultation}/export/comments.csv").status_code == 401
    for page in (first, second):
        page.context.close()


def test_the_page_offers_the_one_open_consultation(chromium, server, consultation):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server}/", wait_until="load")
    _wait(page, "!document.querySelector('#consult-offer').hidden")
    assert "The station square" in page.locator("#consult-offer").inner_text()
    assert page.locator("#consult-panel").is_hidden()
    page.focus("#consult-offer")
    page.keyboard.press("Enter")
    _wait(page, "document.querySelector('#consult-panel').dataset.state === 'ready'")
    assert f"consultation={consultation}" in page.url  # a reload comes back to it
    assert page.evaluate("document.activeElement.id") == "consult-heading"
    page.click("#consult-close")
    _wait(page, "document.querySelector('#consult-panel').hidden && !document.querySelector('#consult-offer').hidden")
    assert "consultation=" not in page.url
    context.close()


def test_a_keyboard_user_comments_on_the_centre_of_the_view_and_rates_in_french(chromium, server, consultation):
    page = _open(chromium, server, f"consultation={consultation}&lang=fr")
    assert "Participer à" in page.locator("#consult-privacy").inner_text()
    # The words are twin's word table, fetched in the language asked only.
    assert [u for u in page.requests if "/api/words" in u] == [f"{server}/api/words?lang=fr"]
    assert page.locator("#consult-heading").inner_text() == text("consult.headingOf", "fr", title="The station square")
    page.focus("#consult-join")
    page.keyboard.press("Enter")
    _wait(page, "!document.querySelector('#consult-tools').hidden")

    # Turn the view with the keys, then comment on its centre: the form takes the focus.
    page.focus("canvas#view")
    page.keyboard.press("ArrowLeft")
    page.focus("#consult-pin-centre")
    page.keyboard.press("Enter")
    _wait(page, "document.activeElement && document.activeElement.id === 'comment-text'")
    page.keyboard.type("Un banc à l'ombre, s'il vous plaît.")
    # Numbers in French by Intl: a narrow no-break space between thousands.
    assert "35 / 1\u202f000 caractères" in page.locator("#comment-count").inner_text()
    page.keyboard.press("Escape")  # cancel, and the focus goes back to the button
    _wait(page, "document.querySelector('#comment-form').hidden")
    assert page.evaluate("document.activeElement.id") == "consult-pin-centre"
    page.keyboard.press("Enter")
    _wait(page, "document.activeElement && document.activeElement.id === 'comment-text'")
    page.keyboard.type("Un banc à l'ombre, s'il vous plaît.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "comment-send"
    with page.expect_response(lambda r: r.url.endswith("/comments") and r.request.method == "POST") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201 and answer.value.json()["lang"] == "fr"
    _wait(page, f"{_text('#comment-message')}.includes('Merci')")
    _wait(page, f"{_text('#comment-list')}.includes('Un banc')")

    # Edit one's own comment, then withdraw it (two presses: a slip withdraws nothing).
    mine = page.locator("#comment-list li", has_text="Un banc")
    mine.locator("[data-action=edit]").focus()
    page.keyboard.press("Enter")
    _wait(page, "document.activeElement && document.activeElement.id === 'comment-text'")
    assert page.input_value("#comment-text").startswith("Un banc")
    page.fill("#comment-text", "Deux bancs à l'ombre.")
    with page.expect_response(lambda r: "/comments/" in r.url and r.request.method == "PATCH") as edited:
        page.click("#comment-send")
    assert edited.value.status == 200
    _wait(page, f"{_text('#comment-list')}.includes('Deux bancs') && !{_text('#comment-list')}.includes('Un banc')")
    assert page.evaluate("document.activeElement.dataset.action") == "edit"  # the focus is back on its button
    withdraw = page.locator("#comment-list li", has_text="Deux bancs").locator("[data-action=withdraw]")
    withdraw.focus()
    page.keyboard.press("Enter")
    assert "Appuyez encore" in withdraw.inner_text()
    with page.expect_response(lambda r: "/comments/" in r.url and r.request.method == "DELETE") as withdrawn:
        page.keyboard.press("Enter")
    assert withdrawn.value.status == 204
    _wait(page, f"!{_text('#comment-list')}.includes('Deux bancs')")

    # A mark with the arrow keys: one save, where the keys stop.
    page.focus("#rating-station-greening-look-3")
    with page.expect_response(lambda r: r.url.endswith("/ratings")) as saved:
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
    assert saved.value.request.post_data_json == {"scenario": "station-greening", "criterion": "look", "value": 4}
    _wait(page, f"{_text('#consult-message')}.includes('Enregistré')")
    assert page.evaluate("document.querySelector('#rating-station-greening-look-4').checked")
    assert "L'aspect de la rue" in page.locator("#rating-groups").inner_text()

    # The QR code for the big screen, in a dialog that Escape closes.
    page.focus("#consult-qr")
    page.keyboard.press("Enter")
    _wait(page, "document.querySelector('#qr-dialog').open && document.querySelector('#consult-qr-img').complete")
    assert page.evaluate("document.querySelector('#consult-qr-img').naturalWidth") > 0
    assert page.get_attribute("#consult-qr-img", "alt")
    _shot(page, "qr")
    page.keyboard.press("Escape")
    _wait(page, "!document.querySelector('#qr-dialog').open")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "french")

    # The facilitator closes the consultation: a mark is refused (409), said in words, and the panel shows it closed.
    closed = httpx.patch(f"{server}/api/consultations/{consultation}", json={"closes_utc": _now()}, headers=_admin())
    assert closed.status_code == 200, closed.text
    page.click("#rating-baseline-heat-1")
    _wait(page, f'{_text("#consult-message")}.includes("n\'est pas ouverte")')
    _wait(page, "document.querySelector('#rating-baseline-heat-1').disabled")
    assert not page.evaluate("document.querySelector('#rating-baseline-heat-1').checked")
    assert "Clôturée" in page.locator("#consult-state").inner_text()
    page.locator("#consult-message").scroll_into_view_if_needed()
    _shot(page, "closed")
    assert page.errors == []
    page.context.close()


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat()
