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


def test_home_links_each_workshops_open_prompt_and_lists_what_waits_for_an_answer(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    objectives = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, objectives.ts, "Find quick wins")  # she is in the workshop now
    link = bot.fake.permalink(CHANNEL, objectives.ts)
    text = home_text(bot, ANA)  # published after her answer, without her opening it
    assert f"now: <{link}|Objectives> (open the prompt)" in text and "Waiting for your answer (0)" in text
    facilitator = home_text(bot, FACILITATOR)
    assert "Waiting for your answer (1)" in facilitator and f"<{link}|Objectives>" in facilitator

    bot.ws.command(FACILITATOR, CHANNEL, "next")  # the step moves on: their Homes follow
    personas = bot.last_prompt()
    new_link = bot.fake.permalink(CHANNEL, personas.ts)
    text = home_text(bot, ANA)
    assert f"now: <{new_link}|Personas>" in text and "Waiting for your answer (1)" in text
    assert f"• <{new_link}|Personas> · *Checkout* in <#{CHANNEL}>" in text
    bot.ws.reply(ANA, CHANNEL, personas.ts, "Sam — buys online")
    assert "Waiting for your answer (0)" in home_text(bot, ANA)
    published = len(bot.fake.calls_to("views.publish"))
    bot.ws.reply(ANA, CHANNEL, personas.ts, "Lee — buys in store")  # a second answer changes nothing on it
    assert len(bot.fake.calls_to("views.publish")) == published

    asked = len(bot.fake.calls_to("chat.getPermalink"))
    for _ in range(3):
        bot.ws.open_home(ANA)
    assert len(bot.fake.calls_to("chat.getPermalink")) == asked  # kept with the prompt, not asked per publish
    assert asked == 2  # once per prompt posted

    bot.ws.command(FACILITATOR, CHANNEL, "close")  # closed: it leaves their Home
    assert "Checkout" not in home_text(bot, ANA) and "aren't in an open workshop" in home_text(bot, ANA)


def test_home_asks_once_for_a_prompt_link_it_does_not_have(bot):
    bot.fake.fail("chat.getPermalink", "internal_error")  # when the prompt was posted, Slack didn't say
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    prompt = bot.last_prompt()
    bot.ws.open_home(FACILITATOR)
    link = bot.fake.permalink(CHANNEL, prompt.ts)
    assert f"<{link}|Objectives>" in home_text(bot, FACILITATOR)
    asked = len(bot.fake.calls_to("chat.getPermalink"))
    bot.ws.open_home(FACILITATOR)
    assert len(bot.fake.calls_to("chat.getPermalink")) == asked and f"<{link}|Objectives>" in home_text(bot, FACILITATOR)


def test_a_rating_or_a_reopened_stage_changes_what_waits(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    stage = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, stage.ts, "tp: ad")
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    assert "Stage 2 of 5: Consideration" in home_text(bot, ANA) and "Waiting for your answer (1)" in home_text(bot, ANA)
    second = bot.last_prompt()
    button = next(e for b in second.blocks if b["type"] == "actions" for e in b["elements"])
    bot.ws.click(ANA, CHANNEL, action_id=button["action_id"], value=button["value"], message=second)  # a rating
    assert "Waiting for your answer (0)" in home_text(bot, ANA)
    bot.ws.command(FACILITATOR, CHANNEL, "reopen 1")  # she answered stage 1 already
    assert "Waiting for your answer (0)" in home_text(bot, ANA)
    assert "Waiting for your answer (2)" in home_text(bot, FACILITATOR)  # stages 1 and 2 wait for him


def test_home_stays_within_slack_limits_with_many_workshops(bot):
    workshop_with_pains(bot, (ANA, "pain: a"))
    for n in range(14):  # Ana facilitates 14 more workshops, each waiting for her answer
        channel = f"CMANY{n:02d}"
        bot.fake.add_channel(channel, f"many-{n}", members=[ANA, FACILITATOR])
        bot.ws.command(ANA, channel, f"new Workshop number {n} " + "&" * 60)  # escaped, a title grows
    for n in range(25):
        bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Task number {n} " + "x" * 200)
    bot.ws.open_home(ANA)
    view = bot.fake.homes[ANA]
    text = home_text(bot, ANA)
    assert len(view["blocks"]) <= 100 and bot.fake.invalid == []
    assert "+5 more open workshops" in text and "Waiting for your answer (14)" in text and "+4 more" in text
    assert view["blocks"][-1]["type"] == "context" and "14 prompts to answer" in text  # (she answered Checkout's)
