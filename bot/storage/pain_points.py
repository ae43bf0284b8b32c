"""Pain point numbers and merges. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

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
    """Give every pain point of the workshop that has no number yet the next ones, in the order they came; and
    every opportunity its own number (O1, O2, …): wherever items are added or change kind, both are numbered."""
    opportunities.number_new(session=session, team_id=team_id, workshop_id=workshop_id)
    waiting = list(session.exec(
        select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id,
                           Item.kind == ItemKind.PAIN_POINT, col(Item.number).is_(None)).order_by(Item.id)))
    if not waiting:
        return
    first = reserve_numbers(session=session, team_id=team_id, workshop_id=workshop_id, count=len(waiting))
    for n, item in enumerate(waiting):
        item.number = first + n
        session.add(item)
    session.flush()


def merges(*, session: Session, team_id: str, workshop_id: int) -> dict[int, PainMerge]:
    return {m.id: m for m in session.exec(
        select(PainMerge).where(PainMerge.team_id == team_id, PainMerge.workshop_id == workshop_id))}


def merge_of_cluster(*, session: Session, team_id: str, synthesis_id: int, cluster: int) -> PainMerge | None:
    return session.exec(select(PainMerge).where(PainMerge.team_id == team_id, PainMerge.synthesis_id == synthesis_id,
                                                PainMerge.cluster == cluster)).first()


def members(*, session: Session, team_id: str, merge_id: int) -> list[Item]:
    return list(session.exec(select(Item).where(Item.team_id == team_id, Item.merge_id == merge_id)
                             .order_by(Item.number, Item.id)))


def make_merge(*, session: Session, team_id: str, workshop_id: int, items: Iterable[Item], statement: str,
               source: str, by: str, now: datetime, synthesis_id: int | None = None,
               cluster: int | None = None) -> PainMerge:
    """One pain point of these (each leaves any merge it was in; a merge left with one member goes)."""
    items = list(items)
    merge = PainMerge(team_id=team_id, workshop_id=workshop_id, statement=statement, source=source,
                      synthesis_id=synthesis_id, cluster=cluster, created_by=by, created_at=now)
    session.add(merge)
    session.flush()
    left = {i.merge_id for i in items if i.merge_id is not None}
    for item in items:
        item.merge_id = merge.id
        session.add(item)
    session.flush()
    for old in left:
        _drop_if_alone(session, team_id, old)
    return merge


def dissolve(*, session: Session, team_id: str, merge_id: int) -> list[Item]:
    """Undo a merge: each member gets its own place back. Its former members."""
    items = members(session=session, team_id=team_id, merge_id=merge_id)
    for item in items:
        item.merge_id = None
        session.add(item)
    session.flush()
    merge = session.get(PainMerge, merge_id)
    if merge is not None and merge.team_id == team_id:
        session.delete(merge)
        session.flush()
    return items


def _drop_if_alone(session: Session, team_id: str, merge_id: int) -> None:
    if len(members(session=session, team_id=team_id, merge_id=merge_id)) < 2:
        dissolve(session=session, team_id=team_id, merge_id=merge_id)
