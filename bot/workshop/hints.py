"""A message at the channel's top level during a workshop isn't an answer: its author is told, privately and once
per step, where answers go."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.storage import repo
from bot.workshop.status import step_label


def thread_hint(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> str | None:
    """A message at the channel's top level during a workshop isn't an answer: the label of the open prompt to
    point its author at, the first time for this person and step (stored: once, across redeliveries and
    restarts); None otherwise."""
    ws = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    step = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id) if ws else None
    if step is None or not step.prompt_ts:
        return None
    if not repo.claim_thread_hint(session=session, team_id=team_id, step_id=step.id, user_id=user_id, now=now):
        return None
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    return step_label(step, next((s for s in stages if s.id == step.stage_id), None), len(stages))
