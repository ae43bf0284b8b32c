"""Every kind of reminder, declared once: the rule that plans it, what it is about when it falls due, the builder
in bot/blocks/reminders.py that renders it, and what follows once it is sent. `make_dispatcher` hands these to
the dispatcher, which knows nothing of any kind.

Adding a kind: a value in `ReminderKind` (storage/models.py), a rule that calls `schedule.add` for it, a `due_*`
function that reads what it says (None when there is nothing left to say), a builder, and a `Kind` below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import digests, followups
from bot.blocks import reminders as blocks
from bot.blocks.reminders import Entry, RelayView, build_reminders
from bot.reminders import schedule
from bot.reminders.dispatcher import LATE_AFTER, Claimed, Dispatcher
from bot.services import Services
from bot.storage import repo
from bot.storage.models import ReminderKind
from bot.workshop import nudges

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A reminder being rendered, in the transaction that fences it."""

    session: Session
    reminder: Claimed
    now: datetime
    today: date  # in the recipient's time zone
    tz: ZoneInfo
    looked_up: object = None  # what the kind's `look_up` found in Slack before the transaction


@dataclass(frozen=True)
class Kind:
    name: ReminderKind
    planned_by: Callable[..., object]  # the rule that puts rows of this kind on the schedule
    subject: Callable[[Due], object | None]  # what it is about now; None: nothing left to say, it is not sent
    build: Entry  # its entry in the DM
    after_sent: Callable[[Due], None] | None = None  # in the transaction that marks it sent
    if_nothing: Callable[[Due], None] | None = None  # when `subject` is None (a digest plans the next one anyway)
    says_late: bool = True  # a reminder sent well after it fell due says so (the bot was offline)
    look_up: Callable[[Services, Claimed], object] | None = None  # Slack look-ups, before the transaction opens


def _action(d: Due):
    return followups.due_action(session=d.session, team_id=d.reminder.team_id, action_id=d.reminder.subject_id,
                                today=d.today)


def _digest_channels(svc: Services, c: Claimed) -> frozenset[str]:
    """The channels whose workshops the recipient may see: their digest covers only those."""
    with svc.session() as s:
        channels = digests.covered_channels(session=s, team_id=c.team_id, user_id=c.recipient)
    return svc.directory.visible(channels, c.recipient)


def _relayed(d: Due) -> RelayView | None:
    """A reminder Slack wouldn't deliver, as it would read now, for the facilitator to pass on. Nothing when
    there is nothing left to say (the item was done meanwhile), or for a digest (what it shows depends on what
    its reader may see)."""
    original = schedule.reminder(session=d.session, team_id=d.reminder.team_id, reminder_id=d.reminder.subject_id)
    kind = KINDS.get(original.kind) if original is not None else None
    if kind is None or kind.look_up is not None or kind.name == ReminderKind.RELAYED:
        return None
    c = Claimed(original.id, original.team_id, original.workshop_id, original.kind, original.subject_id,
                original.recipient, original.due_at, token="", look_first=False)
    subject = kind.subject(Due(d.session, c, d.now, d.today, d.tz))
    if subject is None:
        return None
    return RelayView(original.recipient, original.last_error or "", kind.build(subject, d.today, False))


def relay_undeliverable(session: Session, c: Claimed, error: str, now: datetime) -> None:
    """In the transaction that marks `c` undeliverable: a reminder to each of its workshop's facilitators (other
    than its recipient) with what it says, so that it reaches someone, once, like any reminder. A digest has no
    workshop; a relay that can't be delivered is not relayed again (the log says so)."""
    if c.workshop_id is None or c.kind == ReminderKind.RELAYED:
        log.error("reminder %s (%s) to %s can't be delivered (%s) and has no one to relay it", c.id, c.kind,
                  c.recipient, error)
        return
    for user in repo.facilitators(session=session, team_id=c.team_id, workshop_id=c.workshop_id):
        if user != c.recipient:
            schedule.add(session=session, team_id=c.team_id, workshop_id=c.workshop_id, kind=ReminderKind.RELAYED,
                         subject_id=c.id, recipient=user, due_at=now, now=now)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind(ReminderKind.ACTION_DUE_SOON, planned_by=followups.plan_reminders, subject=_action,
         build=blocks.action_due_soon),
    Kind(ReminderKind.ACTION_OVERDUE, planned_by=followups.plan_reminders, subject=_action,
         build=blocks.action_overdue,
         after_sent=lambda d: followups.overdue_reminder_sent(session=d.session, team_id=d.reminder.team_id,
                                                              action_id=d.reminder.subject_id, tz=d.tz,
                                                              sent_at=d.now)),
    Kind(ReminderKind.VALIDATION_DUE, planned_by=followups.create_validation_tasks, build=blocks.validation_due,
         subject=lambda d: followups.due_validation(session=d.session, team_id=d.reminder.team_id,
                                                    task_id=d.reminder.subject_id)),
    Kind(ReminderKind.NUDGE, planned_by=nudges.nudge_now, build=blocks.nudge, says_late=False,
         subject=lambda d: nudges.nudge_due(session=d.session, team_id=d.reminder.team_id,
                                            workshop_id=d.reminder.workshop_id, step_id=d.reminder.subject_id,
                                            user_id=d.reminder.recipient)),
    # Also planned again, 90 days on, when a review of the map closes (bot/reviews/rules.py close_review).
    Kind(ReminderKind.MAP_REVIEW, planned_by=nudges.plan_map_reviews, build=blocks.map_review,
         subject=lambda d: nudges.review_due(session=d.session, team_id=d.reminder.team_id,
                                             workshop_id=d.reminder.workshop_id, reminder_id=d.reminder.id)),
    Kind(ReminderKind.DIGEST, planned_by=digests.subscribe, build=blocks.digest, says_late=False,
         look_up=_digest_channels,
         subject=lambda d: digests.due_digest(session=d.session, team_id=d.reminder.team_id,
                                              user_id=d.reminder.recipient, today=d.today,
                                              visible=d.looked_up or frozenset()),
         if_nothing=lambda d: digests.digest_sent(session=d.session, team_id=d.reminder.team_id,
                                                  user_id=d.reminder.recipient, tz=d.tz, now=d.now),
         after_sent=lambda d: digests.after_digest(session=d.session, team_id=d.reminder.team_id,
                                                   user_id=d.reminder.recipient, tz=d.tz, now=d.now)),
    Kind(ReminderKind.RELAYED, planned_by=relay_undeliverable, build=blocks.relayed, says_late=False,
         subject=_relayed),
)}
# Nudges also come from `nudges.plan_step_nudges` (a delay per step), validation tasks from nothing else, and a
# digest's next one from `digests.digest_sent`: `planned_by` names the rule a person's command starts from.


def make_dispatcher(svc: Services, *, name: str | None = None, lease: timedelta = timedelta(minutes=2)) -> Dispatcher:
    # What each kind's `look_up` found for a claimed reminder, taken by `render` right after. Reminder id → value.
    looked_up: dict[int, object] = {}

    def zone(session: Session, c: Claimed) -> ZoneInfo:
        return svc.zone_of(session, c.team_id)(c.recipient)

    def prepare(group: list[Claimed]) -> None:
        for c in group:
            kind = KINDS[c.kind]
            if kind.look_up is not None:
                looked_up[c.id] = kind.look_up(svc, c)

    def render(session: Session, group: list[Claimed], now: datetime) -> dict | None:
        tz = zone(session, group[0])
        today = now.astimezone(tz).date()
        entries = []
        for c in group:
            kind = KINDS[c.kind]
            due = Due(session, c, now, today, tz, looked_up.pop(c.id, None))
            subject = kind.subject(due)
            if subject is not None:
                entries.append((kind.build, subject, kind.says_late and now - c.due_at > LATE_AFTER))
            elif kind.if_nothing is not None:
                kind.if_nothing(due)
        return build_reminders(entries, today) if entries else None

    def after_sent(session: Session, c: Claimed, now: datetime) -> None:
        kind = KINDS[c.kind]
        if kind.after_sent is not None:
            tz = zone(session, c)
            kind.after_sent(Due(session, c, now, now.astimezone(tz).date(), tz))

    return Dispatcher(engine=svc.engine, client=svc.client, clock=svc.clock, render=render, after_sent=after_sent,
                      undeliverable=relay_undeliverable, name=name, lease=lease, warm=svc.directory.user, prepare=prepare)
