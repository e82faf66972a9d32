"""Numbers, money and dates for people, in English and French, from CLDR through Babel.

Babel reads the same CLDR data as the browser's ``Intl``, so the report, the command line and the viewer's page
write ``1,234.5`` (en) and ``1 234,5`` (fr, a narrow no-break space between thousands) alike. What twin decides
itself is how many decimals each kind of figure deserves (:func:`digits_for`): whole people, 0.01 °C, a share to
0.1 %. Missing values (``None``, NaN) show as a dash.
"""

from __future__ import annotations

import datetime as dt
import math

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_compact_currency, format_decimal

from .words import check_lang, text

NBSP = "\u00a0"  # no-break space: between a number and its unit
DASH = "—"  # a missing value
SHARE = "%"  # the units column of a share (values are shown in percent, changes in points)

# Decimals of the key figures of an event's forcing (the keys of the engines' summaries); None: a date.
FORCING_DIGITS: dict[str, int | None] = {
    "date": None,
    "max_air_temperature_c": 1,
    "min_air_temperature_c": 1,
    "depth_mm": 0,
    "peak_intensity_mm_per_h": 0,
    "rain_duration_min": 0,
    "peak_discharge_m3_s": 0,
    "inflow_duration_h": 1,
}


def missing(value) -> bool:
    """True for ``None`` and NaN: the values shown as a dash."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def format_number(value, lang: str, *, digits: int = 0, sign: bool = False) -> str:
    """``1234.5`` -> ``"1,234.5"`` (en) or ``"1 234,5"`` (fr); a dash if missing.

    ``sign=True`` writes ``+`` before positive numbers. A value that rounds to zero shows as ``0`` (no ``-0``).
    """
    if missing(value):
        return DASH
    check_lang(lang)
    value = float(value)
    if round(value, digits) == 0:
        value = 0.0
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if sign and value > 0:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=lang)


def format_money(value, lang: str, *, sign: bool = False) -> str:
    """Euros, compact as CLDR writes them: ``"€2.1M"``, ``"€850K"`` (en), ``"2,1 M €"`` (fr); a dash if missing."""
    if missing(value):
        return DASH
    check_lang(lang)
    value = float(value)
    textual = format_compact_currency(value, "EUR", locale=lang, fraction_digits=1)
    return ("+" + textual) if sign and value > 0 else textual


def plural_form(n: float, lang: str) -> str:
    """The CLDR plural category of the number ``n`` in ``lang``: ``"one"`` (en: 1; fr: 0 and 1) or ``"other"``;
    the word tables hold ``<key>.one`` where a sentence's words depend on it."""
    return Locale.parse(check_lang(lang)).plural_form(n)


def is_share(key: str, units: str) -> bool:
    """Shares (units ``1``, keys ending in ``_share``) are shown in % and change in percentage points."""
    return units == "1" and key.endswith("_share")


def digits_for(units: str, value: float | None = None) -> int:
    """Decimals to show for a value in ``units``: whole counts (and person- or site-hours), hundredths of a degree,
    tenths of km, ha, hours and degree-hours."""
    if units in ("people", "buildings", "sites", "person-hours", "site-hours"):
        return 0
    if units in ("K", "degC"):
        return 2
    if units in ("km", "ha", "h", "K h"):
        return 1
    size = 0.0 if missing(value) else abs(float(value))
    return 0 if size >= 100 else 1 if size >= 10 else 2


def format_value(key: str, units: str, value, lang: str, *, sign: bool = False) -> str:
    """An indicator's value as a table cell: money compact, shares in % (the column says so), counts whole."""
    if missing(value):
        return DASH
    if units.startswith("EUR"):
        return format_money(value, lang, sign=sign)
    if is_share(key, units):
        return format_number(100.0 * float(value), lang, digits=1, sign=sign)
    return format_number(value, lang, digits=digits_for(units, value), sign=sign)


def unit_label(key: str, units: str, lang: str) -> str:
    """The units of an indicator as people read them (``%`` for shares, ``€`` for EUR, ``personnes``)."""
    if is_share(key, units):
        return SHARE
    return text(f"unit.{units}", lang) if units else ""


def format_date(day: dt.date, lang: str) -> str:
    """``"November 26, 2025"`` / ``"26 novembre 2025"`` (CLDR's long date)."""
    return _babel_date(day, format="long", locale=check_lang(lang))


def forcing_words(forcing: dict, lang: str) -> str:
    """The key figures of an event's forcing in words: ``"highest air temperature, °C: 40.0; ..."``."""
    parts = []
    for key, digits in FORCING_DIGITS.items():
        value = forcing.get(key)
        if value is None:
            continue
        if digits is None:
            try:
                value = format_date(dt.date.fromisoformat(str(value)), lang)
            except ValueError:
                value = str(value)
        else:
            value = format_number(value, lang, digits=digits)
        parts.append(text(f"forcing.{key}", lang) + text("punct.colon", lang) + value)
    return text("punct.list", lang).join(parts)


def format_sci(value, lang: str) -> str:
    """A small number such as a relative error: ``"3.2E-09"`` (fr: ``"3,2E-09"``), CLDR's scientific form."""
    if missing(value):
        return DASH
    return format_decimal(float(value), format="0.0E00", locale=check_lang(lang))
