"""When a reminder falls due, and putting it on the schedule.

A reminder is due at 9:00 in its recipient's Slack time zone (never at night, working days only where that
matters); `add` and `cancel_pending` are how every rule plans and withdraws them. These are the reminder rows'
own data functions, like the inbox's: only the reminders touch that table (the dispatcher claims from it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.dates import is_working_day, next_working_day
from bot.slack import Directory
from bot.storage import repo
from bot.storage.models import Reminder
from bot.workshop.departments import slack_name

MORNING = time(9, 0)
NIGHT_STARTS, NIGHT_ENDS = time(20, 0), time(8, 0)
TZ_FRESH_FOR = timedelta(days=7)


# --- Time zones and when to send -----------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def user_zone(*, session: Session, team_id: str, user_id: str, directory: Directory | None, now: datetime) -> ZoneInfo:
    """A person's Slack time zone (users.info `tz`), cached on their profile for a week; UTC if Slack won't say."""
    profile = repo.profile(session=session, team_id=team_id, user_id=user_id)
    if profile and profile.tz and profile.tz_checked_at and now - profile.tz_checked_at < TZ_FRESH_FOR:
        return zone(profile.tz)
    info = directory.user(user_id) if directory is not None else None
    if info is None:
        return zone(profile.tz if profile else None)
    tz = info.get("tz") or "UTC"
    name = slack_name(info)
    repo.save_profile(session=session, team_id=team_id, user_id=user_id, now=now, tz=tz, tz_checked_at=now,
                      **({"name": name} if name else {}))
    return zone(tz)


def morning_of(day: date, tz: ZoneInfo) -> datetime:
    """9:00 on `day` in `tz`, in UTC (zoneinfo keeps 9:00 at 9:00 across daylight-saving changes)."""
    return datetime.combine(day, MORNING, tzinfo=tz).astimezone(UTC)


def not_at_night(when: datetime, tz: ZoneInfo, *, working_days: bool = False) -> datetime:
    """`when`, or the next morning at 9:00 local if it falls at night (or on a weekend for working-day kinds)."""
    local = when.astimezone(tz)
    day = local.date()
    if local.time() >= NIGHT_STARTS:
        day = day + timedelta(days=1)
    elif local.time() >= NIGHT_ENDS and not (working_days and not is_working_day(day)):
        return when
    if working_days and not is_working_day(day):
        day = next_working_day(day)
    return morning_of(day, tz)


# --- The schedule: rows ---------------------------------------------------------------------------------


def cancel_pending(*, session: Session, team_id: str, kinds: Iterable[str], subject_id: int,
                   recipient: str | None = None) -> None:
    """Withdraw what is planned and not yet sent (a cancelled row comes back if `add` plans it again)."""
    session.flush()  # earlier changes of this transaction first, so a re-plan sees them
    query = select(Reminder).where(
        Reminder.team_id == team_id, col(Reminder.kind).in_(list(kinds)), Reminder.subject_id == subject_id,
        Reminder.status == "pending",
    )
    if recipient is not None:
        query = query.where(Reminder.recipient == recipient)
    for r in session.exec(query):
        r.status = "cancelled"
        session.add(r)


def add(*, session: Session, team_id: str, workshop_id: int | None, kind: str, subject_id: int, recipient: str,
        due_at: datetime, now: datetime) -> Reminder:
    """Plan a reminder. The same reminder (kind, subject, person, moment) is one row: planning it again revives
    it if it was cancelled, and leaves it alone if it is pending or already sent (never twice)."""
    with session.no_autoflush:
        existing = session.exec(select(Reminder).where(
            Reminder.team_id == team_id, Reminder.kind == kind, Reminder.subject_id == subject_id,
            Reminder.recipient == recipient, Reminder.due_at == due_at)).first()
    if existing is not None:
        if existing.status == "cancelled":
            existing.status, existing.claimed_by, existing.claim_expires_at = "pending", None, None
            session.add(existing)
        return existing
    r = Reminder(team_id=team_id, workshop_id=workshop_id, kind=kind, subject_id=subject_id, recipient=recipient,
                 due_at=due_at, created_at=now)
    session.add(r)
    return r


def redirect_pending(*, session: Session, team_id: str, kind: str, subject_id: int, recipient: str) -> None:
    """Pending reminders about a subject go to someone else now (a task handed on)."""
    for reminder in session.exec(select(Reminder).where(
            Reminder.team_id == team_id, Reminder.kind == kind, Reminder.subject_id == subject_id,
            Reminder.status == "pending")):
        reminder.recipient = recipient
        session.add(reminder)


def recipients(*, session: Session, team_id: str, kind: str, subject_id: int, statuses: Iterable[str]) -> set[str]:
    """Who has reminders of this kind about this subject in these states (say, nudged already about a step)."""
    return set(session.exec(select(Reminder.recipient).where(
        Reminder.team_id == team_id, Reminder.kind == kind, Reminder.subject_id == subject_id,
        col(Reminder.status).in_(list(statuses)))))


def reminder(*, session: Session, team_id: str, reminder_id: int) -> Reminder | None:
    row = session.get(Reminder, reminder_id)
    return row if row is not None and row.team_id == team_id else None
