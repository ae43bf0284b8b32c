"""Queries for messages filed into maps ("Add to journey map"). Keyword-only, take the session, and always filter
by team_id."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.models import Evidence, Facilitator, Item, ItemKind, Reply, Step, StepKind, Workshop


def add(*, session: Session, row: Evidence) -> Evidence:
    session.add(row)
    session.flush()
    return row


def of_workshop(*, session: Session, team_id: str, workshop_id: int) -> list:
    """A workshop's filed messages as read-only rows, oldest first (what a map reads)."""
    return list(session.execute(select(*Evidence.__table__.columns)
                                .where(Evidence.team_id == team_id, Evidence.workshop_id == workshop_id)
                                .order_by(Evidence.id)))


def filed_before(*, session: Session, team_id: str, workshop_id: int, channel_id: str, ts: str, kind: str,
                 item_id: int | None, stage_id: int) -> bool:
    """Whether this very message was filed into this workshop already, the same way (as evidence or a quote for
    the same pain point, or for the same stage; as an item of the same kind)."""
    query = select(Evidence.id).where(
        Evidence.team_id == team_id, Evidence.workshop_id == workshop_id, Evidence.source_channel == channel_id,
        Evidence.source_ts == ts, Evidence.kind == kind)
    if kind in ("evidence", "quote"):
        query = query.where(Evidence.item_id == item_id) if item_id is not None else query.where(
            col(Evidence.item_id).is_(None), Evidence.stage_id == stage_id)
    return session.exec(query.limit(1)).first() is not None


def workshops_of(*, session: Session, team_id: str, user_id: str, limit: int) -> list[Workshop]:
    """The workshops a person takes part in (facilitates, answered in, or filed messages into): open ones first,
    newest first."""
    facilitated = select(Facilitator.workshop_id).where(Facilitator.team_id == team_id, Facilitator.user_id == user_id)
    answered = select(Reply.workshop_id).where(Reply.team_id == team_id, Reply.user_id == user_id)
    filed = select(Evidence.workshop_id).where(Evidence.team_id == team_id, Evidence.filed_by == user_id)
    return list(session.exec(select(Workshop).where(
        Workshop.team_id == team_id,
        col(Workshop.id).in_(facilitated) | col(Workshop.id).in_(answered) | col(Workshop.id).in_(filed))
        .order_by((col(Workshop.status) == "open").desc(), col(Workshop.id).desc()).limit(limit)))


def walk_started(*, session: Session, team_id: str, workshop_ids: list[int]) -> set[int]:
    """Of these workshops, those whose stage walk has started (their stages can no longer be replaced)."""
    if not workshop_ids:
        return set()
    return set(session.exec(select(Step.workshop_id).distinct().where(
        Step.team_id == team_id, col(Step.workshop_id).in_(workshop_ids), Step.kind == StepKind.STAGE)))


def stage_step(*, session: Session, team_id: str, stage_id: int) -> int | None:
    """The stage-walk step of a stage (its prompt), if it has one."""
    return session.exec(select(Step.id).where(Step.team_id == team_id, Step.stage_id == stage_id)
                        .order_by(Step.id).limit(1)).first()


def pain_items(*, session: Session, team_id: str, workshop_id: int) -> list[Item]:
    """A workshop's pain points (the items alone, without the rest of its map)."""
    return list(session.exec(select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id,
                                                Item.kind == ItemKind.PAIN_POINT).order_by(Item.id)))


def pain_by_number(*, session: Session, team_id: str, workshop_id: int, number: int) -> Item | None:
    return session.exec(select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id,
                                           Item.kind == ItemKind.PAIN_POINT, Item.number == number)).first()
