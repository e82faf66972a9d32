"""Exports of a consultation for planners: CSV and GeoJSON, anonymised by default, with a data dictionary.

Participants appear as P1, P2, ... (in the order they joined); names and e-mails only when asked for by a
facilitator (``identified``) and only where participants gave them. GeoJSON is in WGS 84 (RFC 7946), from the
territory's CRS.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Comment, Consultation, Participant, Preference, Rating, as_utc

NAMES = ("comments.csv", "comments.geojson", "ratings.csv", "preferences.csv", "dictionary.csv")
DICTIONARY = [
    ("comments.csv", "id", "comment number", ""),
    ("comments.csv", "participant", "who wrote it: P1, P2, ... (the same person has the same code in every file)", ""),
    ("comments.csv", "scenario", "the scenario (run name) it is about", ""),
    ("comments.csv", "text", "the comment as written", ""),
    ("comments.csv", "lang", "language of the page when written (en, fr)", ""),
    ("comments.csv", "x", "easting of the place pinned, in the territory's CRS", "m"),
    ("comments.csv", "y", "northing of the place pinned, in the territory's CRS", "m"),
    ("comments.csv", "building", "id of the building pinned, if any", ""),
    ("comments.csv", "status", "visible, pending (waits for moderation) or hidden", ""),
    ("comments.csv", "reports", "times other participants reported it", "count"),
    ("comments.csv", "created_utc", "when it was written", "ISO 8601, UTC"),
    ("comments.geojson", "(properties)", "the columns of comments.csv; points in WGS 84 (EPSG:4326)", "degrees"),
    ("ratings.csv", "participant", "P1, P2, ...", ""),
    ("ratings.csv", "scenario", "the scenario rated", ""),
    ("ratings.csv", "criterion", "the criterion (id of the consultation's criteria)", ""),
    ("ratings.csv", "value", "1 (poor) to 5 (very good)", "1-5"),
    ("ratings.csv", "updated_utc", "when it was last given", "ISO 8601, UTC"),
    ("preferences.csv", "participant", "P1, P2, ...", ""),
    ("preferences.csv", "rank_1, rank_2, ...", "the scenarios in the participant's order, best first", ""),
    ("(all)", "name, email", "only in identified exports, and only where the participant gave them", ""),
]  # fmt: skip


def export(session: Session, c: Consultation, name: str, *, crs: str | None, identified: bool = False) -> str:
    """The text of export ``name`` (one of :data:`NAMES`)."""
    people = list(session.scalars(select(Participant).where(Participant.consultation_id == c.id)
                                  .order_by(Participant.id)))  # fmt: skip
    code = {p.id: f"P{i}" for i, p in enumerate(people, start=1)}
    who = {p.id: (p.name or "", p.email or "") for p in people}

    def person(pid: int) -> list[str]:
        return [code[pid], *who[pid]] if identified else [code[pid]]

    head = ["participant", "name", "email"] if identified else ["participant"]
    if name == "dictionary.csv":
        return _csv(["file", "column", "meaning", "units"], DICTIONARY)
    if name in ("comments.csv", "comments.geojson"):
        rows = list(session.scalars(select(Comment).where(Comment.consultation_id == c.id).order_by(Comment.id)))
        if name == "comments.geojson":
            return _geojson(rows, person, head, crs)
        return _csv(["id", *head, "scenario", "text", "lang", "x", "y", "building", "status", "reports",
                     "created_utc"],
                    [[r.id, *person(r.participant_id), r.scenario, r.text, r.lang, r.x, r.y, r.building, r.status,
                      r.reports, as_utc(r.created_utc).isoformat()] for r in rows])  # fmt: skip
    if name == "ratings.csv":
        rows = session.scalars(select(Rating).where(Rating.consultation_id == c.id).order_by(Rating.id))
        return _csv([*head, "scenario", "criterion", "value", "updated_utc"],
                    [[*person(r.participant_id), r.scenario, r.criterion, r.value, as_utc(r.updated_utc).isoformat()]
                     for r in rows])  # fmt: skip
    rows = session.scalars(select(Preference).where(Preference.consultation_id == c.id).order_by(Preference.id))
    n = len(c.scenarios)
    return _csv([*head, *(f"rank_{i}" for i in range(1, n + 1))],
                [[*person(r.participant_id), *r.ranking, *[""] * (n - len(r.ranking))] for r in rows])  # fmt: skip


def _csv(head: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return buffer.getvalue()


def _cell(value):
    """Text that a spreadsheet would run as a formula is written as text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _geojson(rows, person, head: list[str], crs: str | None) -> str:
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True) if crs else None
    features = []
    for r in rows:
        if r.x is None or r.y is None or to_wgs84 is None:
            continue
        lon, lat = to_wgs84.transform(r.x, r.y)
        props = dict(zip(head, person(r.participant_id), strict=True)) | {
            "id": r.id, "scenario": r.scenario, "text": r.text, "lang": r.lang, "x": r.x, "y": r.y,
            "building": r.building, "status": r.status, "reports": r.reports,
            "created_utc": as_utc(r.created_utc).isoformat(),
        }  # fmt: skip
        point = {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
        features.append({"type": "Feature", "geometry": point, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
