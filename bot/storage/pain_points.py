"""Pain point numbers and merges. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage import opportunities
from bot.storage.models import Item, ItemKind, PainMerge, Workshop


def reserve_numbers(*, session: Session, team_id: str, workshop_id: int, count: int) -> int:
    """Hand out `count` new pain point numbers of a workshop; the first of them. The counter's row is locked
    until commit, so two processes numbering the same workshop at once get different numbers."""
    stmt = (update(Workshop).where(Workshop.team_id == team_id, Workshop.id == workshop_id)
            .values(pain_numbers=Workshop.pain_numbers + count).returning(Workshop.pain_numbers))
    last = session.execute(stmt).scalar_one()
    return last - count + 1


def number_new(*, session: Session, team_id: str, workshop_id: int) -> None:
    """Give every pain point (#1, #2, …) and every opportunity (O1, O2, …) of the workshop that has no number yet
    the next ones of its own counter, in the order they came: wherever items are added or change kind."""
    session.flush()
    for kind, column, reserve in _NUMBERED:
        waiting = list(session.exec(
            select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id, Item.kind == kind,
                               col(getattr(Item, column)).is_(None)).order_by(Item.id)))
        if not waiting:
            continue
        first = reserve(session=session, team_id=team_id, workshop_id=workshop_id, count=len(waiting))
        for n, item in enumerate(waiting):
            setattr(item, column, first + n)
            session.add(item)
    session.flush()


def number_rows(*, session: Session, rows: list[dict]) -> None:
    """Number the new pain points (#1, #2, …) and opportunities (O1, O2, …) among item rows about to be inserted
    together, workshop by workshop, in their order."""
    for kind, column, reserve in _NUMBERED:
        by_workshop: dict[tuple[str, int], list[dict]] = {}
        for row in rows:
            if row["kind"] == kind:
                by_workshop.setdefault((row["team_id"], row["workshop_id"]), []).append(row)
        for (team_id, workshop_id), given in by_workshop.items():
            first = reserve(session=session, team_id=team_id, workshop_id=workshop_id, count=len(given))
            for n, row in enumerate(given):
                row[column] = first + n
        for row in rows:
            row.setdefault(column, None)  # one INSERT for all rows: every row names the same columns


# What is numbered, in which column, from which of the workshop's counters.
_NUMBERED = ((ItemKind.PAIN_POINT, "number", reserve_numbers),
             (ItemKind.OPPORTUNITY, "opportunity_number", opportunities.reserve_numbers))


def merges(*, session: Session, team_id: str, workshop_id: int) -> dict[int, PainMerge]:
    """The workshop's merges in force (not those waiting, superseded by a later merge that took their members)."""
    return {m.id: m for m in session.exec(
        select(PainMerge).where(PainMerge.team_id == team_id, PainMerge.workshop_id == workshop_id,
                                col(PainMerge.superseded_by).is_(None)))}


def merge_of_cluster(*, session: Session, team_id: str, synthesis_id: int, cluster: int) -> PainMerge | None:
    return session.exec(select(PainMerge).where(PainMerge.team_id == team_id, PainMerge.synthesis_id == synthesis_id,
                                                PainMerge.cluster == cluster,
                                                col(PainMerge.superseded_by).is_(None))).first()


def members(*, session: Session, team_id: str, merge_id: int) -> list[Item]:
    return list(session.exec(select(Item).where(Item.team_id == team_id, Item.merge_id == merge_id)
                             .order_by(Item.number, Item.id)))


def make_merge(*, session: Session, team_id: str, workshop_id: int, items: Iterable[Item], statement: str,
               source: str, by: str, now: datetime, synthesis_id: int | None = None,
               cluster: int | None = None) -> PainMerge:
    """One pain point of these. Each leaves any merge it was in; such a merge is remembered by the new one (see
    PainMerge.absorbed) and, if it is left with one member, waits superseded until the new one is undone."""
    items = list(items)
    merge = PainMerge(team_id=team_id, workshop_id=workshop_id, statement=statement, source=source,
                      synthesis_id=synthesis_id, cluster=cluster, created_by=by, created_at=now)
    session.add(merge)
    session.flush()
    left = sorted({i.merge_id for i in items if i.merge_id is not None})
    absorbed = {old: [i.id for i in members(session=session, team_id=team_id, merge_id=old)] for old in left}
    for item in items:
        item.merge_id = merge.id
        session.add(item)
    merge.absorbed = json.dumps(absorbed)
    session.add(merge)
    session.flush()
    for old in left:
        rest = members(session=session, team_id=team_id, merge_id=old)
        if len(rest) < 2:  # nothing left to merge: it waits for the new merge to be undone
            for item in rest:
                item.merge_id = None
                session.add(item)
            row = session.get(PainMerge, old)
            row.superseded_by = merge.id
            session.add(row)
    session.flush()
    return merge


def dissolve(*, session: Session, team_id: str, merge_id: int) -> list[Item]:
    """Undo a merge: each member gets its own place back, or its place in the merge it was part of before this
    one took it (where that merge has two members or more again). Its former members."""
    merge = session.get(PainMerge, merge_id)
    if merge is None or merge.team_id != team_id:
        return []
    items = members(session=session, team_id=team_id, merge_id=merge_id)
    for item in items:
        item.merge_id = None
        session.add(item)
    session.flush()
    mine = {i.id: i for i in items}
    for old_id, former in sorted(json.loads(merge.absorbed or "{}").items()):
        old = session.get(PainMerge, int(old_id))
        if old is None or old.team_id != team_id:
            continue
        staying = members(session=session, team_id=team_id, merge_id=old.id)
        back = [mine[i] for i in former if i in mine and mine[i].merge_id is None]
        if old.superseded_by == merge.id:  # its lone member, if no other merge has taken it meanwhile
            back += [i for i in session.exec(select(Item).where(Item.team_id == team_id, col(Item.id).in_(former),
                                                                 col(Item.merge_id).is_(None))) if i.id not in mine]
        if len(staying) + len(back) >= 2:
            for item in back:
                item.merge_id = old.id
                session.add(item)
            old.superseded_by = None
            session.add(old)
        elif old.superseded_by == merge.id:
            session.delete(old)
        session.flush()
    session.delete(merge)
    session.flush()
    return items
