"""End to end, issue 4: action items, their buttons and history, customer validation with its evidence form."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot import ids
from bot.reminders.kinds import make_dispatcher
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow


def workshop_with_pains(bot, *lines_by_user):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    prompt = bot.last_prompt()
    for user, text in lines_by_user:
        bot.ws.reply(user, CHANNEL, prompt.ts, text)
    data = export(bot)
    return [p["number"] for p in data["stages"][0]["pain_points"]]


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def announcements(bot):
    return [m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if "action item" in m.text.lower()
            or "New action item" in json.dumps(m.blocks)]


def test_action_items_from_command_to_done_with_history(bot):
    (pain,) = workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Put prices on the landing page due 2026-12-15 for pain {pain}")
    (msg,) = announcements(bot)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "New action item" in text and "Put prices on the landing page" in text and "<@UANA>" in text
    assert f"pain point #{pain}" in text and "Tue 15 Dec 2026" in text
    done = next(b for b in msg.blocks if b["type"] == "actions")["elements"][0]
    assert done["text"]["text"] == "Done"

    bot.ws.click(BEN, CHANNEL, action_id=done["action_id"], value=done["value"], message=msg)
    assert "Only <@UANA> (its owner) or a facilitator" in bot.last_said_to(BEN)
    bot.ws.click(ANA, CHANNEL, action_id=f"{ids.ACTION_CHANGE}_snooze_week", value=done["value"], message=msg)
    assert "Snoozed until" in bot.last_said_to(ANA)
    bot.ws.click(ANA, CHANNEL, action_id=done["action_id"], value=done["value"], message=msg)
    assert "Marked done: *Put prices on the landing page*" in bot.last_said_to(ANA)
    assert "✅" in json.dumps(bot.fake.message(CHANNEL, msg.ts).blocks, ensure_ascii=False)  # announcement updated

    (item,) = export(bot)["action_items"]
    assert (item["owner"], item["due"], item["status"], item["pain_point"], item["created_by"]) == (
        ANA, "2026-12-15", "done", pain, FACILITATOR)
    assert [(h["change"], h["by"]) for h in item["history"]] == [
        ("created", FACILITATOR), ("snoozed", ANA), ("done", ANA)]


def test_bad_dates_and_owners_are_refused_and_nothing_is_stored(bot):
    workshop_with_pains(bot)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Fix it due someday maybe")
    said = bot.last_said_to(FACILITATOR)
    assert "can't read “someday maybe” as a date" in said and "2026-12-15" in said and "Nothing was stored" in said
    bot.ws.command(FACILITATOR, CHANNEL, "action ana Fix it")
    assert "Start with the owner" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Fix it for pain 999")
    assert "no pain point #999" in bot.last_said_to(FACILITATOR)
    assert export(bot)["action_items"] == []


def test_action_form_and_lists(bot):
    workshop_with_pains(bot, (ANA, "pain: slow"))
    bot.ws.command(FACILITATOR, CHANNEL, "action")
    view = bot.fake.views[-1]
    assert view["callback_id"] == ids.NEW_ACTION_VIEW
    values = {
        ids.ACTION_OWNER_BLOCK: {ids.ACTION_OWNER_INPUT: {"type": "users_select", "selected_user": BEN}},
        ids.ACTION_TEXT_BLOCK: {ids.ACTION_TEXT_INPUT: {"type": "plain_text_input", "value": "Call three customers"}},
        ids.ACTION_DUE_BLOCK: {ids.ACTION_DUE_INPUT: {"type": "datepicker", "selected_date": "2026-11-01"}},
    }
    assert "passed" in bot.ws.submit_view(FACILITATOR, view, values).json()["errors"][ids.ACTION_DUE_BLOCK]
    values[ids.ACTION_DUE_BLOCK][ids.ACTION_DUE_INPUT]["selected_date"] = "2026-11-20"
    assert bot.ws.submit_view(FACILITATOR, view, values).status == 200
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Later thing due 2026-12-24")
    bot.clock.now = datetime(2026, 11, 25, 12, tzinfo=UTC)  # the first one is overdue now
    bot.ws.command(BEN, CHANNEL, "actions")
    listing = bot.last_said_to(BEN)
    assert listing.index("Call three customers") < listing.index("Later thing") and "1 overdue" in listing
    assert "*overdue* since" in listing
    bot.ws.command(CAT, CHANNEL, "actions")
    assert "You have no action items." in bot.last_said_to(CAT)
    bot.ws.command(CAT, CHANNEL, "actions all")
    assert "Call three customers" in bot.last_said_to(CAT)


def test_customer_validation_end_to_end(bot):
    pains = workshop_with_pains(bot, (ANA, "pain: pricing unclear\npain: no PayPal"), (BEN, "pain: Pricing unclear!"),
                                (CAT, "pain: slow support"))
    bot.ws.command(ANA, CHANNEL, "validate")
    assert "Only a facilitator" in bot.last_said_to(ANA)
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 2 by 2026-12-15 customers 3")
    plan = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    text = json.dumps(plan.blocks, ensure_ascii=False)
    # Nobody voted: in number order. Each owned by who raised it.
    assert text.index("pricing unclear") < text.index("no PayPal") and "slow support" not in text
    assert "talk to 3 customers" in text
    buttons = [b for b in plan.blocks if b["type"] == "actions"]
    confirm = buttons[0]["elements"][0]
    assert confirm["text"]["text"] == "Confirmed"

    bot.ws.click(ANA, CHANNEL, action_id=confirm["action_id"], value=confirm["value"], message=plan)
    form = bot.fake.views[-1]
    assert form["callback_id"] == ids.VALIDATION_VIEW and "pricing unclear" in json.dumps(form["blocks"])

    def evidence(customers: str, note: str) -> dict:
        return {ids.EVIDENCE_CUSTOMERS_BLOCK: {ids.EVIDENCE_CUSTOMERS_INPUT: {"type": "number_input", "value": customers}},
                ids.EVIDENCE_NOTE_BLOCK: {ids.EVIDENCE_NOTE_INPUT: {"type": "plain_text_input", "value": note}}}

    assert "whole number" in bot.ws.submit_view(ANA, form, evidence("three", "")).json()["errors"][ids.EVIDENCE_CUSTOMERS_BLOCK]
    assert "Only @UANA" in bot.ws.submit_view(CAT, form, evidence("3", "x")).json()["errors"][ids.EVIDENCE_CUSTOMERS_BLOCK]
    assert bot.ws.submit_view(ANA, form, evidence("4", "All four hit it at checkout")).status == 200
    assert bot.fake.dm_messages(FACILITATOR) == []  # not all answered yet
    updated = json.dumps(bot.fake.message(CHANNEL, plan.ts).blocks, ensure_ascii=False)
    assert "*confirmed* by 4 customers" in updated and "All four hit it at checkout" in updated

    second = buttons[1]["elements"][2]  # "Not confirmed"
    bot.ws.click(ANA, CHANNEL, action_id=second["action_id"], value=second["value"], message=plan)
    assert bot.ws.submit_view(FACILITATOR, bot.fake.views[-1], evidence("5", "Nobody asked for PayPal")).status == 200
    (summary,) = bot.fake.dm_messages(FACILITATOR)
    summary_text = json.dumps(summary.blocks, ensure_ascii=False)
    assert "Held up" in summary_text and "pricing unclear (4 customers)" in summary_text
    assert "Did not hold" in summary_text and "no PayPal (5 customers)" in summary_text

    stage = export(bot)["stages"][0]
    validated = {p["text"]: p.get("validation") for p in stage["pain_points"]}
    keys = ("status", "customers", "customers_planned", "owner", "by", "due")
    assert {k: validated["pricing unclear"][k] for k in keys} == {
        "status": "confirmed", "customers": 4, "customers_planned": 3, "owner": ANA, "by": ANA, "due": "2026-12-15"}
    assert validated["pricing unclear"]["note"] == "All four hit it at checkout"
    assert validated["no PayPal"]["status"] == "not_confirmed" and validated["slow support"] is None
    bot.ws.command(FACILITATOR, CHANNEL, "status")
    assert "*Customer validation*: 2 of 2 answered" in bot.last_said_to(FACILITATOR)
    assert len(pains) == 4


def test_validation_reminders_carry_the_outcome_buttons(bot):
    workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")
    bot.clock.now = datetime(2026, 12, 14, 10, tzinfo=UTC)
    assert make_dispatcher(bot.services).tick() == 1
    (dm,) = bot.fake.dm_messages(ANA)
    text = json.dumps(dm.blocks, ensure_ascii=False)
    assert "Customer validation" in text and "Confirmed" in text and "Not confirmed" in text
    assert "Interview guide" in text and "What, if anything, got in your way there?" in text
    assert dm.metadata["event_type"] == "journey_reminder"


def test_the_export_with_action_items_and_validation_validates(bot):
    import jsonschema

    from tests.test_formats import SCHEMA

    (pain,) = workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Fix it due 2026-12-15 for pain {pain}")
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")
    jsonschema.validate(export(bot), SCHEMA)


def test_nudges_go_privately_once_to_those_who_have_not_answered(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Nudgy")
    bot.ws.command(BEN, CHANNEL, "nudge after 1h")
    assert "Only the facilitator" in bot.last_said_to(BEN)
    bot.ws.command(FACILITATOR, CHANNEL, "nudge after 1h")
    assert "1 hour after it opens" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "next")  # personas opens: nudges planned for an hour later
    bot.ws.reply(BEN, CHANNEL, bot.last_prompt().ts, "Olivia — ops lead")
    dispatcher = make_dispatcher(bot.services)
    assert dispatcher.tick() == 0
    bot.clock.advance(minutes=61)
    dispatcher.tick()
    nudged = {u for u in (ANA, BEN, CAT, "UDAN", FACILITATOR) if bot.fake.dm_messages(u)}
    assert nudged == {ANA, CAT, "UDAN"}  # not Ben (answered), not the facilitator, not the other bot
    (dm,) = bot.fake.dm_messages(ANA)
    text = json.dumps(dm.blocks)
    assert "Your view is missing" in text and "*Personas*" in text and "<@" not in text  # names nobody
    bot.clock.advance(hours=5)
    dispatcher.tick()
    assert len(bot.fake.dm_messages(ANA)) == 1  # once per step

    bot.ws.command(FACILITATOR, CHANNEL, "nudge")  # now: everyone missing was nudged for this step already
    assert "nobody to nudge" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "nudge off")
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    bot.ws.command(FACILITATOR, CHANNEL, "nudge")
    assert "Nudging 4 people privately" in bot.last_said_to(FACILITATOR)  # Ana, Ben, Cat, Dan
    dispatcher.tick()
    assert len(bot.fake.dm_messages(BEN)) == 1


def test_a_closed_map_is_up_for_review_after_a_quarter(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Quarterly")
    bot.ws.command(FACILITATOR, CHANNEL, "close")
    dispatcher = make_dispatcher(bot.services)
    bot.clock.advance(days=89)
    assert dispatcher.tick() == 0
    bot.clock.advance(days=4)
    assert dispatcher.tick() == 1
    (dm,) = bot.fake.dm_messages(FACILITATOR)
    assert "Time to review" in json.dumps(dm.blocks) and "90 days since *Quarterly*" in json.dumps(dm.blocks)


def test_digests_subscribe_arrive_at_local_morning_and_skip_when_nothing_changed(bot):
    (pain,) = workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.fake.users["UDAN"]["tz"] = "Asia/Tokyo"
    bot.ws.command("UDAN", CHANNEL, "digest subscribe daily")
    said = bot.last_said_to("UDAN")
    assert "Subscribed you to a daily digest" in said and "<!date^" in said
    bot.clock.advance(minutes=5)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Put prices on the page due 2026-11-04 for pain {pain}")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Call the bank due 2026-12-20")
    dispatcher = make_dispatcher(bot.services)
    bot.clock.now = datetime(2026, 11, 3, 0, 5, tzinfo=UTC)  # Tuesday 9:05 in Tokyo
    dispatcher.tick()
    (digest,) = [m for m in bot.fake.dm_messages("UDAN") if "digest" in m.text.lower()]
    text = json.dumps(digest.blocks, ensure_ascii=False)
    assert "Your journey map digest" in text and "*Checkout*" in text and "2 open" in text and "2 new" in text
    bot.clock.now = datetime(2026, 11, 4, 0, 5, tzinfo=UTC)  # nothing happened in between
    dispatcher.tick()
    assert len([m for m in bot.fake.dm_messages("UDAN") if "digest" in m.text.lower()]) == 1
    bot.clock.now = datetime(2026, 11, 5, 3, tzinfo=UTC)  # the first item is overdue now, and gets done
    bot.ws.command(ANA, CHANNEL, "actions")
    bot.clock.now = datetime(2026, 11, 6, 0, 5, tzinfo=UTC)
    bot.ws.command("UDAN", CHANNEL, "digest now")
    latest = json.dumps(bot.fake.dm_messages("UDAN")[-1].blocks, ensure_ascii=False)
    assert "overdue item" in latest and "Put prices on the page" in latest and "<@UANA>" in latest
    bot.ws.command("UDAN", CHANNEL, "digest unsubscribe")
    assert "Unsubscribed you." in bot.last_said_to("UDAN")
    before = len(bot.fake.dm_messages("UDAN"))
    bot.clock.now = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)
    dispatcher.tick()
    assert len(bot.fake.dm_messages("UDAN")) == before


def test_a_manager_can_be_subscribed_and_digests_follow_channels(bot):
    workshop_with_pains(bot, (ANA, "pain: slow"))
    bot.ws.command(FACILITATOR, CHANNEL, f"digest subscribe weekly <@{CAT}>")
    assert "Subscribed <@UCAT> to a weekly digest" in bot.last_said_to(FACILITATOR)
    bot.ws.command(CAT, CHANNEL, f"digest follow <#{CHANNEL}|journey>")
    assert f"<#{CHANNEL}>" in bot.last_said_to(CAT)
    bot.ws.command(CAT, CHANNEL, "digest follow all")
    assert "every workshop" in bot.last_said_to(CAT)


def test_validation_tasks_can_be_reassigned_and_their_reminder_follows(bot):
    workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")
    import re

    plan = json.dumps(bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].blocks)
    number = int(re.search(r"task #(\d+)", plan).group(1))
    bot.ws.command(ANA, CHANNEL, f"validate assign {number} <@{CAT}>")
    assert "Only the facilitator" in bot.last_said_to(ANA)
    bot.ws.command(FACILITATOR, CHANNEL, f"validate assign {number} <@{CAT}|cat>")
    assert f"task #{number} is now <@UCAT>'s" in bot.last_said_to(FACILITATOR)
    assert export(bot)["stages"][0]["pain_points"][0]["validation"]["owner"] == CAT
    bot.clock.now = datetime(2026, 12, 14, 10, tzinfo=UTC)
    make_dispatcher(bot.services).tick()
    assert bot.fake.dm_messages(CAT) and not bot.fake.dm_messages(ANA)


def test_nudges_wait_for_the_morning_in_the_persons_time_zone(bot):
    bot.fake.users[ANA]["tz"] = "Asia/Tokyo"
    bot.clock.now = datetime(2026, 11, 2, 14, tzinfo=UTC)  # 23:00 in Tokyo
    bot.ws.command(FACILITATOR, CHANNEL, "new Night owls")
    bot.ws.command(FACILITATOR, CHANNEL, "nudge")
    dispatcher = make_dispatcher(bot.services)
    dispatcher.tick()
    assert bot.fake.dm_messages(ANA) == [] and bot.fake.dm_messages(BEN)  # London is awake, Tokyo sleeps
    bot.clock.now = datetime(2026, 11, 3, 0, 1, tzinfo=UTC)  # 9:01 in Tokyo
    dispatcher.tick()
    assert len(bot.fake.dm_messages(ANA)) == 1
