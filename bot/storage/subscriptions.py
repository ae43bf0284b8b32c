"""Queries on digest subscriptions and the workshops a digest covers. Keyword-only, take the session, and always
filter by team_id."""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from bot.storage.models import ActionItem, DigestSubscription, ValidationTask, Workshop


def subscription(*, session: Session, team_id: str, user_id: str) -> DigestSubscription | None:
    return session.get(DigestSubscription, (team_id, user_id))


def covered_workshops(*, session: Session, team_id: str, user_id: str,
                      visible: Collection[str] | None = None) -> list[Workshop]:
    """The workshops a person's digest is about: those with action items or validation tasks, in the channels they
    follow (every channel when they follow none), newest first; of those, only the `visible` channels' if given."""
    sub = subscription(session=session, team_id=team_id, user_id=user_id)
    channels = json.loads(sub.channels) if sub else []
    has_followups = or_(
        exists().where(ActionItem.team_id == team_id, ActionItem.workshop_id == Workshop.id),
        exists().where(ValidationTask.team_id == team_id, ValidationTask.workshop_id == Workshop.id),
    )
    query = select(Workshop).where(Workshop.team_id == team_id, has_followups)
    if channels:
        query = query.where(col(Workshop.channel_id).in_(channels))
    if visible is not None:
        query = query.where(col(Workshop.channel_id).in_(list(visible)))
    return list(session.exec(query.order_by(Workshop.id.desc())))
