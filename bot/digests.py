"""Manager digests: one DM per subscriber at their local morning, on the workshops they follow.

A subscription plans one `digest` reminder at a time (so delivery is exactly once, like every reminder); each
sent digest plans the next. A digest with nothing new since the last one is not sent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.dates import is_working_day, next_working_day
from bot.journeymap import build_map, ranked_pain_points
from bot.reminders import schedule
from bot.render.export import validation_text
from bot.storage import action_items, subscriptions
from bot.storage.models import DigestSubscription, ReminderKind
from bot.workshop.access import Refusal

DIGEST = ReminderKind.DIGEST
MAX_WORKSHOPS = 8
MAX_OVERDUE_SHOWN = 5
MAX_OPEN_SHOWN = 5
TOP_PAINS = 3


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def next_digest_at(frequency: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The next 9:00 local: the next working day (daily) or the next Monday (weekly)."""
    today = now.astimezone(tz).date()
    if frequency == "weekly":
        day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        day = today if schedule.morning_of(today, tz) > now and is_working_day(today) else next_working_day(today)
    return schedule.morning_of(day, tz)


def _may_change(sub: DigestSubscription | None, user_id: str, by: str) -> bool:
    """A subscription is changed or ended only by the subscriber, or by whoever subscribed them."""
    return by == user_id or (sub is not None and sub.subscribed_by == by)


def subscribe(*, session: Session, team_id: str, user_id: str, by: str, frequency: str, tz: ZoneInfo,
              now: datetime) -> datetime:
    """`by` subscribes `user_id` (themselves, or someone else, e.g. a manager)."""
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    if sub is not None and not _may_change(sub, user_id, by):
        raise Refusal(f"<@{user_id}> already gets a digest; only they, or whoever subscribed them, can change it. "
                      "Nothing was changed.")
    sub = sub or DigestSubscription(team_id=team_id, user_id=user_id, created_at=now, last_sent_at=now)
    sub.frequency, sub.subscribed_by = frequency, by
    session.add(sub)
    schedule.cancel_pending(session=session, team_id=team_id, kinds=[DIGEST], subject_id=0, recipient=user_id)
    due = next_digest_at(frequency, tz, now)
    schedule.add(session=session, team_id=team_id, workshop_id=None, kind=DIGEST, subject_id=0, recipient=user_id,
                 due_at=due, now=now)
    return due


def unsubscribe(*, session: Session, team_id: str, user_id: str, by: str) -> bool:
    """`by` ends `user_id`'s subscription; False if they had none."""
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    if not _may_change(sub, user_id, by):  # the same answer whether they have one or not
        raise Refusal(f"Only <@{user_id}>, or whoever subscribed them, can unsubscribe them. Nothing was changed.")
    schedule.cancel_pending(session=session, team_id=team_id, kinds=[DIGEST], subject_id=0, recipient=user_id)
    if sub is None:
        return False
    session.delete(sub)
    return True


def follow(*, session: Session, team_id: str, user_id: str, channel_id: str | None) -> list[str]:
    """Follow one more channel's workshops (None: back to every workshop in the workspace)."""
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    if sub is None:
        raise Refusal("Subscribe first: `/journey digest subscribe weekly`.")
    channels = [] if channel_id is None else sorted(set(json.loads(sub.channels)) | {channel_id})
    sub.channels = json.dumps(channels)
    session.add(sub)
    return channels


@dataclass
class WorkshopDigest:
    id: int
    title: str
    channel_id: str
    status_counts: Counter
    overdue: list[tuple[str, str, date]]  # (text, owner, due)
    changes: Counter  # what happened since the last digest: created, done, dropped, snoozed, validated…
    validation: Counter
    lowest: tuple[str, float] | None
    synthesis: str | None = None  # a line about the latest synthesis
    open_items: list[tuple[str, str, date | None, int | None]] = field(default_factory=list)  # (text, owner, due, #)
    top_pains: list[tuple[int | None, str, int, str]] = field(default_factory=list)  # (#, text, votes, validation)


@dataclass
class Digest:
    workshops: list[WorkshopDigest] = field(default_factory=list)
    more: int = 0

    @property
    def changed(self) -> bool:
        return any(w.changes for w in self.workshops)


def covered_channels(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The channels a person's digest could cover, to ask Slack which of them they may see before building it."""
    return {ws.channel_id for ws in subscriptions.covered_workshops(session=session, team_id=team_id, user_id=user_id)}


def build_digest(*, session: Session, team_id: str, user_id: str, today: date, since: datetime | None,
                 visible: Collection[str]) -> Digest:
    """`visible`: the channels whose workshops this person may see (Slack's answer, asked before this
    transaction). A digest covers only those: no title, count, quote or synthesis line of any other."""
    digests = []
    for ws in subscriptions.covered_workshops(session=session, team_id=team_id, user_id=user_id, visible=visible):
        data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
        actions = data["action_items"]
        pains = ranked_pain_points(data)
        validations = [p["validation"] for p, _ in pains if "validation" in p]
        changes: Counter = Counter()
        if since is not None:
            changes.update(action_items.changes_since(session=session, team_id=team_id,
                                                      action_ids=[a["id"] for a in actions], since=since))
            changes["validated"] += sum(1 for v in validations if v["at"] and _when(v["at"]) > since)
            if data["synthesis"] and _when(data["synthesis"]["created_at"]) > since:
                changes["synthesis"] += 1
            changes = +changes  # drop the zeros
        open_items = sorted(((a["text"], a["owner"], date.fromisoformat(a["due"]) if a["due"] else None,
                              a["pain_point_number"]) for a in actions if a["status"] == "open"),
                            key=lambda x: (x[2] or date.max, x[0]))
        overdue = [(text, owner, due) for text, owner, due, _ in open_items if due is not None and due < today]
        rated = [(st["name"], st["emotion_average"]) for st in data["stages"] if st["emotion_average"] is not None]
        syn, syn_line = data["synthesis"], None
        if syn:
            merged = sum(1 for c in syn["clusters"] if not c["undone"])
            top = next((o["how_might_we"] for o in syn["opportunities"] if o.get("decision") != "dismissed"), None)
            syn_line = f"{merged} merged pain points" + (f"; top idea: {top}" if top else "")
        digests.append(WorkshopDigest(
            id=ws.id, title=ws.title, channel_id=ws.channel_id, status_counts=Counter(a["status"] for a in actions),
            overdue=overdue, changes=changes, validation=Counter(v["status"] for v in validations),
            lowest=min(rated, key=lambda x: x[1]) if rated else None, synthesis=syn_line, open_items=open_items,
            top_pains=[(p["number"], p["text"], p["votes"], validation_text(p.get("validation")))
                       for p, _ in pains[:TOP_PAINS] if p["votes"] or p.get("validation")],
        ))
    # Workshops with news first, then those with overdue items; the rest are counted, not listed.
    digests.sort(key=lambda w: (not w.changes, not w.overdue, -w.id))
    return Digest(digests[:MAX_WORKSHOPS], max(0, len(digests) - MAX_WORKSHOPS))


def digest_sent(*, session: Session, team_id: str, user_id: str, tz: ZoneInfo, now: datetime) -> None:
    """After a digest went out (or was skipped for having nothing new): remember when, and plan the next."""
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    if sub is None:
        return
    schedule.add(session=session, team_id=team_id, workshop_id=None, kind=DIGEST, subject_id=0, recipient=user_id,
                 due_at=next_digest_at(sub.frequency, tz, now + timedelta(minutes=1)), now=now)


def mark_digest_delivered(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    if sub is not None:
        sub.last_sent_at = now
        session.add(sub)


def last_sent(*, session: Session, team_id: str, user_id: str) -> datetime | None:
    sub = subscriptions.subscription(session=session, team_id=team_id, user_id=user_id)
    return sub.last_sent_at if sub else None


# --- As a reminder ---------------------------------------------------------------------------------------


def due_digest(*, session: Session, team_id: str, user_id: str, today: date,
               visible: Collection[str]) -> Digest | None:
    """What a scheduled digest shows when it falls due: what changed since the last one; None when nothing did
    (no DM then, but `digest_sent` still plans the next)."""
    digest = build_digest(session=session, team_id=team_id, user_id=user_id, today=today,
                          since=last_sent(session=session, team_id=team_id, user_id=user_id), visible=visible)
    return digest if digest.changed else None


def after_digest(*, session: Session, team_id: str, user_id: str, tz: ZoneInfo, now: datetime) -> None:
    """Once a digest is delivered: it is the last one, and the next is planned."""
    mark_digest_delivered(session=session, team_id=team_id, user_id=user_id, now=now)
    digest_sent(session=session, team_id=team_id, user_id=user_id, tz=tz, now=now)
