"""End to end, issue 14 (App Home): `app_home_opened` publishes the person's own work through views.publish to
the fake Slack (which checks a Home view's Block Kit and its 100-block limit); its buttons work from the Home tab
(no channel, no response_url) and the tab is published again when that work changes."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR, PRIVATE
from tests.test_e2e_followups import workshop_with_pains

pytestmark = pytest.mark.slow


def home_text(bot, user: str) -> str:
    return json.dumps(bot.fake.homes[user]["blocks"], ensure_ascii=False)


def buttons(bot, user: str) -> list[dict]:
    return [e for b in bot.fake.homes[user]["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_home_shows_own_work_and_its_buttons_work(bot):
    bot.ws.open_home(ANA)  # nothing yet: a valid, empty Home
    assert bot.fake.homes[ANA]["type"] == "home"
    assert "Nothing open" in home_text(bot, ANA) and "No digest" in home_text(bot, ANA)

    (pain,) = workshop_with_pains(bot, (ANA, "pain: pricing unclear"))
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Put prices on the landing page due 2026-12-15")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}|ben> Not Ana's job")
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15 customers 3")
    bot.ws.command(ANA, CHANNEL, "digest subscribe weekly")
    text = home_text(bot, ANA)  # published again after each change, without Ana opening it
    assert "Put prices on the landing page" in text and "Not Ana's job" not in text
    assert f"Pain point #{pain}" in text and "pricing unclear" in text  # her validation task
    assert "Checkout" in text and f"<#{CHANNEL}>" in text  # the workshop she answered in
    assert "*weekly* digest" in text
    assert "Not Ana's job" in home_text(bot, BEN)

    done = next(b for b in buttons(bot, ANA) if b["action_id"] == f"{ids.ACTION_CHANGE}_done")
    assert bot.ws.click_home(ANA, action_id=done["action_id"], value=done["value"]).status == 200
    assert "Put prices on the landing page" not in home_text(bot, ANA)  # done: no longer open
    assert "Marked done" in json.dumps([m.blocks for m in bot.fake.dm_messages(ANA)], ensure_ascii=False)

    confirm = next(b for b in buttons(bot, ANA) if b["action_id"] == f"{ids.VALIDATION_OUTCOME}_confirmed")
    bot.ws.click_home(ANA, action_id=confirm["action_id"], value=confirm["value"])
    form = bot.fake.views[-1]
    values = {ids.EVIDENCE_CUSTOMERS_BLOCK: {ids.EVIDENCE_CUSTOMERS_INPUT: {"type": "number_input", "value": "3"}},
              ids.EVIDENCE_NOTE_BLOCK: {ids.EVIDENCE_NOTE_INPUT: {"type": "plain_text_input", "value": "yes"}}}
    assert bot.ws.submit_view(ANA, form, values).status == 200
    assert "No validation tasks waiting" in home_text(bot, ANA)
    assert bot.fake.invalid == []


def test_home_refusal_from_the_home_tab_goes_to_the_dm(bot):
    workshop_with_pains(bot, (ANA, "pain: slow page"))
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Speed it up")
    done = next(b for b in buttons(bot, ANA) if b["action_id"] == f"{ids.ACTION_CHANGE}_done")
    bot.ws.click_home(BEN, action_id=done["action_id"], value=done["value"])  # not Ben's item
    assert "Only <@UANA>" in json.dumps([m.blocks for m in bot.fake.dm_messages(BEN)], ensure_ascii=False)


def test_home_leaves_out_workshops_the_person_may_not_see(bot):
    bot.fake.channels[PRIVATE]["members"].add("U0BOT")
    bot.ws.command(FACILITATOR, PRIVATE, "new Secret")
    bot.ws.command(FACILITATOR, PRIVATE, f"action <@{ANA}|ana> Secret thing")
    assert "Secret thing" in home_text(bot, ANA)
    bot.fake.channels[PRIVATE]["members"].discard(ANA)  # she left the private channel
    bot.services.directory._conversation_ttl = 0  # Slack is asked again
    bot.ws.open_home(ANA)
    assert "Secret thing" not in home_text(bot, ANA) and "Secret" not in home_text(bot, ANA)


def test_home_stays_within_slack_limits_with_much_work(bot):
    workshop_with_pains(bot, (ANA, "pain: a"))
    for n in range(30):
        bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Task number {n} " + "x" * 200)
    view = bot.fake.homes[ANA]
    assert len(view["blocks"]) <= 100 and "more: `/journey actions mine`" in home_text(bot, ANA)
    assert bot.fake.invalid == []
