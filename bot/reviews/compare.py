"""What reviews add to the one map model (bot/journeymap.py build_map): `reviews` (each review: its snapshot, the
stages as re-rated, each pain point's outcome) and `previous` (the map now against the latest closed review's
snapshot: the emotion curve then, what was resolved or got worse, what is new, which action items were done
since). After a review closes, a stage's emotion is its re-rating there, and a pain point carries its outcome.

A pain point's outcome is what most people said of it; when answers tie, the outcome is "tie" and `tied` names
the answers that tied."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlmodel import Session

from bot.storage import reviews as storage
from bot.storage.models import Review, ReviewMark, ReviewRating
from bot.workshop.tally import emotion_average, emotion_spread

OUTCOMES = {"resolved": "resolved", "still": "still there", "worse": "worse"}  # in this order when they tie


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def outcome_of(counts: Mapping[str, int]) -> tuple[str | None, tuple[str, ...]]:
    """What most said (None when nobody answered); a tie is ("tie", the answers that tied)."""
    best = max((counts.get(o, 0) for o in OUTCOMES), default=0)
    if best == 0:
        return None, ()
    top = tuple(o for o in OUTCOMES if counts.get(o, 0) == best)
    return (top[0], ()) if len(top) == 1 else ("tie", top)


def outcome_text(outcome: str | None, tied: tuple[str, ...] | list[str] = (), counts: Mapping[str, int] | None = None) -> str:
    """"resolved", "tie: resolved / still there (2 each)", or "no answers"."""
    if outcome is None:
        return "no answers"
    if outcome == "tie":
        each = f" ({counts.get(tied[0], 0)} each)" if counts and tied else ""
        return "tie: " + " / ".join(OUTCOMES[o] for o in tied) + each
    return OUTCOMES.get(outcome, outcome)


def snapshot(row: Review) -> dict:
    return json.loads(row.snapshot)


def _stage_figures(rated: list[ReviewRating]) -> dict:
    scores = [r.score for r in rated]
    return {"emotion_average": emotion_average(scores), "emotion_spread": emotion_spread(scores), "ratings": len(scores)}


def add_reviews(*, session: Session, team_id: str, workshop_id: int, data: dict, stage_ids: list[int],
                person: Callable[[str], str]) -> None:
    """Add `reviews` and `previous` to a built map (`stage_ids`: its stages' ids, in its order), and show each
    stage's and pain point's latest review."""
    rows = storage.of_workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    data["reviews"], data["previous"] = [], None
    if not rows:
        return
    ids = [r.id for r in rows]
    rated: dict[tuple[int, int], list[ReviewRating]] = defaultdict(list)
    for r in storage.ratings(session=session, team_id=team_id, review_ids=ids):
        rated[(r.review_id, r.stage_id)].append(r)
    marked: dict[tuple[int, int], list[ReviewMark]] = defaultdict(list)
    for m in storage.marks(session=session, team_id=team_id, review_ids=ids):
        marked[(m.review_id, m.number)].append(m)
    data["reviews"] = [_review(row, rated, marked, person) for row in rows]

    closed = [r for r in rows if r.status == "closed"]
    # What the map shows now: each stage as last re-rated, each pain point as last answered about.
    for st, sid in zip(data["stages"], stage_ids, strict=True):
        latest = next((r for r in reversed(closed) if rated.get((r.id, sid))), None)
        if latest is not None:
            given = rated[(latest.id, sid)]
            figures = _stage_figures(given)
            st.update(emotion_average=figures["emotion_average"], emotion_spread=figures["emotion_spread"],
                      review=latest.number)
            st["emotions"] = [{"user": r.user_id, "user_name": person(r.user_id), "department": r.department,
                               "score": r.score, "note": None} for r in given]
    for st in data["stages"]:
        for p in st["pain_points"]:
            latest = next((r for r in reversed(closed) if marked.get((r.id, p.get("number")))), None)
            if latest is not None:
                counts = Counter(m.outcome for m in marked[(latest.id, p["number"])])
                outcome, tied = outcome_of(counts)
                p["review"] = {"review": latest.number, "outcome": outcome, "tied": list(tied),
                               "counts": {o: counts.get(o, 0) for o in OUTCOMES}}
    if closed:
        data["previous"] = _previous(closed[-1], data, marked)


def _review(row: Review, rated, marked, person) -> dict:
    snap = snapshot(row)
    stages = []
    for st in snap["stages"]:
        given = rated.get((row.id, st["id"]), [])
        stages.append({"name": st["name"], "position": st["position"], "before": st["emotion_average"],
                       **_stage_figures(given)})
    pains = []
    for p in snap["pain_points"]:
        counts = Counter(m.outcome for m in marked.get((row.id, p["number"]), []))
        outcome, tied = outcome_of(counts)
        pains.append({"number": p["number"], "text": p["text"], "stage": p["stage"], "outcome": outcome,
                      "tied": list(tied), "counts": {o: counts.get(o, 0) for o in OUTCOMES}})
    people = {r.user_id for (rid, _), given in rated.items() if rid == row.id for r in given} | {
        m.user_id for (rid, _), given in marked.items() if rid == row.id for m in given}
    return {"id": row.id, "number": row.number, "status": row.status, "opened_at": iso(row.opened_at),
            "opened_by": row.opened_by, "opened_by_name": person(row.opened_by), "closed_at": iso(row.closed_at),
            "closed_by": row.closed_by, "people": len(people), "snapshot": snap, "stages": stages,
            "pain_points": pains}


def _previous(row: Review, data: dict, marked) -> dict:
    """The map now against the snapshot the latest closed review started from."""
    snap = snapshot(row)
    then = {p["number"] for p in snap["pain_points"]}
    by_outcome: dict[str, list[dict]] = defaultdict(list)
    for p in snap["pain_points"]:
        outcome, _ = outcome_of(Counter(m.outcome for m in marked.get((row.id, p["number"]), [])))
        if outcome in OUTCOMES:
            by_outcome[outcome].append({"number": p["number"], "text": p["text"], "stage": p["stage"]})
    new = [{"number": p["number"], "text": p["text"], "stage": st["name"]}
           for st in data["stages"] for p in st["pain_points"] if p.get("number") not in then]
    done_then = {a["id"] for a in snap["action_items"] if a["status"] == "done"}
    done = [{"id": a["id"], "text": a["text"], "owner": a["owner"], "owner_name": a.get("owner_name")}
            for a in data["action_items"] if a["status"] == "done" and a["id"] not in done_then]
    return {"review": row.number, "date": snap["at"][:10], "at": snap["at"],
            "stages": [{"name": s["name"], "position": s["position"], "emotion_average": s["emotion_average"],
                        "emotion_spread": s["emotion_spread"]} for s in snap["stages"]],
            "resolved": by_outcome["resolved"], "still": by_outcome["still"], "worse": by_outcome["worse"],
            "new": sorted(new, key=lambda p: p["number"] or 0), "actions_done": done}
