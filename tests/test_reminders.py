"""Reminders: when they fall due (time zones, DST, weekends) and that each is delivered exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import followups
from bot.reminders import schedule
from bot.reminders.kinds import make_dispatcher
from bot.reminders.schedule import morning_of, not_at_night
from bot.services import Services
from bot.slack import Directory, make_client
from bot.storage.models import ActionItem, Reminder
from bot.tasks import TaskQueue
from bot.workshop.flow import start_workshop
from fakeslack.api import BOT_TOKEN
from tests.conftest import Clock

TOKYO, LA = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")


def test_morning_is_nine_local_across_daylight_saving():
    # US daylight saving ends 2026-11-01: 9:00 in Los Angeles is 16:00 UTC before, 17:00 UTC after.
    assert morning_of(date(2026, 10, 30), LA) == datetime(2026, 10, 30, 16, tzinfo=UTC)
    assert morning_of(date(2026, 11, 2), LA) == datetime(2026, 11, 2, 17, tzinfo=UTC)
    assert morning_of(date(2026, 11, 2), TOKYO) == datetime(2026, 11, 2, 0, tzinfo=UTC)


def test_never_at_night_and_working_days():
    friday_late = datetime(2026, 11, 27, 22, tzinfo=TOKYO).astimezone(UTC)
    assert not_at_night(friday_late, TOKYO) == morning_of(date(2026, 11, 28), TOKYO)
    assert not_at_night(friday_late, TOKYO, working_days=True) == morning_of(date(2026, 11, 30), TOKYO)
    early = datetime(2026, 11, 24, 6, tzinfo=LA).astimezone(UTC)
    assert not_at_night(early, LA) == morning_of(date(2026, 11, 24), LA)
    noon = datetime(2026, 11, 24, 12, tzinfo=LA).astimezone(UTC)
    assert not_at_night(noon, LA) == noon


# --- Delivery, with the fake Slack over HTTP ----------------------------------------------------------------


class Rig:
    def __init__(self, fake, db, clock):
        self.fake, self.engine, self.clock = fake, db, clock
        self.client = make_client(token=BOT_TOKEN, base_url=fake.api_url)
        self.svc = Services(settings=None, engine=db, client=self.client, worker=TaskQueue("w", 0),
                            outbox=TaskQueue("o", 0), directory=Directory(self.client), clock=clock)

    def dispatcher(self, name="one", **kw):
        return make_dispatcher(self.svc, name=name, **kw)

    def action(self, owner: str, due: date, text="Fix pricing") -> ActionItem:
        with self.svc.session() as s:
            ws = start_workshop(session=s, team_id="T0TEAM", channel_id=f"C-{owner}-{text[:8]}", user_id="UFACIL",
                                title="W", now=self.clock())
            zone_of = lambda u: schedule.user_zone(session=s, team_id="T0TEAM", user_id=u,  # noqa: E731
                                                    directory=self.svc.directory, now=self.clock())
            return followups.create_action(session=s, team_id="T0TEAM", channel_id=f"C-{owner}-{text[:8]}",
                                           user_id="UFACIL", owner=owner, text=text, due=due, pain_point=None,
                                           zone_of=zone_of, now=self.clock()), ws

    def delivered_ids(self, user: str) -> list[int]:
        return [rid for m in self.fake.dm_messages(user) if m.metadata
                for rid in m.metadata["event_payload"]["reminder_ids"]]

    def statuses(self) -> dict[int, str]:
        with self.svc.session() as s:
            return {r.id: r.status for r in s.exec(select(Reminder))}


@pytest.fixture
def rig(fake, file_engine):
    fake.users["UANA"]["tz"] = "Asia/Tokyo"
    fake.users["UBEN"]["tz"] = "America/Los_Angeles"
    return Rig(fake, file_engine, Clock(datetime(2026, 11, 18, 12, tzinfo=UTC)))


def test_reminders_go_out_once_at_the_owners_morning_grouped_per_person(rig):
    monday = date(2026, 11, 30)
    rig.action("UANA", monday, "Fix pricing")
    rig.action("UANA", monday, "Call the bank")
    rig.action("UBEN", monday, "Update deck")
    d = rig.dispatcher()
    assert d.tick() == 0  # nothing due yet
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)  # Friday 9:00 in Tokyo
    assert d.tick() == 2
    (dm,) = rig.fake.dm_messages("UANA")  # both of Ana's in one message
    assert "2 reminders for you" in dm.blocks[0]["text"]["text"] and "Call the bank" in str(dm.blocks)
    assert rig.fake.dm_messages("UBEN") == []  # still Thursday night in Los Angeles
    assert d.tick() == 0 and len(rig.fake.dm_messages("UANA")) == 1  # never twice
    rig.clock.now = morning_of(date(2026, 11, 27), LA) + timedelta(seconds=5)
    assert d.tick() == 1 and len(rig.fake.dm_messages("UBEN")) == 1
    assert rig.fake.invalid == []


def test_missed_while_down_are_sent_once_on_start_marked_late(rig):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = datetime(2026, 12, 3, tzinfo=UTC)  # the bot was down for days
    assert rig.dispatcher("after-restart").tick() == 2  # due soon and the first overdue, in one message
    (dm,) = rig.fake.dm_messages("UANA")
    assert "sent late" in str(dm.blocks)
    with rig.svc.session() as s:
        assert all(r.late for r in s.exec(select(Reminder).where(Reminder.status == "sent")))


def test_a_claim_whose_process_died_after_slack_took_the_message_is_not_resent(rig, monkeypatch):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    crashing = rig.dispatcher("crashes")

    def die_after_posting(*a, **k):
        raise SystemExit("killed between Slack's answer and marking the row")

    monkeypatch.setattr(crashing, "_mark_sent", die_after_posting)
    with pytest.raises(SystemExit):
        crashing.tick()
    assert len(rig.fake.dm_messages("UANA")) == 1  # Slack has it; the row still says "claimed"
    survivor = rig.dispatcher("survivor")
    assert survivor.tick() == 0  # the lease hasn't run out: hands off
    rig.clock.advance(minutes=3)
    survivor.tick()
    assert len(rig.fake.dm_messages("UANA")) == 1  # found in the DM by its metadata: not sent again
    assert "sent" in rig.statuses().values()


def test_a_claim_whose_process_died_before_slack_took_it_is_sent_by_another(rig, monkeypatch):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    crashing = rig.dispatcher("crashes")
    monkeypatch.setattr(crashing, "_deliver", lambda group: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        crashing.tick()
    rig.clock.advance(minutes=3)
    assert rig.dispatcher("survivor").tick() == 1
    assert len(rig.fake.dm_messages("UANA")) == 1


def test_three_dispatchers_sharing_a_database_deliver_each_reminder_once(rig):
    people = [f"UP{i:03d}" for i in range(40)]
    for p in people:
        rig.fake.add_user(p, p.lower(), tz="UTC")
        for n in range(3):
            rig.action(p, date(2026, 11, 30), f"Task {n}")
    rig.clock.now = datetime(2026, 12, 2, 10, tzinfo=UTC)
    dispatchers = [rig.dispatcher(f"d{i}", ) for i in range(3)]
    for d in dispatchers:
        d.batch = 7  # small claims, so the three really interleave
    errors = []

    def run(d):
        try:
            while d.tick():
                pass
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    delivered = [rid for p in people for rid in rig.delivered_ids(p)]
    assert len(delivered) == len(set(delivered)) == 40 * 3 * 2  # due soon + overdue for each item, once each
    assert set(rig.statuses().values()) <= {"sent", "pending"}  # the next overdue ones wait for later


def test_a_claim_lost_to_another_process_sends_nothing_more(rig):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    frozen = rig.dispatcher("frozen")
    group = frozen.claim(rig.clock())  # it claims, then stops (SIGSTOP, a paused VM) past its lease...
    rig.clock.advance(minutes=3)
    assert rig.dispatcher("survivor").tick() == 1  # ...another takes it over, finds nothing in the DM, sends it
    assert frozen._deliver(group) == 0  # the frozen one wakes: its claim token no longer matches
    assert len(rig.fake.dm_messages("UANA")) == 1
    assert frozen._fence(group[0].token) == set()  # nor does it renew, release or finish anything of the survivor's
    frozen._release(group, rig.clock(), "late")
    frozen._finish(group, "cancelled")
    with rig.svc.session() as s:
        (sent,) = s.exec(select(Reminder).where(Reminder.status == "sent")).all()
    assert sent.claimed_by == "survivor"


def test_a_post_waiting_out_a_429_is_not_repeated_once_its_claim_is_lost(rig):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    rig.fake.rate_limit("chat.postMessage", retry_after=3)
    waiting = rig.dispatcher("waiting", lease=timedelta(seconds=4))
    thread = threading.Thread(target=waiting.tick)
    thread.start()
    deadline = time.monotonic() + 10
    while not rig.fake.calls_to("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.01)
    rig.clock.advance(seconds=5)  # while it waits for Retry-After, its lease runs out...
    rig.dispatcher("survivor").tick()  # ...and another process takes the reminder over and sends it
    thread.join(30)
    assert len(rig.fake.dm_messages("UANA")) == 1  # the waiting one checked its claim before repeating the post
    assert len(rig.fake.calls_to("chat.postMessage")) == 2


def test_slack_429_waits_for_retry_after_and_posts_again(rig):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    rig.fake.rate_limit("chat.postMessage", retry_after=0)
    assert rig.dispatcher().tick() == 1  # slack_sdk waited for Retry-After and tried again: Slack took nothing
    assert len(rig.fake.calls_to("chat.postMessage")) == 2 and len(rig.fake.dm_messages("UANA")) == 1


@pytest.mark.parametrize("failure", ["refused", "stored-then-503", "stored-then-dropped", "timeout"])
def test_after_an_unknown_outcome_the_dm_is_checked_before_posting_again(rig, failure):
    rig.action("UANA", date(2026, 11, 30))
    rig.clock.now = morning_of(date(2026, 11, 27), TOKYO) + timedelta(seconds=5)
    if failure == "refused":  # a 500 before Slack stored anything
        rig.fake.fail("chat.postMessage", "internal_error", status=500)
    elif failure == "timeout":  # Slack stores it after the client gave up waiting
        rig.client.timeout = 1
        rig.fake.slow_down("chat.postMessage", 1.5)
    else:
        rig.fake.lose_answers("chat.postMessage", 1.0, status=503 if failure == "stored-then-503" else None)
    d = rig.dispatcher()
    assert d.tick() == 0
    assert len(rig.fake.calls_to("chat.postMessage")) == 1  # the client did not repeat the post
    assert Counter(rig.statuses().values()) == {"pending": 2}  # back in the queue (with the overdue one), not lost
    rig.fake.lose_answers("chat.postMessage", 0)
    rig.fake.slow_down("chat.postMessage", 0)
    deadline = time.monotonic() + 10
    while failure == "timeout" and not rig.fake.dm_messages("UANA") and time.monotonic() < deadline:
        time.sleep(0.02)  # Slack finishes storing it
    rig.clock.advance(minutes=1)
    assert d.tick() == 1
    assert len(rig.fake.calls_to("conversations.history")) == 1  # looked in the DM first
    assert len(rig.fake.dm_messages("UANA")) == 1  # found there, or (refused) posted now: once either way
    assert len(rig.fake.calls_to("chat.postMessage")) == (2 if failure == "refused" else 1)
    assert Counter(rig.statuses().values()) == {"sent": 1, "pending": 1}


def test_undeliverable_reminders_are_marked_and_a_facilitator_is_told(rig):
    rig.fake.add_user("UGONE", "gone")
    rig.action("UGONE", date(2026, 11, 30))
    rig.fake.users["UGONE"]["deleted"] = True
    rig.clock.now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    d = rig.dispatcher()
    assert d.tick() == 0
    assert "undeliverable" in rig.statuses().values()
    assert d.tick() == 1  # relayed to the facilitator, as a reminder of its own (sent once, like any)
    (note,) = rig.fake.dm_messages("UFACIL")
    text = str(note.blocks)
    assert "couldn't deliver this reminder to <@UGONE>" in text and "user_disabled" in text and "Fix" in text
    assert d.tick() == 0 and len(rig.fake.dm_messages("UFACIL")) == 1


def test_overdue_reminders_repeat_every_two_working_days_until_done(rig):
    action, _ = rig.action("UANA", date(2026, 11, 30))
    d = rig.dispatcher()
    sent_days = []
    for day in range(1, 12):
        rig.clock.now = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(days=day, hours=1)  # 10:00 in Tokyo
        if d.tick():
            sent_days.append(rig.clock.now.astimezone(TOKYO).date())
    assert sent_days == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 11)]
    with rig.svc.session() as s:
        followups.change_action(session=s, team_id="T0TEAM", user_id="UANA", action_id=action.id, change="done",
                                zone_of=lambda _u: TOKYO, now=rig.clock())
    rig.clock.advance(days=5)
    assert d.tick() == 0


# --- Each kind, declared once ------------------------------------------------------------------------------


def test_every_kind_of_reminder_is_declared_once_with_a_builder_that_slack_accepts():
    from bot.blocks.reminders import RelayView, build_reminders
    from bot.digests import Digest
    from bot.followups import ActionView, ValidationView
    from bot.reminders.kinds import KINDS
    from bot.storage.models import ReminderKind
    from bot.workshop.nudges import NudgeView, ReviewView
    from fakeslack.blockkit import block_problems

    assert set(KINDS) == set(ReminderKind)
    today = date(2026, 11, 23)
    about = {
        ReminderKind.ACTION_DUE_SOON: ActionView(1, "Fix", "UANA", today, "open", None, False, "W", None, []),
        ReminderKind.ACTION_OVERDUE: ActionView(2, "Fix", "UANA", today, "open", None, True, "W", (3, "slow"), []),
        ReminderKind.VALIDATION_DUE: ValidationView(4, 3, 3, "slow", "Buy", "UANA", today, 5, "pending", None, None,
                                                    "W", ("Why?",)),
        ReminderKind.NUDGE: NudgeView("W", "C1", "Objectives"),
        ReminderKind.MAP_REVIEW: ReviewView(7, "W", "C1", 90),
        ReminderKind.DIGEST: Digest(),
    }
    about[ReminderKind.RELAYED] = RelayView("UPIA", "invalid_user_combination", KINDS[ReminderKind.ACTION_OVERDUE].build(
        about[ReminderKind.ACTION_OVERDUE], today, False))
    for name, kind in KINDS.items():
        assert kind.name == name and callable(kind.planned_by)
        message = build_reminders([(kind.build, about[name], True)], today)
        assert block_problems(message["blocks"]) == [], name
    everything = build_reminders([(KINDS[k].build, about[k], False) for k in about], today)
    assert block_problems(everything["blocks"]) == [] and "7 reminders for you" in str(everything["blocks"])
