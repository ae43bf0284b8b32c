"""Queries for a person's App Home: their pending validation tasks and the open workshops they take part in.
Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from bot.storage.models import Emotion, Facilitator, Reply, Step, ValidationTask, Workshop


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


def participants(*, session: Session, team_id: str, workshop_id: int) -> list[str]:
    """Whose Home tab shows this workshop: its facilitators and everyone who answered in it."""
    facilitated = session.exec(select(Facilitator.user_id).where(Facilitator.team_id == team_id,
                                                                 Facilitator.workshop_id == workshop_id))
    answered = session.exec(select(Reply.user_id).where(Reply.team_id == team_id, Reply.workshop_id == workshop_id)
                            .distinct())
    return sorted(set(facilitated) | set(answered))


def open_prompts(*, session: Session, team_id: str, workshop_ids: list[int]) -> list[Step]:
    """The open steps of these workshops whose prompt is in the channel (the current one, and reopened stages)."""
    if not workshop_ids:
        return []
    return list(session.exec(select(Step).where(
        Step.team_id == team_id, col(Step.workshop_id).in_(workshop_ids), col(Step.closed_at).is_(None),
        col(Step.prompt_ts).is_not(None)).order_by(Step.workshop_id, Step.position)))


def answered(*, session: Session, team_id: str, user_id: str, steps: list[Step]) -> set[int]:
    """Of these steps, those this person answered: a reply in the prompt's thread, or (a stage) a rating."""
    if not steps:
        return set()
    replied = set(session.exec(select(Reply.step_id).where(
        Reply.team_id == team_id, Reply.user_id == user_id, col(Reply.step_id).in_([s.id for s in steps]))))
    stage_ids = [s.stage_id for s in steps if s.stage_id is not None]
    rated = set(session.exec(select(Emotion.stage_id).where(
        Emotion.team_id == team_id, Emotion.user_id == user_id, col(Emotion.stage_id).in_(stage_ids)))) if stage_ids else set()
    return replied | {s.id for s in steps if s.stage_id in rated}


def answers_in_threads(*, session: Session, team_id: str,
                       keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """(person, channel, thread ts) → how many answers that person has in that prompt's thread."""
    if not keys:
        return {}
    counts = session.exec(select(Reply.user_id, Reply.channel_id, Reply.thread_ts, func.count()).where(
        Reply.team_id == team_id, tuple_(Reply.user_id, Reply.channel_id, Reply.thread_ts).in_(list(keys)))
        .group_by(Reply.user_id, Reply.channel_id, Reply.thread_ts))
    return {(user, channel, thread): n for user, channel, thread, n in counts}
