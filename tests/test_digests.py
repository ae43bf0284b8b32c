"""Manager digests on SQLite and PostgreSQL: when the next one falls due, one planned at a time, what changed
since the last one, and none when nothing did. Who may see what is in test_privacy.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import digests, followups
from bot.reminders.schedule import morning_of
from bot.storage.models import Reminder, ReminderKind
from bot.workshop.access import Refusal
from tests.runs import FAC, C, Run, T

TOKYO = ZoneInfo("Asia/Tokyo")
MANAGER = "UMGR"


def pending_digests(session) -> list[datetime]:
    return [r.due_at for r in session.exec(select(Reminder).where(
        Reminder.kind == ReminderKind.DIGEST, Reminder.recipient == MANAGER, Reminder.status == "pending"))]


def test_the_next_digest_is_at_nine_on_a_working_day_or_on_monday():
    friday_noon = datetime(2026, 11, 27, 3, tzinfo=UTC)  # 12:00 in Tokyo
    assert digests.next_digest_at("daily", TOKYO, friday_noon) == morning_of(date(2026, 11, 30), TOKYO)
    assert digests.next_digest_at("weekly", TOKYO, friday_noon) == morning_of(date(2026, 11, 30), TOKYO)
    friday_early = datetime(2026, 11, 26, 22, tzinfo=UTC)  # 7:00 Friday in Tokyo
    assert digests.next_digest_at("daily", TOKYO, friday_early) == morning_of(date(2026, 11, 27), TOKYO)
    monday_early = datetime(2026, 11, 29, 22, tzinfo=UTC)  # 7:00 Monday in Tokyo: next week's Monday
    assert digests.next_digest_at("weekly", TOKYO, monday_early) == morning_of(date(2026, 12, 7), TOKYO)


def test_one_digest_is_planned_at_a_time(session, clock):
    for frequency in ("weekly", "daily"):  # subscribing again replaces the plan
        due = digests.subscribe(session=session, team_id=T, user_id=MANAGER, by=MANAGER, frequency=frequency,
                                tz=TOKYO, now=clock())
        session.flush()
    assert pending_digests(session) == [due]
    digests.after_digest(session=session, team_id=T, user_id=MANAGER, tz=TOKYO, now=due)
    session.flush()
    assert digests.last_sent(session=session, team_id=T, user_id=MANAGER) == due
    assert sorted(pending_digests(session)) == [due, digests.next_digest_at("daily", TOKYO, due + timedelta(minutes=1))]
    with pytest.raises(Refusal, match="Subscribe first"):
        digests.follow(session=session, team_id=T, user_id="UANA", channel_id=C)


def test_a_digest_tells_what_changed_since_the_last_one_and_none_goes_out_when_nothing_did(session, clock):
    run = Run(session, clock, title="Checkout")
    run.to_stage()
    run.say("emotion: 2\npain: slow", user="UANA")
    digests.subscribe(session=session, team_id=T, user_id=MANAGER, by=MANAGER, frequency="daily", tz=TOKYO,
                      now=clock())
    item = followups.create_action(session=session, team_id=T, channel_id=C, user_id=FAC, owner="UANA",
                                   text="Fix it", due=date(2026, 11, 1), pain_point=None,
                                   zone_of=lambda _u: TOKYO, now=clock() + timedelta(minutes=1))
    today = date(2026, 11, 3)
    due = digests.due_digest(session=session, team_id=T, user_id=MANAGER, today=today, visible={C})
    (w,) = due.workshops
    assert (w.title, dict(w.changes), dict(w.status_counts)) == ("Checkout", {"created": 1}, {"open": 1})
    assert w.overdue == [("Fix it", "UANA", date(2026, 11, 1))] and w.lowest == ("Awareness", 2.0)
    digests.after_digest(session=session, team_id=T, user_id=MANAGER, tz=TOKYO, now=clock() + timedelta(hours=1))
    assert digests.due_digest(session=session, team_id=T, user_id=MANAGER, today=today, visible={C}) is None
    followups.change_action(session=session, team_id=T, user_id="UANA", action_id=item.id, change="done",
                            zone_of=lambda _u: TOKYO, now=clock() + timedelta(hours=2))
    (w,) = digests.due_digest(session=session, team_id=T, user_id=MANAGER, today=today, visible={C}).workshops
    assert dict(w.changes) == {"done": 1} and w.overdue == []
