"""End to end, issue 14 (the canvas): `/journey canvas` gives the channel a canvas holding the map (canvas
markdown from the one map model), which follows answers, votes, merges, action items and validation through
coalesced whole-document `canvases.edit`s; where Slack won't make a channel canvas, a standalone one is shared to
the channel and the person who asked is told which."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow


def to_first_stage(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    return bot.last_prompt()


def the_canvas(bot) -> dict:
    (canvas,) = bot.fake.canvases.values()
    return canvas


def test_canvas_made_and_kept_current(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "touchpoint: landing page\npain: pricing unclear\npain: prices hidden")
    bot.ws.command(BEN, CHANNEL, "canvas")
    canvas = the_canvas(bot)
    assert canvas["channel"] == CHANNEL and bot.fake.channels[CHANNEL]["canvas"] == canvas["id"]
    assert "channel's canvas" in bot.last_said_to(BEN)
    md = canvas["markdown"]
    assert md.startswith("# Checkout") and "landing page" in md and "**#1** pricing unclear · 0 votes" in md
    assert "## Action items" in md

    bot.ws.reply(BEN, CHANNEL, prompt.ts, "opportunity: show a price table")  # an answer
    assert "show a price table" in the_canvas(bot)["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, "merge 1 2 as Prices are hard to find")  # a merge
    assert "**#1** Prices are hard to find" in the_canvas(bot)["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, "vote")
    ballot = next(m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if ids.VOTE in json.dumps(m.blocks))
    item = next(b["accessory"]["value"] for b in ballot.blocks if b.get("accessory", {}).get("action_id") == ids.VOTE)
    bot.ws.click(ANA, CHANNEL, action_id=ids.VOTE, value=item, message=ballot)  # a vote
    assert "Prices are hard to find · 1 vote" in the_canvas(bot)["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Put prices up due 2026-12-15 for pain 1")  # an action
    md = the_canvas(bot)["markdown"]
    assert f"Put prices up · ![](@{ANA}) · due 2026-12-15 · open · for pain point #1" in md
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")  # validation
    assert "Prices are hard to find · 1 vote · being checked with 5 customers" in the_canvas(bot)["markdown"]
    assert the_canvas(bot)["edits"] >= 5

    bot.ws.command(BEN, CHANNEL, "canvas")  # again: the same canvas, brought up to date
    assert len(bot.fake.canvases) == 1 and len(bot.fake.calls_to("conversations.canvases.create")) == 1
    assert "brought up to date" in bot.last_said_to(BEN)


@pytest.mark.parametrize("error, why", [("channel_canvas_already_exists", "already has a canvas"),
                                        ("team_tier_cannot_create_channel_canvases", "plan can't create")])
def test_canvas_falls_back_to_a_standalone_canvas_shared_to_the_channel(bot, error, why):
    prompt = to_first_stage(bot)
    bot.fake.fail("conversations.canvases.create", error)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    canvas = the_canvas(bot)
    assert canvas["channel"] is None and canvas["shared"] == [CHANNEL]
    assert canvas["title"] == "Journey map: Checkout"
    assert why in bot.last_said_to(FACILITATOR) and "canvas of its own" in bot.last_said_to(FACILITATOR)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: slow checkout")
    assert "slow checkout" in the_canvas(bot)["markdown"]  # kept current all the same


def test_canvas_other_failures_are_told_and_nothing_is_stored(bot):
    to_first_stage(bot)
    bot.fake.fail("conversations.canvases.create", "not_allowed_token_type")
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    assert "not_allowed_token_type" in bot.last_said_to(FACILITATOR)
    assert bot.fake.canvases == {}
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")  # a second try makes it
    assert the_canvas(bot)["channel"] == CHANNEL


def test_canvas_text_cannot_ping_or_link(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: ![](@UBEN) <!channel> [x](https://evil.example) # heading")
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    md = the_canvas(bot)["markdown"]
    assert "![](@UBEN)" not in md and "<!channel>" not in md  # no mention can be typed into it
    assert r"\[x\](https://evil.example)" in md and "\n# heading" not in md  # no link, no heading: read as typed


def test_canvas_needs_a_workshop(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    assert "no open workshop" in bot.last_said_to(FACILITATOR) and bot.fake.canvases == {}
