"""A person's App Home: their own work, read in one place so every refresh shows the same thing. Open action items
(with the same Done / Snooze / Drop rules as anywhere: bot/followups.py), pending validation tasks, the open
workshops they take part in (facilitate or answered in) with the current step and a link to its prompt, the open
prompts of those workshops they haven't answered yet, and their digest subscription. The prompts' links are the
permalinks kept with them when they were posted (bot/handlers/outbox.py), so a publish doesn't ask Slack."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
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
    prompt_link: str | None = None  # the current step's prompt in the channel


@dataclass(frozen=True)
class PromptLine:
    """An open prompt of one of the person's workshops that they haven't answered yet."""

    workshop_title: str
    channel_id: str
    step: str
    link: str | None


@dataclass(frozen=True)
class HomeView:
    user_id: str
    actions: list[followups.ActionView]
    validations: list[followups.ValidationView]
    workshops: list[WorkshopLine]
    digest: tuple[str, list[str]] | None  # (frequency, followed channels; empty: every workshop)
    prompts: list[PromptLine] = field(default_factory=list)


def channels(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The conversations whose workshops this Home could show (Slack says which the person may see, before)."""
    return (store.channels_of(session=session, team_id=team_id, user_id=user_id)
            | followups.owned_in_channels(session=session, team_id=team_id, user_id=user_id))


def _open_workshops(session: Session, team_id: str, user_id: str, visible: set[str]):
    return [w for w in store.open_workshops_of(session=session, team_id=team_id, user_id=user_id)
            if w.channel_id in visible]


def prompts_without_links(*, session: Session, team_id: str, user_id: str,
                          visible: Collection[str]) -> list[tuple[int, str, str]]:
    """(step id, channel, prompt ts) of the open prompts this Home would link to whose permalink isn't kept yet
    (posted before links were kept, or Slack didn't say then): asked once, then kept."""
    workshops = _open_workshops(session, team_id, user_id, set(visible))
    return [(st.id, st.channel_id, st.prompt_ts)
            for st in store.open_prompts(session=session, team_id=team_id, workshop_ids=[w.id for w in workshops])
            if not st.prompt_permalink]


def home_view(*, session: Session, team_id: str, user_id: str, today: date, visible: Collection[str],
              links: dict[int, str] | None = None) -> HomeView:
    """`links`: permalinks just asked for prompts that had none kept (step id → link)."""
    visible = set(visible)
    links = links or {}
    actions = [a for a in followups.list_actions(session=session, team_id=team_id, channel_id="", user_id=user_id,
                                                 scope="mine", today=today, visible=visible)
               if a.status == ActionStatus.OPEN]
    tasks = store.pending_validations(session=session, team_id=team_id, owner=user_id)
    in_visible = {w.id for w in repo.workshops_by_id(session=session, team_id=team_id,
                                                     ids={t.workshop_id for t in tasks}).values()
                  if w.channel_id in visible}
    validations = [followups.validation_view(session=session, task=t) for t in tasks if t.workshop_id in in_visible]
    mine = _open_workshops(session, team_id, user_id, visible)
    open_steps = store.open_prompts(session=session, team_id=team_id, workshop_ids=[w.id for w in mine])
    answered = store.answered(session=session, team_id=team_id, user_id=user_id, steps=open_steps)
    workshops, prompts = [], []
    for w in mine:
        step = repo.current_step(session=session, team_id=team_id, workshop_id=w.id)
        stages = repo.stages(session=session, team_id=team_id, workshop_id=w.id)
        by_id = {s.id: s for s in stages}

        def label(st) -> str:
            return step_label(st, by_id.get(st.stage_id), len(stages))  # noqa: B023 (used within the loop)

        workshops.append(WorkshopLine(
            w.id, w.title, w.channel_id, label(step) if step is not None else None,
            user_id in repo.facilitators(session=session, team_id=team_id, workshop_id=w.id),
            (step.prompt_permalink or links.get(step.id)) if step is not None and step.prompt_ts else None))
        prompts += [PromptLine(w.title, w.channel_id, label(st), st.prompt_permalink or links.get(st.id))
                    for st in open_steps if st.workshop_id == w.id and st.id not in answered]
    sub = subscription(session=session, team_id=team_id, user_id=user_id)
    digest = (sub.frequency, json.loads(sub.channels or "[]")) if sub else None
    return HomeView(user_id, actions, validations, workshops, digest, prompts)
