"""Co-evaluation: residents' ratings and choices per scenario, beside the twin's indicators.

- ratings: mean, count, spread and distribution per scenario and criterion;
- choices: first choices and Borda points (n - 1 for a first place, n - 2 for a second, ...);
- agreement per scenario and criterion: 1 - standard deviation / 2 (2 is the largest possible on a 1-5 scale),
  so 1 when everyone gives the same mark and 0 when the room splits between 1 and 5;
- each participant's own ranking: their ratings weighted by their own weights of the criteria (equal weights
  when they gave none), counted as how many participants put each scenario first under their own weights.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Comment, Consultation, Participant, Preference, Rating


def results(session: Session, c: Consultation) -> dict:
    """The co-evaluation of a consultation (without the twin's indicators, which the API adds)."""
    ratings = list(session.scalars(select(Rating).where(Rating.consultation_id == c.id)))
    preferences = list(session.scalars(select(Preference).where(Preference.consultation_id == c.id)))
    weights = {
        p.id: p.weights
        for p in session.scalars(select(Participant).where(Participant.consultation_id == c.id))
        if p.weights
    }
    criteria = [k["id"] for k in c.criteria]
    by = defaultdict(list)
    for r in ratings:
        by[(r.scenario, r.criterion)].append(r.value)
    n = len(c.scenarios)
    first = dict.fromkeys(c.scenarios, 0)
    borda = dict.fromkeys(c.scenarios, 0)
    for pref in preferences:
        ranking = [s for s in pref.ranking if s in first]
        if ranking:
            first[ranking[0]] += 1
        for place, s in enumerate(ranking):
            borda[s] += n - 1 - place
    own_first = _own_firsts(ratings, weights, criteria, c.scenarios)
    scenarios = []
    for s in c.scenarios:
        per = {k: _summary(by[(s, k)]) for k in criteria}
        means = [v["mean"] for v in per.values() if v["mean"] is not None]
        scenarios.append({
            "scenario": s,
            "criteria": per,
            "mean": round(statistics.fmean(means), 3) if means else None,
            "first_choices": first[s],
            "borda": borda[s],
            "first_under_own_weights": own_first[s],
        })  # fmt: skip
    commenters = set(session.scalars(select(Comment.participant_id).where(Comment.consultation_id == c.id)))
    participants = {r.participant_id for r in ratings} | {p.participant_id for p in preferences} | commenters
    return {"participants": len(participants), "preferences": len(preferences), "ratings": len(ratings),
            "scenarios": scenarios}  # fmt: skip


def _summary(values: list[int]) -> dict:
    if not values:
        return {"mean": None, "n": 0, "sd": None, "agreement": None, "distribution": [0] * 5}
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    return {
        "mean": round(statistics.fmean(values), 3),
        "n": len(values),
        "sd": round(sd, 3),
        "agreement": round(1.0 - sd / 2.0, 3),
        "distribution": [values.count(v) for v in range(1, 6)],
    }


def _own_firsts(ratings, weights: dict, criteria: list[str], scenarios: list[str]) -> dict[str, int]:
    """How many participants put each scenario first by their own weighted ratings (a tie counts for each tied
    scenario, so the counts may add up to more than the participants)."""
    marks: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for r in ratings:
        marks[r.participant_id][r.scenario][r.criterion] = r.value
    firsts = dict.fromkeys(scenarios, 0)
    for pid, by_scenario in marks.items():
        w = weights.get(pid) or dict.fromkeys(criteria, 1.0)
        scores = {}
        for s, values in by_scenario.items():
            total = sum(w.get(k, 0.0) for k in values)
            if total > 0:
                scores[s] = sum(w.get(k, 0.0) * v for k, v in values.items()) / total
        if scores:
            best = max(scores.values())
            for s, score in scores.items():
                if math.isclose(score, best) and s in firsts:
                    firsts[s] += 1
    return firsts
