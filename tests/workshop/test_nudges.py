"""Nudges and map reviews: who is nudged when, never twice a step, never at night; what a nudge says when due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.reminders.schedule import morning_of
from bot.storage.models import Reminder, ReminderKind
from bot.workshop import access, flow, nudges
from tests.runs import FAC, C, Run, T

TOKYO = ZoneInfo("Asia/Tokyo")
MEMBERS = [FAC, "UANA", "UBEN", "UCAT"]


def planned(session, kind=ReminderKind.NUDGE) -> list[tuple[str, datetime, str]]:
    rows = session.exec(select(Reminder).where(Reminder.kind == kind).order_by(Reminder.recipient, Reminder.id))
    return [(r.recipient, r.due_at, r.status) for r in rows]


def test_nudge_now_skips_facilitators_whoever_answered_and_whoever_was_nudged(session, clock):
    run = Run(session, clock)
    run.say("an objective", user="UANA")
    sent = nudges.nudge_now(session=session, team_id=T, channel_id=C, user_id=FAC, members=MEMBERS, now=clock())
    assert sent == 2 and [r for r, _, _ in planned(session)] == ["UBEN", "UCAT"]
    for row in session.exec(select(Reminder)):  # the dispatcher sent them
        row.status = "sent"
        session.add(row)
    assert nudges.nudge_now(session=session, team_id=T, channel_id=C, user_id=FAC, members=MEMBERS, now=clock()) == 0
    with pytest.raises(access.Refusal, match=r"Only the facilitator \(<@UFAC>\) can nudge people"):
        nudges.nudge_now(session=session, team_id=T, channel_id=C, user_id="UANA", members=MEMBERS, now=clock())


def test_at_night_a_nudge_waits_for_the_persons_morning(session, clock):
    clock.now = datetime(2026, 11, 2, 13, tzinfo=UTC)  # 22:00 in Tokyo
    Run(session, clock)
    nudges.nudge_now(session=session, team_id=T, channel_id=C, user_id=FAC, members=["UANA"], now=clock(),
                     zone_of=lambda _u: TOKYO)
    assert planned(session) == [("UANA", morning_of(date(2026, 11, 3), TOKYO), "pending")]


def test_a_nudge_delay_plans_one_per_step_and_a_new_step_replaces_none(session, clock):
    run = Run(session, clock)
    nudges.set_nudge_delay(session=session, team_id=T, channel_id=C, user_id=FAC, minutes=120)
    run.next()
    assert nudges.plan_step_nudges(session=session, team_id=T, channel_id=C, members=MEMBERS, now=clock()) == 3
    assert {due for _, due, _ in planned(session)} == {clock() + timedelta(hours=2)}
    nudges.set_nudge_delay(session=session, team_id=T, channel_id=C, user_id=FAC, minutes=None)
    assert nudges.plan_step_nudges(session=session, team_id=T, channel_id=C, members=MEMBERS, now=clock()) == 0


def test_what_a_nudge_says_when_due_and_when_it_has_nothing_to_say(session, clock):
    run = Run(session, clock, title="Checkout")
    step_id = run.prompt.step_id
    due = dict(session=session, team_id=T, workshop_id=run.workshop_id, step_id=step_id)
    assert nudges.nudge_due(**due, user_id="UBEN") == nudges.NudgeView("Checkout", C, "Objectives")
    run.say("an objective", user="UBEN")
    assert nudges.nudge_due(**due, user_id="UBEN") is None  # answered meanwhile
    run.next()
    assert nudges.nudge_due(**due, user_id="UCAT") is None  # the step has closed


def test_closing_drops_the_steps_nudges_and_plans_map_reviews_on_a_working_morning(session, clock):
    clock.now = datetime(2026, 11, 2, 9, tzinfo=UTC)  # 90 days later is Sunday 31 January
    run = Run(session, clock)
    nudges.nudge_now(session=session, team_id=T, channel_id=C, user_id=FAC, members=["UANA"], now=clock())
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock(), zone_of=lambda _u: TOKYO)
    assert [s for _, _, s in planned(session)] == ["cancelled"]
    assert planned(session, ReminderKind.MAP_REVIEW) == [(FAC, morning_of(date(2027, 2, 1), TOKYO), "pending")]
    view = nudges.review_due(session=session, team_id=T, workshop_id=run.workshop_id)
    assert (view.workshop_id, view.days) == (run.workshop_id, 90)
