"""Wires the reminder dispatcher to the app: what a reminder says, what follows once it is sent, and who hears
about one that can't be delivered."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import digests, followups
from bot import text as t
from bot.blocks.followups import build_reminders, build_undeliverable
from bot.reminders import LATE_AFTER, Claimed, Dispatcher
from bot.services import Services
from bot.storage import repo
from bot.storage.models import ActionItem, ReminderKind
from bot.workshop import nudges
from bot.workshop import status as workshop_status

log = logging.getLogger(__name__)


def make_dispatcher(svc: Services, *, name: str | None = None, lease: timedelta = timedelta(minutes=2)) -> Dispatcher:
    def zone(session: Session, team_id: str, user_id: str):
        return svc.zone_of(session, team_id)(user_id)

    # What each recipient's digest may cover: the channels whose workshops they may see, asked of Slack by
    # `prepare` right before `render`'s transaction opens, and taken by `render`. (team, recipient) → channel ids.
    digest_visible: dict[tuple[str, str], frozenset[str]] = {}

    def prepare(group: list[Claimed]) -> None:
        if any(c.kind == ReminderKind.DIGEST for c in group):
            team_id, recipient = group[0].team_id, group[0].recipient
            with svc.session() as s:
                channels = digests.covered_channels(session=s, team_id=team_id, user_id=recipient)
            digest_visible[(team_id, recipient)] = svc.directory.visible(channels, recipient)

    def render(session: Session, group: list[Claimed], now: datetime) -> dict | None:
        tz = zone(session, group[0].team_id, group[0].recipient)
        today = now.astimezone(tz).date()
        entries = []
        for c in group:
            if c.kind in followups.ACTION_KINDS:
                action = session.get(ActionItem, c.subject_id)
                if action is None or action.status != "open":
                    continue
                view = followups.action_view(session=session, action=action, today=today, with_history=False)
                entries.append((c.kind, view, now - c.due_at > LATE_AFTER))
            elif c.kind == ReminderKind.DIGEST:
                sub_since = digests.last_sent(session=session, team_id=c.team_id, user_id=c.recipient)
                digest = digests.build_digest(session=session, team_id=c.team_id, user_id=c.recipient, today=today,
                                              since=sub_since,
                                              visible=digest_visible.pop((c.team_id, c.recipient), frozenset()))
                if digest.changed:
                    entries.append((c.kind, digest, False))
                else:  # nothing new since the last one: no DM, but the next digest is planned
                    digests.digest_sent(session=session, team_id=c.team_id, user_id=c.recipient, tz=tz, now=now)
            elif c.kind == ReminderKind.NUDGE:
                text = _nudge_text(session, c)
                if text:
                    entries.append((c.kind, text, False))
            elif c.kind == ReminderKind.MAP_REVIEW:
                text = _review_text(session, c)
                if text:
                    entries.append((c.kind, text, now - c.due_at > LATE_AFTER))
            elif c.kind == ReminderKind.VALIDATION_DUE:
                task = followups.get_validation(session=session, team_id=c.team_id, task_id=c.subject_id)
                if task is None or task.status != "pending":
                    continue
                entries.append((c.kind, followups.validation_view(session=session, task=task, with_guide=True),
                                now - c.due_at > LATE_AFTER))
        return build_reminders(entries, today) if entries else None

    def after_sent(session: Session, c: Claimed, now: datetime) -> None:
        if c.kind == ReminderKind.DIGEST:
            digests.mark_digest_delivered(session=session, team_id=c.team_id, user_id=c.recipient, now=now)
            digests.digest_sent(session=session, team_id=c.team_id, user_id=c.recipient,
                                tz=zone(session, c.team_id, c.recipient), now=now)
        if c.kind == ReminderKind.ACTION_OVERDUE:
            followups.overdue_reminder_sent(session=session, team_id=c.team_id, action_id=c.subject_id,
                                            tz=zone(session, c.team_id, c.recipient), sent_at=now)

    def undeliverable(c: Claimed, error: str) -> None:
        if c.workshop_id is None:  # a digest: nobody else to tell; the log has it
            return
        with svc.session() as s:
            facilitators = repo.facilitators(session=s, team_id=c.team_id, workshop_id=c.workshop_id)
            action = s.get(ActionItem, c.subject_id) if c.kind in followups.ACTION_KINDS else None
            what = action.text if action else c.kind.replace("_", " ")
        for user in facilitators:
            if user != c.recipient:
                svc.outbox.submit(svc.client.chat_postMessage, channel=user,
                                  **build_undeliverable(c.recipient, what, error))

    return Dispatcher(engine=svc.engine, client=svc.client, clock=svc.clock, render=render, after_sent=after_sent,
                      undeliverable=undeliverable, name=name, lease=lease, warm=svc.directory.user, prepare=prepare)


def _nudge_text(session: Session, c: Claimed) -> str | None:
    """Only for someone who still hasn't answered, while the step is still open. Names nobody else."""
    step = repo.step(session=session, team_id=c.team_id, step_id=c.subject_id)
    ws = repo.workshop(session=session, team_id=c.team_id, workshop_id=c.workshop_id)
    if step is None or ws is None or step.closed_at is not None or ws.status != "open":
        return None
    if nudges.answered_step(session=session, team_id=c.team_id, step_id=step.id, user_id=c.recipient):
        return None
    stages = repo.stages(session=session, team_id=c.team_id, workshop_id=ws.id)
    label = workshop_status.step_label(step, next((s for s in stages if s.id == step.stage_id), None), len(stages))
    return (f"The *{t.show(ws.title, 100)}* workshop in <#{ws.channel_id}> is on *{t.show(label, 80)}*, and your "
            "view isn't in yet. It takes a minute: reply in the thread of the latest prompt there.")


def _review_text(session: Session, c: Claimed) -> str | None:
    ws = repo.workshop(session=session, team_id=c.team_id, workshop_id=c.workshop_id)
    if ws is None:
        return None
    return (f"It's been {ws.review_after_days} days since *{t.show(ws.title, 100)}* (workshop #{ws.id}) closed. "
            f"Does the map still match what customers go through? Check its action items with "
            f"`/journey actions all` in <#{ws.channel_id}>, and map what has changed with "
            f"`/journey new <title> --future-of {ws.id}`.")
