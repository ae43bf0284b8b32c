"""End to end, issue 5: /journey synthesize with and without a model, undo and accept, lines sorted by the model."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR, serve_bot
from tests.fake_openai import Fault
from tests.test_synthesis import KEY

pytestmark = pytest.mark.slow


@pytest.fixture
def ai_bot(fake, tmp_path, clock, http_server, openai_fake):
    yield from serve_bot(fake, tmp_path, clock, http_server, openai_api_key=KEY, openai_base_url=openai_fake.url,
                         openai_model="fake-model", openai_timeout_seconds=2)


def run_workshop(bot):
    for user, dept in ((ANA, "Marketing"), (BEN, "Sales"), (CAT, "Support")):
        bot.ws.command(user, CHANNEL, f"dept {dept}")
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    prompt = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: EU card payments fail\ntp: Google ad\nemotion: 2")
    bot.ws.reply(BEN, CHANNEL, prompt.ts, "pain: Card payment fails for EU customers\nemotion: 4")
    bot.ws.reply(CAT, CHANNEL, prompt.ts, "pain: Payment with EU cards fails at checkout\npain: no PayPal")


def synthesis_message(bot):
    return next(m for m in reversed(bot.fake.channel_messages(CHANNEL, bot_only=True))
                if "Synthesis" in json.dumps(m.blocks))


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def test_basic_synthesis_without_a_key_replaces_the_working_message(bot):
    run_workshop(bot)
    bot.ws.command(ANA, CHANNEL, "synthesize")
    assert "Only a facilitator" in bot.last_said_to(ANA)
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    msg = synthesis_message(bot)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "Working on" not in text and bot.fake.calls_to("chat.update")  # replaced in place
    assert "the basic synthesis (no model)" in text and "set OPENAI_API_KEY" in text
    assert "×3" in text and "Sales" in text  # the three payment lines, merged, departments kept
    assert "How might we" in text and "Interview guide" in text
    data = export(bot)["synthesis"]
    assert data["source"] == "basic" and len(data["clusters"]) == 1 and data["clusters"][0]["undone"] is False

    undo = next(b["accessory"] for b in msg.blocks if b.get("accessory", {}).get("action_id") == ids.SYNTH_UNDO)
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_UNDO, value=undo["value"], message=msg)
    assert "(undone)" in json.dumps(bot.fake.message(CHANNEL, msg.ts).blocks)
    assert export(bot)["synthesis"]["clusters"][0]["undone"] is True
    pains = export(bot)["stages"][0]["pain_points"]
    assert len(pains) == 4  # nothing was deleted, merged or not


def test_accept_opens_the_form_and_dismiss_records(bot):
    run_workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    msg = synthesis_message(bot)
    accept = next(e for b in msg.blocks if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == ids.SYNTH_ACCEPT and ":action:" in e["value"])
    bot.ws.click(BEN, CHANNEL, action_id=ids.SYNTH_DISMISS, value=accept["value"], message=msg)
    assert "Only a facilitator can change the synthesis" in bot.last_said_to(BEN)
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_ACCEPT, value=accept["value"], message=msg)
    form = bot.fake.views[-1]
    text_block = next(b for b in form["blocks"] if b["block_id"] == ids.ACTION_TEXT_BLOCK)
    assert text_block["element"]["initial_value"].startswith("Find the cause of")
    values = {
        ids.ACTION_OWNER_BLOCK: {ids.ACTION_OWNER_INPUT: {"type": "users_select", "selected_user": ANA}},
        ids.ACTION_TEXT_BLOCK: {ids.ACTION_TEXT_INPUT: {"type": "plain_text_input",
                                                        "value": text_block["element"]["initial_value"]}},
    }
    assert bot.ws.submit_view(FACILITATOR, form, values).status == 200
    data = export(bot)
    assert data["action_items"][0]["owner"] == ANA
    assert data["synthesis"]["action_items"][0]["decision"] == "accepted"
    assert "✅ Accepted" in json.dumps(bot.fake.message(CHANNEL, msg.ts).blocks, ensure_ascii=False)
    idea = next(e for b in msg.blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == ids.SYNTH_DISMISS and ":opportunity:" in e["value"])
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_DISMISS, value=idea["value"], message=msg)
    assert export(bot)["synthesis"]["opportunities"][0]["decision"] == "dismissed"


def test_model_synthesis_and_the_ai_switch(ai_bot, openai_fake):
    run_workshop(ai_bot)
    prompt = ai_bot.last_prompt()
    ai_bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    text = json.dumps(synthesis_message(ai_bot).blocks, ensure_ascii=False)
    assert "the model `fake-model`" in text and "cluster_pain_points@1" in text
    assert export(ai_bot)["synthesis"]["model"] == "fake-model"
    ai_bot.ws.command(FACILITATOR, CHANNEL, "ai off")
    sent = len(openai_fake.requests)
    ai_bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    assert "switched off for this workshop" in json.dumps(synthesis_message(ai_bot).blocks)
    ai_bot.ws.reply(ANA, CHANNEL, prompt.ts, "the checkout page is confusing")
    assert len(openai_fake.requests) == sent  # nothing at all went to the model
    assert any("Which is it?" in said for said in ai_bot.said_to(ANA))  # asked, as with no model


def test_unprefixed_lines_are_sorted_by_the_model_and_can_be_corrected(ai_bot, openai_fake):
    run_workshop(ai_bot)
    prompt = ai_bot.last_prompt()
    ai_bot.ws.reply(ANA, CHANNEL, prompt.ts, "the checkout page is confusing")
    filed = ai_bot.fake.ephemerals_for(ANA)[-1]
    assert "as a *pain point*" in json.dumps(filed.blocks)
    fix = next(e for b in filed.blocks if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == f"{ids.CLASSIFY}_touchpoint")
    ai_bot.ws.click(ANA, CHANNEL, action_id=fix["action_id"], value=fix["value"])
    stage = export(ai_bot)["stages"][0]
    assert "the checkout page is confusing" in [t["text"] for t in stage["touchpoints"]]
    openai_fake.script["LineKind"] = [{"kind": "emotion", "score": 1}]
    ai_bot.ws.reply(BEN, CHANNEL, prompt.ts, "honestly this part makes me furious")
    assert any(e["user"] == BEN and e["score"] == 1 for e in export(ai_bot)["stages"][0]["emotions"])
    openai_fake.script["LineKind"] = [Fault(status=500)] * 3
    ai_bot.ws.reply(CAT, CHANNEL, prompt.ts, "something odd happened")
    assert any("Which is it?" in said for said in ai_bot.said_to(CAT))  # the model failed: the author is asked


def test_the_synthesis_shows_in_the_map_the_report_the_digest_and_a_valid_export(bot):
    import re

    import jsonschema

    from tests.mermaid_journey import parse
    from tests.test_formats import SCHEMA

    run_workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    data = export(bot)
    jsonschema.validate(data, SCHEMA)
    bot.ws.command(FACILITATOR, CHANNEL, "map")
    summary = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert "Customers meet us here through Google ad" in json.dumps(summary.blocks)
    bot.ws.command(FACILITATOR, CHANNEL, "export md")
    md = [f for f in bot.fake.files.values() if f["name"].endswith(".md")][-1]["content"].decode()
    assert "## Synthesis" in md and "### Duplicate pain points merged" in md and "Interview guide" in md
    parse(re.search(r"```mermaid\n(.*?)\n```", md, re.S).group(1))
    bot.ws.command(FACILITATOR, CHANNEL, "action <@UANA> Fix EU payments due 2026-12-15")
    bot.ws.command(CAT, CHANNEL, "digest now")
    assert "🧠 Synthesis: 1 merged pain points" in json.dumps(bot.fake.dm_messages(CAT)[-1].blocks, ensure_ascii=False)
