"""End to end, the workshop's flow as people meet it: closed prompts say so and lose their buttons, a facilitator
reopens a stage for late additions, a message at the channel's top level gets one private hint per person per step
(once, across redeliveries and a restart), the end of the stage walk says what comes next, and a bare
`/journey export` asks privately which file."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR, serve_bot

pytestmark = pytest.mark.slow


def step_to(bot, n: int) -> None:
    for _ in range(n):
        assert bot.ws.command(FACILITATOR, CHANNEL, "next").status == 200


def _text(msg) -> str:
    return json.dumps(msg.blocks, ensure_ascii=False)


def _stage_export(bot) -> list[dict]:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])["stages"]


def test_closed_prompts_say_so_and_lose_their_buttons_and_a_stage_can_be_reopened(bot):
    ws, fake = bot.ws, bot.fake
    ws.command(FACILITATOR, CHANNEL, "new Late insights")
    ws.command(FACILITATOR, CHANNEL, "stages Awareness, Purchase")
    objectives = bot.last_prompt()
    step_to(bot, 3)
    awareness = bot.last_prompt()
    assert any(b["type"] == "actions" for b in awareness.blocks)
    closed_objectives = fake.message(CHANNEL, objectives.ts)
    assert "This step is closed" in _text(closed_objectives) and "/journey next" not in _text(closed_objectives)
    assert fake.calls_to("chat.update")

    step_to(bot, 1)
    purchase = bot.last_prompt()
    closed = fake.message(CHANNEL, awareness.ts)
    assert closed.blocks[0]["text"]["text"] == "📍 Stage 1 of 2: Awareness"
    assert "This stage is closed" in _text(closed) and "/journey reopen 1" in _text(closed)
    assert not any(b["type"] == "actions" for b in closed.blocks), "a closed prompt keeps no 1–5 buttons"

    # A late insight for stage 1: not stored, and not steered into stage 2.
    ws.reply(ANA, CHANNEL, awareness.ts, "pain: the pricing page hides the VAT")
    said = bot.last_said_to(ANA)
    assert "*Stage 1 of 2: Awareness* is closed" in said and "`/journey reopen 1`" in said
    assert _stage_export(bot)[0]["pain_points"] == []

    # Only a facilitator reopens; by number or by name.
    ws.command(ANA, CHANNEL, "reopen 1")
    assert "Only the facilitator" in bot.last_said_to(ANA)
    ws.command(FACILITATOR, CHANNEL, "reopen checkout")
    assert "There's no stage `checkout`. The stages: 1. Awareness, 2. Purchase." in bot.last_said_to(FACILITATOR)
    ws.command(FACILITATOR, CHANNEL, "reopen awareness")
    assert "*Stage 1 of 2: Awareness* is open again" in fake.channel_messages(CHANNEL, bot_only=True)[-1].text
    reopened = fake.message(CHANNEL, awareness.ts)
    assert any(b["type"] == "actions" for b in reopened.blocks) and "closed" not in _text(reopened)
    ws.command(FACILITATOR, CHANNEL, "reopen 1")
    assert "already open" in bot.last_said_to(FACILITATOR)

    # Both open stages take answers, each into its own stage.
    ws.reply(ANA, CHANNEL, awareness.ts, "pain: the pricing page hides the VAT")
    ws.reply(BEN, CHANNEL, purchase.ts, "pain: card declined without a reason")
    stages = _stage_export(bot)
    assert [p["text"] for p in stages[0]["pain_points"]] == ["the pricing page hides the VAT"]
    assert [p["text"] for p in stages[1]["pain_points"]] == ["card declined without a reason"]
    ws.command(FACILITATOR, CHANNEL, "status")
    assert "Current step: *Stage 2 of 2: Purchase*" in bot.last_said_to(FACILITATOR)

    # The walk ends: both open prompts are closed, and the channel hears what comes next.
    step_to(bot, 1)
    assert "This stage is closed" in _text(fake.message(CHANNEL, awareness.ts))
    assert "This stage is closed" in _text(fake.message(CHANNEL, purchase.ts))
    done = fake.channel_messages(CHANNEL, bot_only=True)[-1].text
    for step in ("/journey vote", "/journey synthesize", "/journey map", "/journey action", "/journey validate"):
        assert step in done
    assert "export json" not in done
    assert done.index("vote") < done.index("synthesize") < done.index("/journey map") < done.index("validate")
    ws.command(FACILITATOR, CHANNEL, "next")
    assert "The stage walk is done" in bot.last_said_to(FACILITATOR)
    ws.command(FACILITATOR, CHANNEL, "status")
    assert "The stage walk is done" in bot.last_said_to(FACILITATOR)
    # Reopened after the walk, then the workshop closes: the prompt is closed again.
    ws.command(FACILITATOR, CHANNEL, "reopen 2")
    assert any(b["type"] == "actions" for b in fake.message(CHANNEL, purchase.ts).blocks)
    ws.command(FACILITATOR, CHANNEL, "close")
    assert "This stage is closed" in _text(fake.message(CHANNEL, purchase.ts))


def _top_level(bot, user: str, text: str, event_id: str | None = None):
    msg = bot.fake.post_user_message(CHANNEL, user, text)
    event = {**msg.as_event(), "channel_type": "channel", "event_ts": msg.ts}
    assert bot.ws.event(event, event_id=event_id).status == 200
    return event


def _hints(bot, user: str) -> list[str]:
    return [s for s in bot.said_to(user) if "go *in the thread*" in s]


def test_a_top_level_message_gets_one_private_hint_per_person_per_step(bot, fake, tmp_path, clock, http_server):
    ws = bot.ws
    _top_level(bot, ANA, "before any workshop")
    assert _hints(bot, ANA) == []
    ws.command(FACILITATOR, CHANNEL, "new Hints")
    event = _top_level(bot, ANA, "Understand churn", event_id="EvTop1")
    hints = _hints(bot, ANA)
    assert len(hints) == 1 and "*Objectives*" in hints[0]
    hint = fake.ephemerals_for(ANA)[-1]
    assert hint.channel == CHANNEL and hint.thread_ts is None  # where it was written
    ws.event(event, event_id="EvTop1", retry=1)  # Slack's retry
    _top_level(bot, ANA, "and another thing")
    _top_level(bot, BEN, "me too")
    assert len(_hints(bot, ANA)) == 1 and len(_hints(bot, BEN)) == 1

    # A restart: a new bot on the same database remembers who was told.
    bot.settle()
    for again in serve_bot(fake, tmp_path, clock, http_server):
        again.ws = ws  # the same Slack: its event and trigger ids go on counting
        _top_level(again, ANA, "still here")
        assert len(_hints(again, ANA)) == 1
        assert again.ws.command(FACILITATOR, CHANNEL, "next").status == 200
        again.settle()
        _top_level(again, ANA, "new step")
        hints = _hints(again, ANA)
        assert len(hints) == 2 and "*Personas*" in hints[-1]


def test_a_bare_export_asks_privately_which_file(bot):
    ws, fake = bot.ws, bot.fake
    ws.command(FACILITATOR, CHANNEL, "new Exports")
    posted = len(fake.channel_messages(CHANNEL))
    ws.command(ANA, CHANNEL, "export")
    assert fake.files == {} and len(fake.channel_messages(CHANNEL)) == posted
    choice = fake.ephemerals_for(ANA)[-1]
    buttons = next(b for b in choice.blocks if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == [f"{ids.EXPORT_FORMAT}_{f}" for f in ("md", "csv", "json")]
    ws.click(ANA, CHANNEL, action_id=f"{ids.EXPORT_FORMAT}_csv", value="csv", ephemeral_ts=choice.ts)
    (f,) = fake.files.values()
    assert f["channel"] == CHANNEL and f["name"].endswith(".csv")
    assert "Posting the map as a spreadsheet (CSV)" in bot.last_said_to(ANA)
