"""Follow-up rules on SQLite and PostgreSQL: action items (their history, reminders, who may change them) and
customer validation tasks (which pain points, who owns them, the outcome, handing one on)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import followups, voting
from bot.reminders.schedule import morning_of
from bot.storage.models import Reminder, ReminderKind
from bot.workshop.access import Refusal
from bot.workshop.flow import start_workshop
from tests.runs import FAC, C, Run, T

TOKYO, LA = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")


# --- Action items ----------------------------------------------------------------------------------------

def new_action(session, clock, *, due: date | None, owner="UANA", tz=TOKYO):
    p = start_workshop(session=session, team_id="T1", channel_id=f"C{owner}", user_id="UFAC", title="W",
                       now=clock())
    return followups.create_action(session=session, team_id="T1", channel_id=f"C{owner}", user_id="UFAC",
                                   owner=owner, text="Fix pricing", due=due, pain_point=None,
                                   zone_of=lambda _u: tz, now=clock()), p


def pending(session, action_id):
    return [(r.kind, r.due_at) for r in session.exec(
        select(Reminder).where(Reminder.subject_id == action_id, Reminder.status == "pending").order_by(Reminder.due_at))]


def test_due_soon_the_working_day_before_and_overdue_the_working_day_after(session, clock):
    clock.now = datetime(2026, 11, 18, 12, tzinfo=UTC)  # a Wednesday
    monday = date(2026, 11, 30)
    action, _ = new_action(session, clock, due=monday, tz=LA)
    assert pending(session, action.id) == [
        ("action_due_soon", morning_of(date(2026, 11, 27), LA)),  # Friday, not Sunday
        ("action_overdue", morning_of(date(2026, 12, 1), LA)),
    ]


def test_done_cancels_and_snooze_moves_reminders(session, clock):
    clock.now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    action, _ = new_action(session, clock, due=date(2026, 11, 20))
    clock.now = datetime(2026, 11, 23, 3, tzinfo=UTC)  # Monday noon in Tokyo, the item is overdue
    followups.change_action(session=session, team_id="T1", user_id="UANA", action_id=action.id,
                            change="snooze_week", zone_of=lambda _u: TOKYO, now=clock())
    assert pending(session, action.id) == [("action_overdue", morning_of(date(2026, 11, 30), TOKYO))]
    followups.change_action(session=session, team_id="T1", user_id="UFAC", action_id=action.id, change="done",
                            zone_of=lambda _u: TOKYO, now=clock())
    assert pending(session, action.id) == []
    history = [e[2] for e in followups.action_view(session=session, action=action, today=date(2026, 11, 23)).history]
    assert history == ["created", "snoozed", "done"]


def test_only_the_owner_or_a_facilitator_changes_an_item(session, clock):
    action, _ = new_action(session, clock, due=None)
    with pytest.raises(Refusal, match="Only <@UANA>"):
        followups.change_action(session=session, team_id="T1", user_id="UBEN", action_id=action.id, change="done",
                                zone_of=lambda _u: TOKYO, now=clock())


def test_an_action_item_for_a_pain_point_of_another_workshop_is_refused(session, clock):
    other = Run(session, clock, channel="C2")
    other.to_stage()
    other.say("pain: elsewhere")
    Run(session, clock)  # pain point #1 is the other workshop's: this one has none
    with pytest.raises(Refusal, match="no pain point #1 in"):
        followups.create_action(session=session, team_id=T, channel_id=C, user_id=FAC, owner="UANA", text="Fix",
                                due=None, pain_point=1, zone_of=lambda _u: TOKYO, now=clock())
    with pytest.raises(Refusal, match="Say what needs doing"):
        followups.create_action(session=session, team_id=T, channel_id=C, user_id=FAC, owner="UANA", text="  ",
                                due=None, pain_point=None, zone_of=lambda _u: TOKYO, now=clock())


def test_a_reminder_says_nothing_once_its_item_is_done(session, clock):
    action, _ = new_action(session, clock, due=date(2026, 11, 20))
    today = date(2026, 11, 19)
    assert followups.due_action(session=session, team_id="T1", action_id=action.id, today=today).text == "Fix pricing"
    assert followups.due_action(session=session, team_id="T2", action_id=action.id, today=today) is None
    followups.change_action(session=session, team_id="T1", user_id="UANA", action_id=action.id, change="done",
                            zone_of=lambda _u: TOKYO, now=clock())
    assert followups.due_action(session=session, team_id="T1", action_id=action.id, today=today) is None


# --- Customer validation -----------------------------------------------------------------------------------


def validation_run(session, clock) -> Run:
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: checkout is slow\npain: no invoice", user="UANA")
    run.say("pain: the checkout is so slow", user="UBEN")
    return run


def plan(session, clock, **kw):
    args = dict(session=session, team_id=T, channel_id=C, user_id=FAC, top=3, due=date(2026, 11, 20), customers=5,
                zone_of=lambda _u: TOKYO, now=clock())
    return followups.create_validation_tasks(**{**args, **kw})


def test_without_votes_the_pains_most_people_named_come_first_owned_by_who_raised_them(session, clock):
    validation_run(session, clock)
    tasks = plan(session, clock, top=1)
    assert [(v.pain, v.owner, v.customers) for v in tasks] == [("checkout is slow", "UANA", 5)]
    (reminder,) = session.exec(select(Reminder).where(Reminder.kind == ReminderKind.VALIDATION_DUE)).all()
    assert (reminder.recipient, reminder.due_at) == ("UANA", morning_of(date(2026, 11, 19), TOKYO))
    assert [v.pain for v in plan(session, clock)] == ["no invoice"]  # the rest; none twice
    with pytest.raises(Refusal, match="already has a validation task"):
        plan(session, clock)


def test_with_votes_the_most_voted_pains_come_first(session, clock):
    run = validation_run(session, clock)
    slow, invoice, _ = run.pain_ids()
    voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    voting.cast_vote(session=session, team_id=T, user_id="UCAT", item_id=invoice, now=clock())
    assert [v.pain_point_id for v in plan(session, clock, top=1)] == [invoice]


def test_only_a_facilitator_plans_validation(session, clock):
    validation_run(session, clock)
    with pytest.raises(Refusal, match="Only a facilitator can plan customer validation"):
        plan(session, clock, user_id="UANA")


def test_the_last_outcome_recorded_brings_the_summary(session, clock):
    validation_run(session, clock)
    first, second = plan(session, clock)
    record = dict(session=session, team_id=T, customers=4, note="heard it", now=clock())
    with pytest.raises(Refusal, match="Only <@UANA>"):
        followups.record_validation(**record, user_id="UBEN", task_id=first.id, outcome="confirmed")
    answer = followups.record_validation(**record, user_id="UANA", task_id=first.id, outcome="confirmed")
    assert not answer.all_answered and answer.view.status == "confirmed"
    assert followups.due_validation(session=session, team_id=T, task_id=first.id) is None  # answered: no reminder
    answer = followups.record_validation(**record, user_id=FAC, task_id=second.id, outcome="partly")
    assert answer.all_answered and [v.status for v in answer.summary] == ["confirmed", "partly"]


def test_a_task_handed_on_takes_its_reminder_along(session, clock):
    validation_run(session, clock)
    (task,) = plan(session, clock, top=1)
    with pytest.raises(Refusal, match=r"Only the facilitator \(<@UFAC>\) can reassign validation tasks"):
        followups.reassign_validation(session=session, team_id=T, user_id="UANA", task_id=task.id, owner="UBEN")
    followups.reassign_validation(session=session, team_id=T, user_id=FAC, task_id=task.id, owner="UBEN")
    (reminder,) = session.exec(select(Reminder).where(Reminder.kind == ReminderKind.VALIDATION_DUE)).all()
    assert reminder.recipient == "UBEN"
    assert followups.due_validation(session=session, team_id=T, task_id=task.id).owner == "UBEN"
