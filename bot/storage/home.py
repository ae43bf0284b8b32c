"""Queries for a person's App Home: their pending validation tasks and the open workshops they take part in.
Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.models import Facilitator, Reply, ValidationTask, Workshop


def pending_validations(*, session: Session, team_id: str, owner: str) -> list[ValidationTask]:
    return list(session.exec(select(ValidationTask).where(
        ValidationTask.team_id == team_id, ValidationTask.owner == owner, ValidationTask.status == "pending")
        .order_by(ValidationTask.due, ValidationTask.id)))


def open_workshops_of(*, session: Session, team_id: str, user_id: str) -> list[Workshop]:
    """Open workshops this person facilitates or has answered in, newest first."""
    facilitated = select(Facilitator.workshop_id).where(Facilitator.team_id == team_id, Facilitator.user_id == user_id)
    answered = select(Reply.workshop_id).where(Reply.team_id == team_id, Reply.user_id == user_id)
    return list(session.exec(select(Workshop).where(
        Workshop.team_id == team_id, Workshop.status == "open",
        col(Workshop.id).in_(facilitated) | col(Workshop.id).in_(answered)).order_by(col(Workshop.id).desc())))


def channels_of(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """Every channel whose workshops could show on this person's Home (to ask Slack which they may see)."""
    workshops = open_workshops_of(session=session, team_id=team_id, user_id=user_id)
    tasks = pending_validations(session=session, team_id=team_id, owner=user_id)
    task_channels = set(session.exec(select(Workshop.channel_id).where(
        Workshop.team_id == team_id, col(Workshop.id).in_([t.workshop_id for t in tasks] or [-1]))))
    return {w.channel_id for w in workshops} | task_channels
