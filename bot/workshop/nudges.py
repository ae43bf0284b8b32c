"""The workshop's reminders: a private nudge for whoever hasn't answered the open step (now, or after a delay
once per step), and a review of the map after it closes. What each says is in bot/blocks/reminders.py; how they
are delivered, in bot/reminders/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.dates import is_working_day, next_working_day
from bot.reminders import schedule
from bot.storage import repo, reviews
from bot.storage.models import ReminderKind, Workshop
from bot.workshop.access import Refusal, require_facilitator, require_open
from bot.workshop.status import step_label


def set_nudge_delay(*, session: Session, team_id: str, channel_id: str, user_id: str, minutes: int | None) -> Workshop:
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="set nudges")
    ws.nudge_after_minutes = minutes
    session.add(ws)
    return ws


def answered_step(*, session: Session, team_id: str, step_id: int, user_id: str) -> bool:
    step = repo.step(session=session, team_id=team_id, step_id=step_id)
    if step is None:
        return True
    if any(r.user_id == user_id for r in repo.replies_of_step(session=session, team_id=team_id, step_id=step_id)):
        return True
    return step.stage_id is not None and repo.emotion(session=session, team_id=team_id, stage_id=step.stage_id,
                                                      user_id=user_id) is not None


def plan_step_nudges(*, session: Session, team_id: str, channel_id: str, members: list[str], now: datetime,
                     zone_of=None) -> int:
    """When a step opens in a workshop with a nudge delay: one nudge per channel member, due after the delay.
    Whoever has answered by then is skipped when the nudge falls due."""
    ws = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None or not ws.nudge_after_minutes:
        return 0
    step = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    if step is None:
        return 0
    due = max(now, step.opened_at + timedelta(minutes=ws.nudge_after_minutes))
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    n = 0
    for user in members:
        if user not in facilitators:  # never at night in the person's own time zone
            at = schedule.not_at_night(due, zone_of(user)) if zone_of else due
            schedule.add(session=session, team_id=team_id, workshop_id=ws.id, kind=ReminderKind.NUDGE,
                          subject_id=step.id, recipient=user, due_at=at, now=now)
            n += 1
    return n


@dataclass(frozen=True)
class Nudged:
    """`/journey nudge`: how many get a nudge now, and how many in their morning (it's night where they are)."""

    now: int
    in_their_morning: int

    def __eq__(self, other: object) -> bool:  # compares with a count: everyone nudged, now or later
        return self.now + self.in_their_morning == other if isinstance(other, int) else super().__eq__(other)

    __hash__ = object.__hash__


def nudge_now(*, session: Session, team_id: str, channel_id: str, user_id: str, members: list[str],
              now: datetime, zone_of=None) -> Nudged:
    """`/journey nudge`: a nudge now for each member who hasn't answered the open step and wasn't nudged for it
    (where it's night, in their morning)."""
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="nudge people")
    step = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    if step is None or step.prompt_ts is None:
        raise Refusal("There's no open prompt to nudge people about yet.")
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    # Nudged already (or about to be): each person is nudged once per step.
    already = schedule.recipients(session=session, team_id=team_id, kind=ReminderKind.NUDGE, subject_id=step.id,
                                  statuses=("sent", "claimed"))
    # The delayed nudges of this step are replaced by these (each person is nudged once per step).
    cancel_step_nudges(session=session, team_id=team_id, step_id=step.id)
    soon = later = 0
    for user in members:
        if user in facilitators or user in already or answered_step(session=session, team_id=team_id,
                                                                     step_id=step.id, user_id=user):
            continue
        at = schedule.not_at_night(now, zone_of(user)) if zone_of else now  # at night: in their morning
        schedule.add(session=session, team_id=team_id, workshop_id=ws.id, kind=ReminderKind.NUDGE,
                      subject_id=step.id, recipient=user, due_at=at, now=now)
        if at > now:
            later += 1
        else:
            soon += 1
    return Nudged(now=soon, in_their_morning=later)


def cancel_step_nudges(*, session: Session, team_id: str, step_id: int) -> None:
    schedule.cancel_pending(session=session, team_id=team_id, kinds=[ReminderKind.NUDGE], subject_id=step_id)


@dataclass(frozen=True)
class NudgeView:
    """A nudge as it is sent: which workshop is on which step. It names nobody else."""

    title: str
    channel_id: str
    step: str


def nudge_due(*, session: Session, team_id: str, workshop_id: int | None, step_id: int,
              user_id: str) -> NudgeView | None:
    """What a nudge says when it falls due; None when there's nothing to say any more (the person has answered,
    or the step or the workshop has closed)."""
    step = repo.step(session=session, team_id=team_id, step_id=step_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id) if workshop_id else None
    if step is None or ws is None or step.closed_at is not None or ws.status != "open":
        return None
    if answered_step(session=session, team_id=team_id, step_id=step.id, user_id=user_id):
        return None
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    label = step_label(step, next((s for s in stages if s.id == step.stage_id), None), len(stages))
    return NudgeView(title=ws.title, channel_id=ws.channel_id, step=label)


# --- Map reviews -------------------------------------------------------------------------------------------


def plan_map_reviews(*, session: Session, ws: Workshop, zone_of=None, now: datetime) -> None:
    """After closing: remind the facilitators to check the map against reality (default: each quarter), at 9:00
    on a working day in each one's time zone (UTC when unknown)."""
    for user in repo.facilitators(session=session, team_id=ws.team_id, workshop_id=ws.id):
        tz = zone_of(user) if zone_of else schedule.zone("UTC")
        day = (now + timedelta(days=ws.review_after_days)).astimezone(tz).date()
        if not is_working_day(day):
            day = next_working_day(day)
        schedule.add(session=session, team_id=ws.team_id, workshop_id=ws.id, kind=ReminderKind.MAP_REVIEW,
                      subject_id=ws.id, recipient=user, due_at=schedule.morning_of(day, tz), now=now)


@dataclass(frozen=True)
class ReviewView:
    workshop_id: int
    title: str
    channel_id: str
    days: int  # since it closed, or since its last review
    reminder_id: int | None = None  # its button opens the review, once
    reviewed: int = 0  # reviews held so far


def review_due(*, session: Session, team_id: str, workshop_id: int | None,
               reminder_id: int | None = None) -> ReviewView | None:
    """What a review reminder says; None while a review of the map is under way (nothing to remind of)."""
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id) if workshop_id else None
    if ws is None or reviews.open_review(session=session, team_id=team_id, workshop_id=ws.id) is not None:
        return None
    held = reviews.of_workshop(session=session, team_id=team_id, workshop_id=ws.id)
    return ReviewView(workshop_id=ws.id, title=ws.title, channel_id=ws.channel_id, days=ws.review_after_days,
                      reminder_id=reminder_id, reviewed=len(held))
