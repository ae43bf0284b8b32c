"""Counting a workshop's answers: per person and department, and its emotion ratings' average and spread. Shared
by the status, the map model and the digest."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from bot.storage import repo
from bot.storage.models import Workshop


def emotion_average(scores: list[int]) -> float | None:
    return round(statistics.fmean(scores), 2) if scores else None


def emotion_spread(scores: list[int]) -> float | None:
    """How far people's ratings of a stage are apart: the population standard deviation (0 when they agree)."""
    return round(statistics.pstdev(scores), 2) if scores else None


@dataclass(frozen=True)
class Tally:
    """Every answer of a workshop (items and ratings), counted."""

    per_user: Counter  # answers per person, in the order they first answered
    per_department: Counter  # answers per department at the time (None: no department)
    contributors: list[tuple[str, str | None, int]]  # (user, department now, answers), most answers first


def tally(*, session: Session, ws: Workshop, answers: list[tuple[str, str | None]] | None = None) -> Tally:
    """A person's department is their current one, else the latest they answered with. `answers`: the (person,
    department) of every item then every rating, when the caller has them loaded already (else two column
    queries read them)."""
    per_user: Counter = Counter()
    dept_of: dict[str, str | None] = {}
    per_dept: Counter = Counter()
    rows = answers if answers is not None else repo.answers(session=session, team_id=ws.team_id, workshop_id=ws.id)
    for user, dept in rows:
        per_user[user] += 1
        dept_of[user] = dept or dept_of.get(user)
        per_dept[dept] += 1
    now = repo.profiles(session=session, team_id=ws.team_id, user_ids=list(per_user))
    contributors = [(u, (now[u].department if u in now else None) or dept_of.get(u), n)
                    for u, n in per_user.most_common()]
    return Tally(per_user, per_dept, contributors)
