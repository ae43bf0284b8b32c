"""End to end: a prompt whose ts the bot never learned (Slack stored it and then failed or went quiet, or a reply
came back before the ts was written) loses no answer and is never posted twice. Every prompt carries message
metadata naming its step; a reply in a thread the bot doesn't know, while a prompt is on its way, waits in the
inbox and is recognised by its parent's metadata."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow


def _objectives(bot) -> list[str]:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return [o["text"] for o in json.loads(list(bot.fake.files.values())[-1]["content"])["objectives"]]


def test_slack_stores_the_prompt_then_answers_503_the_prompt_is_found_not_posted_again(bot):
    bot.fake.lose_answers("chat.postMessage", 1.0, status=503)
    bot.ws.command(FACILITATOR, CHANNEL, "new Stored then 503")
    bot.fake.lose_answers("chat.postMessage", 0)
    bot.settle()
    assert len(bot.prompts()) == 1, "the prompt Slack stored is found by its metadata, not posted again"
    assert not any("couldn't post the prompt" in said for said in bot.said_to(FACILITATOR))
    prompt = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "grow self-serve sign-ups")
    assert _objectives(bot) == ["grow self-serve sign-ups"]
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    assert len(bot.prompts()) == 2 and "personas" in bot.last_prompt().blocks[0]["text"]["text"]


def test_a_prompt_whose_ts_was_never_stored_is_recognised_from_its_replies_thread(bot):
    # Slack stores the prompt and the connection drops; Slack can't be asked about the channel either.
    bot.fake.lose_answers("chat.postMessage", 1.0, status=None)
    bot.fake.fail("conversations.history", "internal_error", status=500, times=10)
    bot.ws.command(FACILITATOR, CHANNEL, "new Never learned")
    bot.fake.lose_answers("chat.postMessage", 0)
    bot.settle()
    (prompt,) = bot.prompts()
    assert bot.fake.message(CHANNEL, prompt.ts).metadata["event_payload"]["step_id"]

    inbox = bot.services.inbox
    _, sent = bot.ws.reply(ANA, CHANNEL, prompt.ts, "grow self-serve sign-ups")
    assert sent.status == 200 and inbox.pending() == 1, "acknowledged, kept, not dropped as chatter"
    bot.ws.reply(BEN, CHANNEL, prompt.ts, "fewer support tickets")
    bot.clock.advance(seconds=1)
    inbox.process()
    bot.settle()
    assert inbox.pending() == 0
    assert sorted(_objectives(bot)) == ["fewer support tickets", "grow self-serve sign-ups"]
    assert bot.fake.calls_to("conversations.replies"), "the thread's parent was asked once the replies waited"
    # From now on the prompt is known: a reply is stored at once, and a redelivery doubles nothing.
    msg, _ = bot.ws.reply(ANA, CHANNEL, prompt.ts, "keep churn under 3%")
    bot.ws.event({**msg.as_event(), "channel_type": "channel", "event_ts": msg.ts}, retry=1)
    assert inbox.pending() == 0
    assert sorted(_objectives(bot)) == ["fewer support tickets", "grow self-serve sign-ups", "keep churn under 3%"]
    assert len(bot.prompts()) == 1


def test_a_thread_of_something_else_is_chatter_once_no_prompt_is_on_its_way(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Chatter")
    bot.settle()
    other = bot.fake.post_user_message(CHANNEL, BEN, "lunch?")
    _, sent = bot.ws.reply(ANA, CHANNEL, other.ts, "yes please")
    assert sent.status == 200 and bot.services.inbox.pending() == 0
    assert not bot.fake.calls_to("conversations.replies")
