"""Slack delivers late, twice and out of order: a deleted reply never comes back, an older edit never
overwrites a newer one, and a command, a click or a form delivered twice acts once."""

from __future__ import annotations

import json

from bot import ids
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR
from tests.test_e2e_workshop import export, step_to


def _event_of(msg) -> dict:
    return {**msg.as_event(), "channel_type": "channel"}


def test_a_late_copy_of_a_deleted_reply_or_of_its_edit_does_not_bring_it_back(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Tombstones")
    prompt = bot.last_prompt()
    msg, _ = bot.ws.reply(ANA, CHANNEL, prompt.ts, "keep this secret")
    original = _event_of(msg)
    bot.ws.edit(ANA, CHANNEL, msg, "keep this secret, edited")
    bot.ws.delete(CHANNEL, msg)
    assert bot.ws.event(original, event_id="EvLateOriginal", retry=3).status == 200
    late_edit = {"type": "message", "subtype": "message_changed", "channel": CHANNEL, "hidden": True,
                 "message": {**original, "text": "keep this secret, edited", "edited": {"user": ANA, "ts": "1.0"}},
                 "previous_message": original, "ts": bot.fake.next_ts(), "event_ts": bot.fake.next_ts()}
    assert bot.ws.event(late_edit, event_id="EvLateEdit", retry=2).status == 200
    assert export(bot)["objectives"] == []


def test_a_delete_that_arrives_before_its_message_means_nothing_is_stored(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Out of order")
    prompt = bot.last_prompt()
    msg = bot.fake.post_user_message(CHANNEL, ANA, "never mind", thread_ts=prompt.ts)
    bot.ws.delete(CHANNEL, msg)
    assert bot.ws.event(_event_of(msg)).status == 200
    assert export(bot)["objectives"] == []
    assert bot.fake.calls_to("reactions.add") == []  # nothing was confirmed either


def test_edits_apply_in_the_order_people_made_them_whatever_order_they_arrive_in(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Edit order")
    prompt = bot.last_prompt()
    msg = bot.fake.post_user_message(CHANNEL, ANA, "first", thread_ts=prompt.ts)
    original = _event_of(msg)

    def edit(text: str, edited_ts: str) -> dict:
        return {"type": "message", "subtype": "message_changed", "channel": CHANNEL, "hidden": True,
                "message": {**original, "text": text, "edited": {"user": ANA, "ts": edited_ts}},
                "previous_message": original, "ts": bot.fake.next_ts(), "event_ts": bot.fake.next_ts()}

    newer, older = edit("third, the last word", "1700000900.000002"), edit("second", "1700000800.000001")
    assert bot.ws.event(newer).status == 200  # the newest edit arrives first (the original never did)
    assert bot.ws.event(older).status == 200
    assert bot.ws.event(original).status == 200  # and the original, late
    assert [o["text"] for o in export(bot)["objectives"]] == ["third, the last word"]


def test_a_command_delivered_four_times_acts_once(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Replays")
    fields = {"team_id": bot.ws.team_id, "channel_id": CHANNEL, "user_id": FACILITATOR, "command": "/journey",
              "text": f"action <@{BEN}> Call the bank due in 2 weeks", "trigger_id": "T.replayed",
              "response_url": bot.fake.response_url(CHANNEL, FACILITATOR), "api_app_id": "A0JOURNEY"}
    for _ in range(4):  # a valid signed request, replayed within Slack's five minutes
        assert bot.ws.sender.form(fields).status == 200
    assert [a["text"] for a in export(bot)["action_items"]] == ["Call the bank"]


def test_a_click_delivered_twice_acts_once(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Double clicks")
    step_to(bot, 3)
    bot.ws.reply(ANA, CHANNEL, bot.last_prompt().ts, "pain: slow")
    bot.ws.command(FACILITATOR, CHANNEL, "vote")
    ballot = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    button = next(e for b in ballot.blocks for e in [b.get("accessory") or {}] if e.get("action_id") == ids.VOTE)
    payload = {"type": "block_actions", "user": {"id": BEN, "team_id": bot.ws.team_id},
               "team": {"id": bot.ws.team_id}, "channel": {"id": CHANNEL}, "trigger_id": "T.click",
               "response_url": bot.fake.response_url(CHANNEL, BEN), "api_app_id": "A0JOURNEY",
               "container": {"type": "message", "channel_id": CHANNEL, "message_ts": ballot.ts},
               "actions": [{"action_id": ids.VOTE, "block_id": "b", "type": "button", "value": button["value"],
                            "action_ts": "1700000000.123"}]}
    for _ in range(2):  # a second delivery would take the dot back
        assert bot.ws.sender.form({"payload": json.dumps(payload)}).status == 200
    assert export(bot)["stages"][0]["pain_points"][0]["votes"] == 1


def test_a_form_submitted_twice_acts_once(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Forms")
    bot.ws.command(FACILITATOR, CHANNEL, "action")
    view = {**bot.fake.views[-1], "id": "V123", "hash": "h1"}
    values = {ids.ACTION_OWNER_BLOCK: {ids.ACTION_OWNER_INPUT: {"type": "users_select", "selected_user": BEN}},
              ids.ACTION_TEXT_BLOCK: {ids.ACTION_TEXT_INPUT: {"type": "plain_text_input", "value": "Fix it"}},
              ids.ACTION_DUE_BLOCK: {ids.ACTION_DUE_INPUT: {"type": "datepicker", "selected_date": None}},
              ids.ACTION_PAIN_BLOCK: {ids.ACTION_PAIN_INPUT: {"type": "static_select", "selected_option": None}}}
    for _ in range(2):
        assert bot.ws.submit_view(FACILITATOR, view, values).status == 200
    assert [a["text"] for a in export(bot)["action_items"]] == ["Fix it"]
