"""Making pain points that say the same thing one, and splitting them again: by hand (`/journey merge 3 7 9`,
`/journey unmerge 7`) or before a vote (near-duplicates nobody has merged yet). A synthesis's merges are applied
by bot/synthesis/store.py. Rules only: they take a session, never talk to Slack, and refuse before changing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import text as t
from bot.journeymap import PainGroup, by_number, pain_groups
from bot.storage import pain_points, repo, syntheses
from bot.synthesis.basic import group_duplicates
from bot.workshop.access import Refusal, require_facilitator, require_latest


@dataclass(frozen=True)
class Merged:
    workshop_id: int
    number: int  # the merged pain point's number: its lowest
    statement: str
    numbers: tuple[int, ...]  # every pain point now part of it


def merge(*, session: Session, team_id: str, channel_id: str, user_id: str, numbers: tuple[int, ...],
          statement: str, now: datetime, source: str = "hand") -> Merged:
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="merge pain points")
    groups: dict[int, PainGroup] = {}
    for n in numbers:
        group = by_number(session=session, team_id=team_id, workshop_id=ws.id, number=n)
        if group is None:
            raise Refusal(f"There's no pain point #{n} in *{t.show(ws.title, 80)}* (the ballot, `/journey map` and "
                          "`/journey status` show their numbers). Nothing was merged.")
        groups[group.lead.id] = group
    if len(groups) < 2:
        raise Refusal(f"Those are already one pain point (#{next(iter(groups.values())).lead.number}). "
                      "Nothing was merged.")
    ordered = sorted(groups.values(), key=lambda g: g.lead.number or 0)
    statement = statement or ordered[0].text
    items = [i for g in ordered for i in g.members]
    pain_points.make_merge(session=session, team_id=team_id, workshop_id=ws.id, items=items, statement=statement,
                           source=source, by=user_id, now=now)
    return Merged(ws.id, ordered[0].lead.number or 0, statement, tuple(sorted(i.number or 0 for i in items)))


@dataclass(frozen=True)
class Split:
    workshop_id: int
    numbers: tuple[int, ...]  # the pain points that have their own place again


def unmerge(*, session: Session, team_id: str, channel_id: str, user_id: str, number: int) -> Split:
    """Undo the merge a pain point is part of: each of its variants gets its own place back."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="split merged pain points")
    group = by_number(session=session, team_id=team_id, workshop_id=ws.id, number=number)
    if group is None:
        raise Refusal(f"There's no pain point #{number} in *{t.show(ws.title, 80)}*. Nothing was changed.")
    if group.merge is None:
        raise Refusal(f"Pain point #{number} isn't merged with any other. Nothing was changed.")
    merge_row = group.merge
    if merge_row.synthesis_id is not None:  # the synthesis post shows this merge as undone, with "Merge again"
        row = syntheses.synthesis(session=session, team_id=team_id, synthesis_id=merge_row.synthesis_id)
        if row is not None and merge_row.cluster is not None:
            row.undone = json.dumps(sorted(set(json.loads(row.undone)) | {merge_row.cluster}))
            session.add(row)
    items = pain_points.dissolve(session=session, team_id=team_id, merge_id=merge_row.id)
    return Split(ws.id, tuple(sorted(i.number or 0 for i in items)))


@dataclass(frozen=True)
class Suggestion:
    numbers: tuple[int, ...]
    texts: tuple[str, ...]


def near_duplicates(*, session: Session, team_id: str, workshop_id: int) -> list[Suggestion]:
    """Pain points that read alike and nobody has merged: what a vote should offer to merge first, so votes on one
    problem don't split between its wordings (the basic synthesis's notion of alike)."""
    groups = pain_groups(repo.items(session=session, team_id=team_id, workshop_id=workshop_id),
                         pain_points.merges(session=session, team_id=team_id, workshop_id=workshop_id))
    alike = group_duplicates([g.text for g in groups])
    return [Suggestion(tuple(groups[i].lead.number or 0 for i in g), tuple(groups[i].text for i in g))
            for g in alike if len(g) > 1]
