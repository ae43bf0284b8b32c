"""Queries on action items and their history. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from bot.storage.models import ActionEvent, ActionItem, Workshop


def action_item(*, session: Session, team_id: str, action_id: int) -> ActionItem | None:
    return session.exec(select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.id == action_id)).first()


def of_workshop(*, session: Session, team_id: str, workshop_id: int) -> list[ActionItem]:
    return list(session.exec(select(ActionItem).where(ActionItem.team_id == team_id,
                                                      ActionItem.workshop_id == workshop_id).order_by(ActionItem.id)))


def of_workshops(*, session: Session, team_id: str, workshop_ids: Collection[int]) -> list[ActionItem]:
    return list(session.exec(select(ActionItem).where(ActionItem.team_id == team_id,
                                                      col(ActionItem.workshop_id).in_(list(workshop_ids) or [-1]))))


def owned(*, session: Session, team_id: str, owner: str, channels: Collection[str]) -> list[ActionItem]:
    """What a person owns in the workshops of these channels."""
    return list(session.exec(select(ActionItem).join(Workshop, Workshop.id == ActionItem.workshop_id).where(
        ActionItem.team_id == team_id, ActionItem.owner == owner, col(Workshop.channel_id).in_(list(channels)))))


def owners_channels(*, session: Session, team_id: str, owner: str) -> set[str]:
    """The channels whose workshops hold action items this person owns."""
    return set(session.exec(select(Workshop.channel_id).join(ActionItem, ActionItem.workshop_id == Workshop.id)
                            .where(ActionItem.team_id == team_id, ActionItem.owner == owner).distinct()))


def add_event(*, session: Session, action: ActionItem, by: str, change: str, at: datetime,
              detail: str | None = None) -> None:
    session.add(ActionEvent(team_id=action.team_id, action_item_id=action.id, at=at, by=by, change=change,
                            detail=detail))


def history(*, session: Session, team_id: str, action_id: int) -> list[ActionEvent]:
    return list(session.exec(select(ActionEvent).where(ActionEvent.team_id == team_id,
                                                       ActionEvent.action_item_id == action_id)
                             .order_by(ActionEvent.id)))


def histories(*, session: Session, team_id: str, action_ids: Collection[int]) -> dict[int, list[ActionEvent]]:
    """Each item's history, in one query."""
    out: dict[int, list[ActionEvent]] = {}
    if not action_ids:
        return out
    for e in session.exec(select(ActionEvent).where(ActionEvent.team_id == team_id,
                                                    col(ActionEvent.action_item_id).in_(list(action_ids)))
                          .order_by(ActionEvent.id)):
        out.setdefault(e.action_item_id, []).append(e)
    return out


def changes_since(*, session: Session, team_id: str, action_ids: Collection[int], since: datetime) -> list[str]:
    """What happened to these items after `since` (created, done, dropped, snoozed, reopened), one entry each."""
    if not action_ids:
        return []
    return list(session.exec(select(ActionEvent.change).where(
        ActionEvent.team_id == team_id, col(ActionEvent.action_item_id).in_(list(action_ids)), ActionEvent.at > since)))
