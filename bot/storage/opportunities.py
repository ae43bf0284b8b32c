"""Opportunity numbers (O1, O2, … per workshop) and ratings (value, effort, owner). Keyword-only, take the
session, and always filter by team_id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage.models import Item, ItemKind, OpportunityRating, Workshop


def reserve_numbers(*, session: Session, team_id: str, workshop_id: int, count: int) -> int:
    """Hand out `count` new opportunity numbers of a workshop; the first of them. The counter's row is locked
    until commit, so two processes numbering the same workshop at once get different numbers."""
    stmt = (update(Workshop).where(Workshop.team_id == team_id, Workshop.id == workshop_id)
            .values(opportunity_numbers=Workshop.opportunity_numbers + count)
            .returning(Workshop.opportunity_numbers))
    last = session.execute(stmt).scalar_one()
    return last - count + 1


def by_number(*, session: Session, team_id: str, workshop_id: int, number: int) -> Item | None:
    """The opportunity a number names (an item that has since become something else names none)."""
    return session.exec(select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id,
                                           Item.kind == ItemKind.OPPORTUNITY,
                                           Item.opportunity_number == number)).first()


def rating(*, session: Session, team_id: str, item_id: int) -> OpportunityRating | None:
    found = session.get(OpportunityRating, item_id)
    return found if found is not None and found.team_id == team_id else None


def ratings(*, session: Session, team_id: str, workshop_id: int) -> dict[int, OpportunityRating]:
    """A workshop's opportunity ratings by item id."""
    return {r.item_id: r for r in session.exec(select(OpportunityRating).where(
        OpportunityRating.team_id == team_id, OpportunityRating.workshop_id == workshop_id))}


def save_rating(*, session: Session, team_id: str, workshop_id: int, item_id: int, value: int | None,
                effort: int | None, owner: str | None, by: str, now: datetime) -> OpportunityRating:
    row = rating(session=session, team_id=team_id, item_id=item_id) or OpportunityRating(
        team_id=team_id, item_id=item_id, workshop_id=workshop_id, updated_by=by, updated_at=now)
    row.value, row.effort, row.owner, row.updated_by, row.updated_at = value, effort, owner, by, now
    session.add(row)
    session.flush()
    return row


def owners(*, session: Session, team_id: str, workshop_id: int) -> set[str]:
    """Who owns any of a workshop's opportunities (the map names them)."""
    return {o for o in session.exec(select(OpportunityRating.owner).where(
        OpportunityRating.team_id == team_id, OpportunityRating.workshop_id == workshop_id,
        col(OpportunityRating.owner).is_not(None)))}
