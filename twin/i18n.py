"""Words and numbers for people, in English and French.

The fixed strings of the report (and later of the viewer) live in :data:`TEXT`,
keyed by language then by a short name; indicator names come from
:data:`twin.impacts.records.CATALOGUE`. Numbers follow the language: French
uses a decimal comma and a narrow no-break space between thousands
(``1 234,5``), English a decimal point and a comma (``1,234.5``). A no-break
space separates a number from its unit, and negative numbers take the true minus
sign (U+2212), as French typography wants.
"""

from __future__ import annotations

import datetime as dt
import math

from .errors import ScenarioError, message

LANGS = ("en", "fr")
NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"  # no-break space: between a number and its unit
MINUS = "\u2212"
DASH = "—"  # a missing value

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Scenario comparison",
        "subtitle": "Heat and flood scenarios of {territory}, compared with “{baseline}”",
        "made_on": "Report made on {date} by twin {version}.",
        "baseline": "Baseline",
        "how_title": "How to read this report",
        "how_1": "A scenario is a set of works the town could carry out (trees, green roofs, a retention basin, new "
        "housing…). Each scenario was tested by computer simulations against the same events: a heatwave day, "
        "rainstorms, a river flood.",
        "how_2": "The baseline is the town as it is today. Δ (delta) is the difference between a scenario and the "
        "baseline: Δ = scenario − baseline. A share in % changes by percentage points (pts).",
        "how_3": "Green means better than the baseline (fewer people exposed, less damage, more shade); red means "
        "worse; grey means no change.",
        "how_4": "The numbers come from simulation models of the territory with the assumptions listed with each "
        "scenario. They show orders of magnitude to compare options, not forecasts. Where every number comes from "
        "(model version, parameters, input files) is given in the “Provenance” section at the end.",
        "contents": "Contents",
        "headlines": "The main changes",
        "no_change": "No notable change in the main indicators.",
        "table": "Indicators",
        "indicator": "Indicator",
        "units": "Units",
        "event": "Event",
        "territory_wide": "whole territory",
        "delta": "Δ",
        "better": "better than the baseline",
        "worse": "worse than the baseline",
        "same": "no change",
        "scorecard": "Scorecard",
        "residents": "What residents said",
        "residents_intro": "{participants} people took part in the consultation “{title}”; {preferences} chose a "
        "preferred scenario. Marks go from 1 (poor) to 5 (very good), as averages with the number of marks; "
        "agreement is 1 when everyone gave the same mark and 0 when the room split between 1 and 5. These are the "
        "views of those who took part, beside the twin's figures above, not a vote of the whole town.",
        "residents_mean": "Average mark",
        "residents_first": "Chosen first",
        "residents_borda": "Ranking points (Borda)",
        "residents_own": "First by their own weights",
        "residents_agreement": "agreement",
        "scorecard_intro": "Each criterion scores from 0 (the worst of the scenarios compared) to 1 (the best), "
        "summed over the events. The weighted score is the weighted average of the criteria; rank 1 is the best. "
        "The weights are a choice to discuss, not a verdict.",
        "criterion": "Criterion",
        "weight": "Weight",
        "score": "Weighted score",
        "rank": "Rank",
        "charts": "Key indicators",
        "maps": "Maps",
        "maps_intro": "For each event: the baseline map, then how each scenario changes it. On the maps of change, "
        "blue is cooler or less water, red is hotter or more water, white is no change. Dark grey: buildings.",
        "no_map": "No map: this scenario did not run this event.",
        "no_change_map": "No visible change from the baseline for this event.",
        "legend_depth": "Water depth at its highest, m",
        "legend_depth_note": "Cells with less than 1 cm of water are left clear.",
        "legend_d_depth": "Change in water depth at its highest, m (blue: less water, red: more)",
        "legend_utci": "Felt temperature (UTCI) at 15:00, °C",
        "legend_utci_note": "Heat stress classes of the UTCI: 26–32 °C moderate, 32–38 °C strong, "
        "38–46 °C very strong, above 46 °C extreme.",
        "legend_d_utci": "Change in felt temperature at 15:00, °C (blue: cooler, red: hotter)",
        "utci_classes": "none|moderate|strong|very strong|extreme",
        "scenarios": "The scenarios",
        "status": "Status",
        "author": "Author",
        "cost": "Cost",
        "lifetime": "Lifetime",
        "years": "{n} years",
        "measures": "Measures",
        "no_measures": "No measures: the town as it is.",
        "measure": "Measure",
        "type": "Type",
        "where": "Where",
        "area": "Area, m²",
        "volume": "Volume, m³",
        "measure_cost": "Cost",
        "results_folder": "Results folder",
        "provenance": "Provenance",
        "provenance_intro": "What each run was made from, so that any number above can be traced and reproduced.",
        "twin_version": "twin version",
        "scenario_hash": "Scenario SHA-256",
        "territory_hash": "Territory SHA-256 (before measures)",
        "created": "Run made on",
        "parameters": "Engine parameters",
        "timings": "Time per stage",
        "reused": "Flood results reused",
        "reused_line": "{event}: from “{scenario}” ({reason})",
        "none": "none",
        "mass_balance": "Flood water balance (relative error)",
        "heatwave": "heatwave",
        "design_storm": "design storm",
        "rain_series": "rain series",
        "river_flood": "river flood",
        "event_in": " in {event}",
    },
    "fr": {
        "title": "Comparaison de scénarios",
        "subtitle": "Scénarios chaleur et inondation de {territory}, comparés à « {baseline} »",
        "made_on": "Rapport établi le {date} par twin {version}.",
        "baseline": "Référence",
        "how_title": "Comment lire ce rapport",
        "how_1": "Un scénario est un ensemble de travaux que la commune pourrait mener (arbres, toitures "
        "végétalisées, bassin de rétention, nouveaux logements…). Chaque scénario a été testé par des simulations "
        "informatiques face aux mêmes événements : une journée de canicule, des orages, une crue.",
        "how_2": "La référence est la commune telle qu'elle est aujourd'hui. Δ (delta) est l'écart entre un scénario "
        "et la référence : Δ = scénario − référence. Une part en % varie en points (pts).",
        "how_3": "Le vert signale une amélioration par rapport à la référence (moins de personnes exposées, moins de "
        "dommages, plus d'ombre) ; le rouge une dégradation ; le gris l'absence de changement.",
        "how_4": "Les chiffres viennent de modèles de simulation du territoire, avec les hypothèses indiquées pour "
        "chaque scénario. Ce sont des ordres de grandeur pour comparer des options, pas des prévisions. L'origine "
        "de chaque chiffre (version du modèle, paramètres, fichiers d'entrée) figure dans la section « Traçabilité » "
        "à la fin.",
        "contents": "Sommaire",
        "headlines": "Les principaux changements",
        "no_change": "Pas de changement notable des principaux indicateurs.",
        "table": "Indicateurs",
        "indicator": "Indicateur",
        "units": "Unité",
        "event": "Événement",
        "territory_wide": "tout le territoire",
        "delta": "Δ",
        "better": "mieux que la référence",
        "worse": "moins bien que la référence",
        "same": "pas de changement",
        "scorecard": "Tableau de bord",
        "residents": "Ce qu'ont dit les habitants",
        "residents_intro": "{participants} personnes ont participé à la consultation « {title} » ; {preferences} "
        "ont choisi un scénario préféré. Les notes vont de 1 (mauvais) à 5 (très bien), en moyenne avec le nombre de "
        "notes ; l'accord vaut 1 quand tout le monde a donné la même note et 0 quand la salle s'est partagée entre "
        "1 et 5. Ce sont les avis des participants, à côté des chiffres du jumeau ci-dessus, pas un vote de toute "
        "la commune.",
        "residents_mean": "Note moyenne",
        "residents_first": "Choisi en premier",
        "residents_borda": "Points de classement (Borda)",
        "residents_own": "Premier selon leurs propres poids",
        "residents_agreement": "accord",
        "scorecard_intro": "Chaque critère est noté de 0 (le moins bon des scénarios comparés) à 1 (le meilleur), "
        "en cumulant les événements. La note pondérée est la moyenne pondérée des critères ; le rang 1 est le "
        "meilleur. Les poids sont un choix à débattre, pas un verdict.",
        "criterion": "Critère",
        "weight": "Poids",
        "score": "Note pondérée",
        "rank": "Rang",
        "charts": "Indicateurs clés",
        "maps": "Cartes",
        "maps_intro": "Pour chaque événement : la carte de référence, puis ce que chaque scénario y change. Sur les "
        "cartes d'écart, le bleu est plus frais ou moins d'eau, le rouge plus chaud ou plus d'eau, le blanc sans "
        "changement. Gris foncé : bâtiments.",
        "no_map": "Pas de carte : ce scénario n'a pas simulé cet événement.",
        "no_change_map": "Aucun changement visible par rapport à la situation de référence pour cet événement.",
        "legend_depth": "Hauteur d'eau maximale, m",
        "legend_depth_note": "Les cellules avec moins de 1 cm d'eau restent transparentes.",
        "legend_d_depth": "Écart de hauteur d'eau maximale, m (bleu : moins d'eau, rouge : plus)",
        "legend_utci": "Température ressentie (UTCI) à 15 h, °C",
        "legend_utci_note": "Classes de stress thermique de l'UTCI : 26–32 °C modéré, 32–38 °C fort, "
        "38–46 °C très fort, au-delà de 46 °C extrême.",
        "legend_d_utci": "Écart de température ressentie à 15 h, °C (bleu : plus frais, rouge : plus chaud)",
        "utci_classes": "aucun|modéré|fort|très fort|extrême",
        "scenarios": "Les scénarios",
        "status": "Statut",
        "author": "Auteur",
        "cost": "Coût",
        "lifetime": "Durée de vie",
        "years": "{n} ans",
        "measures": "Mesures",
        "no_measures": "Aucune mesure : la commune telle qu'elle est.",
        "measure": "Mesure",
        "type": "Type",
        "where": "Où",
        "area": "Surface, m²",
        "volume": "Volume, m³",
        "measure_cost": "Coût",
        "results_folder": "Dossier des résultats",
        "provenance": "Traçabilité",
        "provenance_intro": "Ce à partir de quoi chaque simulation a été faite, pour que chaque chiffre ci-dessus "
        "puisse être retrouvé et reproduit.",
        "twin_version": "Version de twin",
        "scenario_hash": "SHA-256 du scénario",
        "territory_hash": "SHA-256 du territoire (avant les mesures)",
        "created": "Simulation faite le",
        "parameters": "Paramètres des modèles",
        "timings": "Durée par étape",
        "reused": "Résultats d'inondation réutilisés",
        "reused_line": "{event} : repris de « {scenario} » ({reason})",
        "none": "aucun",
        "mass_balance": "Bilan d'eau de l'inondation (erreur relative)",
        "heatwave": "canicule",
        "design_storm": "pluie de projet",
        "rain_series": "chronique de pluie",
        "river_flood": "crue",
        "event_in": " lors de {event}",
    },
}

STATUS = {
    "en": {"draft": "draft", "consultation": "in consultation", "adopted": "adopted", "rejected": "rejected"},
    "fr": {"draft": "brouillon", "consultation": "en concertation", "adopted": "adopté", "rejected": "rejeté"},
}

MEASURE_TYPES = {
    "en": {
        "tree_planting": "tree planting", "depaving": "depaving", "cool_roofs": "cool roofs",
        "green_roofs": "green roofs", "permeable_pavement": "permeable paving", "water_feature": "water feature",
        "new_buildings": "new buildings", "demolition": "demolition", "retention_basin": "retention basin",
        "dike": "dike", "terrain_edit": "earthworks",
    },
    "fr": {
        "tree_planting": "plantation d'arbres", "depaving": "désimperméabilisation", "cool_roofs": "toitures fraîches",
        "green_roofs": "toitures végétalisées", "permeable_pavement": "revêtement perméable",
        "water_feature": "plan d'eau", "new_buildings": "nouveaux bâtiments", "demolition": "démolition",
        "retention_basin": "bassin de rétention", "dike": "digue", "terrain_edit": "terrassement",
    },
}  # fmt: skip

# Catalogue units as people read them.
UNITS = {
    "en": {"people": "people", "buildings": "buildings", "sites": "sites", "EUR": "€", "EUR/year": "€/year",
           "1": "", "K": "°C", "degC": "°C", "km": "km", "ha": "ha"},
    "fr": {"people": "personnes", "buildings": "bâtiments", "sites": "sites", "EUR": "€", "EUR/year": "€/an",
           "1": "", "K": "°C", "degC": "°C", "km": "km", "ha": "ha"},
}  # fmt: skip

# Headline sentences of the main changes: key -> (when the value went down, when it went up); {n} is the size.
HEADLINES = {
    "en": {
        "heat.people_strong_stress": ("{n} fewer people in strong heat stress",
                                      "{n} more people in strong heat stress"),
        "heat.people_very_strong_stress": ("{n} fewer people in very strong heat stress",
                                           "{n} more people in very strong heat stress"),
        "heat.sites_strong_stress": ("{n} fewer sensitive sites in strong heat stress",
                                     "{n} more sensitive sites in strong heat stress"),
        "heat.uhi_night_mean_k": ("nights {n} cooler on average", "nights {n} warmer on average"),
        "flood.damage_eur": ("{n} less flood damage", "{n} more flood damage"),
        "flood.expected_annual_damage_eur": ("{n} less flood damage per year on average",
                                             "{n} more flood damage per year on average"),
        "flood.people_exposed": ("{n} fewer people with a flooded home", "{n} more people with a flooded home"),
        "flood.buildings_over_0.1m": ("{n} fewer flooded buildings", "{n} more flooded buildings"),
        "flood.sites_flooded": ("{n} fewer sensitive sites flooded", "{n} more sensitive sites flooded"),
        "land.canopy_share": ("tree cover down by {n}", "tree cover up by {n}"),
        "land.impervious_share": ("sealed ground down by {n}", "sealed ground up by {n}"),
    },
    "fr": {
        "heat.people_strong_stress": ("{n} personnes de moins en stress thermique fort",
                                      "{n} personnes de plus en stress thermique fort"),
        "heat.people_very_strong_stress": ("{n} personnes de moins en stress thermique très fort",
                                           "{n} personnes de plus en stress thermique très fort"),
        "heat.sites_strong_stress": ("{n} sites sensibles de moins en stress thermique fort",
                                     "{n} sites sensibles de plus en stress thermique fort"),
        "heat.uhi_night_mean_k": ("des nuits plus fraîches de {n} en moyenne",
                                  "des nuits plus chaudes de {n} en moyenne"),
        "flood.damage_eur": ("{n} de dommages d'inondation en moins", "{n} de dommages d'inondation en plus"),
        "flood.expected_annual_damage_eur": ("{n} de dommages d'inondation en moins par an en moyenne",
                                             "{n} de dommages d'inondation en plus par an en moyenne"),
        "flood.people_exposed": ("{n} personnes de moins dont le logement est inondé",
                                 "{n} personnes de plus dont le logement est inondé"),
        "flood.buildings_over_0.1m": ("{n} bâtiments inondés en moins", "{n} bâtiments inondés en plus"),
        "flood.sites_flooded": ("{n} sites sensibles inondés en moins", "{n} sites sensibles inondés en plus"),
        "land.canopy_share": ("couvert des arbres en baisse de {n}", "couvert des arbres en hausse de {n}"),
        "land.impervious_share": ("sols imperméables en baisse de {n}", "sols imperméables en hausse de {n}"),
    },
}  # fmt: skip

# Key figures of an event's forcing (twin.events.summarize_event): key -> (words, decimals).
FORCING = {
    "en": {"date": ("day", None), "max_air_temperature_c": ("highest air temperature, °C", 1),
           "min_air_temperature_c": ("lowest air temperature, °C", 1), "depth_mm": ("rain, mm", 0),
           "peak_intensity_mm_per_h": ("peak rain, mm/h", 0), "rain_duration_min": ("rain duration, min", 0),
           "peak_discharge_m3_s": ("peak river flow, m³/s", 0), "inflow_duration_h": ("flood duration, h", 1)},
    "fr": {"date": ("jour", None), "max_air_temperature_c": ("température de l'air maximale, °C", 1),
           "min_air_temperature_c": ("température de l'air minimale, °C", 1), "depth_mm": ("pluie, mm", 0),
           "peak_intensity_mm_per_h": ("pic de pluie, mm/h", 0), "rain_duration_min": ("durée de la pluie, min", 0),
           "peak_discharge_m3_s": ("débit de pointe de la rivière, m³/s", 0),
           "inflow_duration_h": ("durée de la crue, h", 1)},
}  # fmt: skip

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}  # fmt: skip


def check_lang(lang: str, *, where: str = "lang") -> str:
    """``lang`` if it is a supported language, else a :class:`~twin.errors.ScenarioError`."""
    if lang not in LANGS:
        raise ScenarioError(message(where, "lang", " or ".join(repr(x) for x in LANGS), lang))
    return lang


def missing(value) -> bool:
    """True for ``None`` and NaN: the values shown as a dash."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def format_number(value, lang: str, *, digits: int = 0, sign: bool = False) -> str:
    """``1234.5`` -> ``"1,234.5"`` (en) or ``"1 234,5"`` (fr, narrow no-break space); a dash if missing.

    ``sign=True`` writes ``+`` before positive numbers; negative numbers take the minus sign U+2212.
    """
    if missing(value):
        return DASH
    value = float(value)
    if round(value, digits) == 0:
        value = 0.0  # no "-0"
    text = f"{abs(value):,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    if value < 0:
        return MINUS + text
    return ("+" + text) if sign and value > 0 else text


def format_money(value, lang: str, *, sign: bool = False) -> str:
    """Euros, readable: ``"2.1 M€"``, ``"850 k€"``, ``"120 €"`` (fr: ``"2,1 M€"``); a dash if missing."""
    if missing(value):
        return DASH
    value = float(value)
    size = abs(value)
    if round(size / 1e3) >= 1000:
        number, digits, unit = value / 1e6, 1, "M€"
    elif round(size) >= 1000:
        number, digits, unit = value / 1e3, 0, "k€"
    else:
        number, digits, unit = value, 0, "€"
    return format_number(number, lang, digits=digits, sign=sign) + NBSP + unit


def is_share(key: str, units: str) -> bool:
    """Shares (units ``1``, keys ending in ``_share``) are shown in % and change in percentage points."""
    return units == "1" and key.endswith("_share")


def digits_for(units: str, value: float | None = None) -> int:
    """Decimals to show for a value in ``units``."""
    if units in ("people", "buildings", "sites"):
        return 0
    if units in ("K", "degC"):
        return 2
    if units in ("km", "ha"):
        return 1
    size = 0.0 if missing(value) else abs(float(value))
    return 0 if size >= 100 else 1 if size >= 10 else 2


def format_value(key: str, units: str, value, lang: str, *, sign: bool = False) -> str:
    """An indicator's value as a table cell: money readable, shares in %, counts whole; a dash if missing."""
    if missing(value):
        return DASH
    if units.startswith("EUR"):
        return format_money(value, lang, sign=sign)
    if is_share(key, units):
        return format_number(100.0 * float(value), lang, digits=1, sign=sign)
    return format_number(value, lang, digits=digits_for(units, value), sign=sign)


def unit_label(key: str, units: str, lang: str) -> str:
    """The units of a table row as people read them (``%`` for shares, ``€`` for EUR)."""
    if is_share(key, units):
        return "%"
    return UNITS[lang].get(units, units)


def format_date(day: dt.date, lang: str) -> str:
    """``"26 November 2025"`` / ``"26 novembre 2025"``."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def forcing_words(forcing: dict, lang: str) -> str:
    """The key figures of an event's forcing in words: ``"highest air temperature, °C: 40.0; ..."``."""
    parts = []
    for key, (words, digits) in FORCING[lang].items():
        value = forcing.get(key)
        if value is None:
            continue
        if digits is None:
            try:
                value = format_date(dt.date.fromisoformat(str(value)), lang)
            except ValueError:
                value = str(value)
        else:
            value = format_number(value, lang, digits=digits) if not missing(value) else DASH
        parts.append(f"{words}{NBSP if lang == 'fr' else ''}: {value}")
    return " ; ".join(parts) if lang == "fr" else "; ".join(parts)


def format_sci(value, lang: str) -> str:
    """A small number such as a relative error: ``"3.2e-09"`` (fr: ``"3,2e-09"``)."""
    if missing(value):
        return DASH
    text = f"{float(value):.1e}"
    return text.replace(".", ",") if lang == "fr" else text
