"""A person's App Home: their own work, read in one place so every refresh shows the same thing. Open action items
(with the same Done / Snooze / Drop rules as anywhere: bot/followups.py), pending validation tasks, the open
workshops they take part in with the current step, and their digest subscription."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot import followups
from bot.storage import home as store
from bot.storage import repo
from bot.storage.models import ActionStatus
from bot.storage.subscriptions import subscription
from bot.workshop.status import step_label


@dataclass(frozen=True)
class WorkshopLine:
    id: int
    title: str
    channel_id: str
    step: str | None  # the current step, None once the stage walk is over
    facilitator: bool


@dataclass(frozen=True)
class HomeView:
    user_id: str
    actions: list[followups.ActionView]
    validations: list[followups.ValidationView]
    workshops: list[WorkshopLine]
    digest: tuple[str, list[str]] | None  # (frequency, followed channels; empty: every workshop)


def channels(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The conversations whose workshops this Home could show (Slack says which the person may see, before)."""
    return (store.channels_of(session=session, team_id=team_id, user_id=user_id)
            | followups.owned_in_channels(session=session, team_id=team_id, user_id=user_id))


def home_view(*, session: Session, team_id: str, user_id: str, today: date, visible: Collection[str]) -> HomeView:
    visible = set(visible)
    actions = [a for a in followups.list_actions(session=session, team_id=team_id, channel_id="", user_id=user_id,
                                                 scope="mine", today=today, visible=visible)
               if a.status == ActionStatus.OPEN]
    tasks = store.pending_validations(session=session, team_id=team_id, owner=user_id)
    in_visible = {w.id for w in repo.workshops_by_id(session=session, team_id=team_id,
                                                     ids={t.workshop_id for t in tasks}).values()
                  if w.channel_id in visible}
    validations = [followups.validation_view(session=session, task=t) for t in tasks if t.workshop_id in in_visible]
    workshops = []
    for w in store.open_workshops_of(session=session, team_id=team_id, user_id=user_id):
        if w.channel_id not in visible:
            continue
        step = repo.current_step(session=session, team_id=team_id, workshop_id=w.id)
        stages = repo.stages(session=session, team_id=team_id, workshop_id=w.id)
        stage = next((s for s in stages if step is not None and s.id == step.stage_id), None)
        workshops.append(WorkshopLine(w.id, w.title, w.channel_id,
                                      step_label(step, stage, len(stages)) if step is not None else None,
                                      user_id in repo.facilitators(session=session, team_id=team_id, workshop_id=w.id)))
    sub = subscription(session=session, team_id=team_id, user_id=user_id)
    digest = (sub.frequency, json.loads(sub.channels or "[]")) if sub else None
    return HomeView(user_id, actions, validations, workshops, digest)
