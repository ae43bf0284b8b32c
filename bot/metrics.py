"""Metrics per stage: any named figure (NPS, CSAT, conversion %, tickets per week) recorded for a stage of the
channel's map, with who and when. A figure belongs to the current period until a review's snapshot freezes it,
so each review keeps the figures of its period (history per snapshot); the map shows each stage's latest figure
of each name beside the one before the latest snapshot. Names are compared without case ("NPS" is "nps")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import text as t
from bot.storage import repo
from bot.storage import reviews as storage
from bot.storage.models import Metric, Stage
from bot.workshop.access import Refusal, require_latest

MAX_NAME = 40
# 32, -12, 4.1, 3.2%, 1,200 (a comma only between groups of three digits: "4,1" is refused, not read as 41)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$|^[+-]?\.\d+%?$")
EXAMPLE = "`/journey metric Awareness NPS 32` (or `/journey metric 2 Conversion % 3.2%`)"


class BadMetric(Refusal):
    """A metric that can't be recorded; `field` says which part was wrong (stage, name or value)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Recorded:
    stage: str
    name: str
    shown: str
    before: str | None  # the latest figure of this name for this stage before this one


def read_value(raw: str) -> float:
    """The figure as a number; BadMetric when it isn't one."""
    value = raw.strip()
    if not _NUMBER.match(value):
        hint = " Use a point for decimals (4.1)." if re.fullmatch(r"[+-]?\d+,\d{1,2}%?", value) else ""
        raise BadMetric("value", f"`{t.show(value, 40) or '(nothing)'}` isn't a number.{hint} Give the figure last, "
                                 f"e.g. {EXAMPLE}. Nothing was recorded.")
    return float(value.rstrip("%").replace(",", ""))


def check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise BadMetric("name", f"Name the figure, e.g. {EXAMPLE}. Nothing was recorded.")
    if len(name) > MAX_NAME:
        raise BadMetric("name", f"A metric's name is at most {MAX_NAME} characters; that one is {len(name)}. "
                                "Nothing was recorded.")
    if "<" in name or ">" in name:
        raise BadMetric("name", "A metric's name is plain words; mentions and links can't be names. "
                                "Nothing was recorded.")
    return name


def _listing(stages: list[Stage]) -> str:
    return ", ".join(f"{s.position + 1}. {t.show(s.name, 40)}" for s in stages) or "none yet"


def split_stage(stages: list[Stage], text: str) -> tuple[Stage, str]:
    """The stage `text` starts with (its number, or its name, the longest that fits, or the start of one name) and
    what follows it."""
    words = text.split()
    first = words[0] if words else ""
    if first.isdigit():
        found = next((s for s in stages if s.position + 1 == int(first)), None)
        if found is not None:
            return found, " ".join(words[1:])
    folded = " ".join(words).casefold()
    for s in sorted(stages, key=lambda s: -len(s.name)):
        name = " ".join(s.name.split()).casefold()
        if folded == name or folded.startswith(name + " "):
            return s, " ".join(words)[len(name):].strip()
    starting = [s for s in stages if first and s.name.casefold().startswith(first.casefold())]
    if len(starting) == 1:
        return starting[0], " ".join(words[1:])
    raise BadMetric("stage", f"There's no stage `{t.show(first, 40) or '(none)'}` in this map. The stages: "
                             f"{_listing(stages)}. Nothing was recorded.")


def record(*, session: Session, team_id: str, channel_id: str, user_id: str, text: str, now: datetime) -> Recorded:
    """`/journey metric <stage> <name> <value>`: the value is the last word, the stage comes first."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    if not stages:
        raise BadMetric("stage", "This map has no stages yet, so there's nothing to record a figure for.")
    words = text.split()
    if len(words) < 3 and not (len(words) == 2 and _NUMBER.match(words[-1])):
        raise BadMetric("value", f"Give the stage, the figure's name and its value, e.g. {EXAMPLE}.")
    value = read_value(words[-1])
    stage, name = split_stage(stages, " ".join(words[:-1]))
    return _store(session, ws.id, team_id, stage, check_name(name), value, words[-1], user_id, now)


def record_form(*, session: Session, team_id: str, workshop_id: int, user_id: str, stage_id: int | None, name: str,
                value: str, now: datetime) -> Recorded:
    """The metric form: each field checked on its own, so its error shows under it."""
    stage = repo.stage(session=session, team_id=team_id, stage_id=stage_id) if stage_id else None
    if stage is None or stage.workshop_id != workshop_id:
        raise BadMetric("stage", "Pick a stage.")
    checked = check_name(name)
    number = read_value(value)
    return _store(session, workshop_id, team_id, stage, checked, number, value.strip(), user_id, now)


def _store(session: Session, workshop_id: int, team_id: str, stage: Stage, name: str, value: float, shown: str,
           user_id: str, now: datetime) -> Recorded:
    earlier = [m for m in storage.metrics(session=session, team_id=team_id, workshop_id=workshop_id)
               if m.stage_id == stage.id and m.name.casefold() == name.casefold()]
    session.add(Metric(team_id=team_id, workshop_id=workshop_id, stage_id=stage.id, name=name, value=value,
                       shown=shown, recorded_by=user_id, recorded_at=now))
    return Recorded(stage=stage.name, name=name, shown=shown, before=earlier[-1].shown if earlier else None)


def workshop_for_form(*, session: Session, team_id: str, channel_id: str) -> tuple[int, list[tuple[int, str]]]:
    """The channel's map and its stages, for the metric form."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    if not stages:
        raise BadMetric("stage", "This map has no stages yet, so there's nothing to record a figure for.")
    return ws.id, [(s.id, s.name) for s in stages]


# --- In the map model -------------------------------------------------------------------------------------------


def add_metrics(*, session: Session, team_id: str, workshop_id: int, data: dict, stage_ids: list[int],
                person: Callable[[str], str]) -> None:
    """`metrics` (every figure, oldest first, with its period: the number of the review whose snapshot froze it,
    or None for the current period) and, per stage, `metrics`: each name's latest figure with the one before the
    latest snapshot that holds it (`previous`)."""
    rows = storage.metrics(session=session, team_id=team_id, workshop_id=workshop_id)
    numbers = {r["id"]: r["number"] for r in data.get("reviews", [])}  # (added to the map before the metrics)
    stage_name = {sid: st["name"] for sid, st in zip(stage_ids, data["stages"], strict=True)}

    def entry(m: Metric) -> dict:
        return {"id": m.id, "stage": stage_name.get(m.stage_id), "name": m.name, "value": m.value, "text": m.shown,
                "by": m.recorded_by, "by_name": person(m.recorded_by),
                "at": m.recorded_at.isoformat().replace("+00:00", "Z"),
                "period": numbers.get(m.review_id) if m.review_id is not None else None}

    data["metrics"] = [entry(m) for m in rows]
    for sid, st in zip(stage_ids, data["stages"], strict=True):
        by_name: dict[str, list[Metric]] = {}
        for m in rows:
            if m.stage_id == sid:
                by_name.setdefault(m.name.casefold(), []).append(m)
        shown = []
        for history in by_name.values():
            latest = history[-1]
            before = next((m for m in reversed(history) if m.review_id != latest.review_id), None)
            # (named as first written: "nps" recorded later is the same NPS)
            shown.append({**entry(latest), "name": history[0].name, "previous": entry(before) if before else None})
        st["metrics"] = shown
