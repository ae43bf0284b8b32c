"""Queries on customer validation tasks. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.storage.models import ValidationTask


def validation_task(*, session: Session, team_id: str, task_id: int) -> ValidationTask | None:
    return session.exec(select(ValidationTask).where(ValidationTask.team_id == team_id,
                                                     ValidationTask.id == task_id)).first()


def of_workshop(*, session: Session, team_id: str, workshop_id: int) -> list[ValidationTask]:
    return list(session.exec(select(ValidationTask).where(ValidationTask.team_id == team_id,
                                                          ValidationTask.workshop_id == workshop_id)
                             .order_by(ValidationTask.id)))
