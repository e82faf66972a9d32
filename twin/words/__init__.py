"""Every word people read, in one table per language: ``en.json`` and ``fr.json`` beside this module.

The report, the command line, the viewer's scenes and legends, the web API and the page itself (which fetches the
table as JSON from ``/api/words``) all take their words from here, by key. Keys are dotted: ``report.title``,
``indicator.flood.damage_eur``, ``layer.max_depth.title``, ``page.scenario.label``... A text may hold ``{fields}``
filled by :func:`text`. Both tables have the same keys (a test checks it), so a missing translation is caught
before anyone reads a key instead of a word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from ..errors import ScenarioError, message

LANGS = ("en", "fr")
_FOLDER = Path(__file__).parent


def check_lang(lang: str, *, where: str = "lang") -> str:
    """``lang`` if it is a supported language, else a :class:`~twin.errors.ScenarioError`."""
    if lang not in LANGS:
        raise ScenarioError(message(where, "lang", " or ".join(repr(x) for x in LANGS), lang))
    return lang


@cache
def table(lang: str) -> Mapping[str, str]:
    """The whole table of ``lang``: key -> text (read once)."""
    check_lang(lang)
    with (_FOLDER / f"{lang}.json").open(encoding="utf-8") as f:
        return json.load(f)


def text(key: str, lang: str, **fields) -> str:
    """The text of ``key`` in ``lang``, its ``{fields}`` filled; the key itself if the table has no such text
    (an indicator of another version of twin, say), never an exception in front of people."""
    words = table(lang).get(key)
    if words is None:
        return key
    return words.format(**fields) if fields else words


def has(key: str) -> bool:
    """Whether the tables have a text for ``key``."""
    return key in table(LANGS[0])


def section(prefix: str, lang: str) -> dict[str, str]:
    """The texts whose keys start with ``prefix.``, keyed by the rest: ``section("report", "fr")["title"]``."""
    start = prefix + "."
    return {k[len(start) :]: v for k, v in table(lang).items() if k.startswith(start)}


def both(key: str, **fields) -> dict[str, str]:
    """``{"en": ..., "fr": ...}``: the text of ``key`` in every language (for the API's bilingual fields)."""
    return {lang: text(key, lang, **fields) for lang in LANGS}


def translated(record: Mapping, field: str, lang: str) -> str:
    """A text of a scenario's record (scenario, measure or event, as written in run folders) in ``lang``: the
    record's ``i18n[lang][field]`` when the scenario file gave it, else its own ``field``, else ``""``."""
    own = ((record.get("i18n") or {}).get(lang) or {}).get(field)
    return own or record.get(field) or ""
