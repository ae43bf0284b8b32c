"""End to end, follow-ups that say what they mean (issue 13): only a validation task's owner or a facilitator opens
its outcome form (anyone else is told, privately, whose it is, by name); a snooze never moves a due date
earlier; `/journey nudge` says who is nudged now and who in their morning, right in every time zone; a reply
naming two personas stores two."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot import ids
from bot.reminders.kinds import make_dispatcher
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def to_first_stage(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Follow-ups")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    return bot.last_prompt()


def test_only_the_owner_or_a_facilitator_opens_a_validation_outcome_form(bot):
    bot.fake.users[ANA]["profile"] = {"display_name": "Ana Lima", "real_name": "Ana Lima"}
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear")
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1")
    plan = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    confirm = next(b for b in plan.blocks if b["type"] == "actions")["elements"][0]
    views = len(bot.fake.views)

    bot.ws.click(CAT, CHANNEL, action_id=confirm["action_id"], value=confirm["value"], message=plan)
    assert len(bot.fake.views) == views, "no form for someone else's task"
    said = bot.last_said_to(CAT)
    assert "This validation task is *Ana Lima*'s" in said and "<@" not in said and "UANA" not in said
    assert bot.fake.ephemerals_for(CAT)[-1].via == "response_url"  # privately

    bot.ws.click(ANA, CHANNEL, action_id=confirm["action_id"], value=confirm["value"], message=plan)
    assert bot.fake.views[-1]["callback_id"] == ids.VALIDATION_VIEW
    bot.ws.click(FACILITATOR, CHANNEL, action_id=confirm["action_id"], value=confirm["value"], message=plan)
    assert len(bot.fake.views) == views + 2


@pytest.mark.parametrize(("due", "snooze", "until", "days_later"), [
    ("2026-12-04", "snooze_week", "Fri 11 Dec", 0),  # due after a week from today: a week after the due date
    ("2026-12-04", "snooze_day", "Sat 5 Dec", 0),
    ("2026-11-24", "snooze_week", "Mon 7 Dec", 7),  # overdue: a week from today
])
def test_a_snooze_never_moves_a_due_date_earlier(bot, due, snooze, until, days_later):
    bot.clock.now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Put prices on the landing page due {due}")
    bot.clock.now = datetime(2026, 11, 23 + days_later, 10, tzinfo=UTC)
    msg = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    value = next(b for b in msg.blocks if b["type"] == "actions")["elements"][0]["value"]
    bot.ws.click(ANA, CHANNEL, action_id=f"{ids.ACTION_CHANGE}_{snooze}", value=value, message=msg)
    assert f"Snoozed until {until}" in bot.last_said_to(ANA)
    (item,) = export(bot)["action_items"]
    assert item["due"] == due


def test_nudge_wording_is_right_in_every_time_zone(bot):
    bot.fake.users[ANA]["tz"] = "Asia/Tokyo"
    bot.clock.now = datetime(2026, 11, 23, 15, tzinfo=UTC)  # 3 pm in London, midnight in Tokyo
    bot.ws.command(FACILITATOR, CHANNEL, "new Nudges")
    bot.ws.command(FACILITATOR, CHANNEL, "nudge")
    assert bot.last_said_to(FACILITATOR) == (
        "Nudging 3 people privately now. And 1 person in their morning: it's night where they are now.")

    bot.clock.now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 11:30 pm in London, 8:30 am in Tokyo
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    bot.ws.command(FACILITATOR, CHANNEL, "nudge")
    assert bot.last_said_to(FACILITATOR) == (
        "Nudging 1 person privately now. And 3 people in their morning: it's night where they are now.")



def test_a_reply_naming_two_personas_stores_two(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Personas")
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    prompt = bot.last_prompt()
    assert "one persona per line" in json.dumps(prompt.blocks)
    bot.ws.reply(BEN, CHANNEL, prompt.ts, "Olivia — ops lead at a logistics firm\nbuys on a monthly budget\n"
                                         "Sam: CFO who signs off")
    bot.ws.reply(CAT, CHANNEL, prompt.ts, "Priya - support agent")
    personas = export(bot)["personas"]
    assert [(p["name"], p["description"]) for p in personas] == [
        ("Olivia", "ops lead at a logistics firm\nbuys on a monthly budget"), ("Sam", "CFO who signs off"),
        ("Priya", "support agent")]


def test_the_digest_names_new_overdue_and_this_weeks_items_with_owners_by_name_and_dates(bot):
    bot.fake.users[ANA]["profile"] = {"display_name": "Ana Lima"}
    bot.fake.users[BEN]["profile"] = {"display_name": "Ben Ode"}
    bot.clock.now = datetime(2026, 11, 2, 9, tzinfo=UTC)  # Monday
    to_first_stage(bot)
    bot.ws.command(CAT, CHANNEL, "digest subscribe daily")
    bot.clock.advance(minutes=5)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Put prices on the page due 2026-11-04")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Call the bank due 2026-11-12")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Redo the FAQ due 2026-12-20")
    dispatcher = make_dispatcher(bot.services)
    bot.clock.now = datetime(2026, 11, 3, 9, 5, tzinfo=UTC)  # Tuesday morning in London
    dispatcher.tick()
    first = json.dumps(bot.fake.dm_messages(CAT)[-1].blocks, ensure_ascii=False)
    assert "🆕 *New since the last digest*" in first
    assert "• Put prices on the page (Ana Lima, due Wed 4 Nov)" in first
    assert "• Redo the FAQ (Ben Ode, due Sun 20 Dec)" in first and "<@U" not in first

    bot.clock.now = datetime(2026, 11, 6, 10, tzinfo=UTC)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Fix the footer due 2026-11-30")  # something new
    bot.clock.now = datetime(2026, 11, 9, 9, 5, tzinfo=UTC)  # the next Monday
    dispatcher.tick()
    second = bot.fake.dm_messages(CAT)[-1]
    text = json.dumps(second.blocks, ensure_ascii=False)
    assert "🆕 *New since the last digest*\\n• Fix the footer (Ana Lima, due Mon 30 Nov)" in text
    assert "⚠️ *Overdue*\\n• Put prices on the page (Ana Lima, overdue since Wed 4 Nov)" in text
    assert "📅 *Due this week*\\n• Call the bank (Ben Ode, due Thu 12 Nov)" in text
    assert "+1 more open item, due later or with no date." in text and "Redo the FAQ" not in text
