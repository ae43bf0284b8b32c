"""End to end, issue 14 (opportunities that get done): `/journey opportunities` lists them ranked with a Rate
button where the person may rate; the button's form sets value, effort and owner; `/journey opportunity 3 value 4
effort 2 owner @ana` does the same in one line; bad input changes nothing; a redelivered command, click or form
acts once; the export, the map's summary and the canvas follow; `/journey map opportunities` posts the 2×2."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow


def with_ideas(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    prompt = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "idea: show prices up front\nidea: rebuild checkout\npain: slow")
    return prompt


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def opportunities(bot) -> list[dict]:
    return [o for st in export(bot)["stages"] for o in st["opportunities"]]


def listing(bot, user):
    bot.ws.command(user, CHANNEL, "opportunities")
    return bot.fake.ephemerals_for(user)[-1]


def rate_buttons(blocks) -> list[dict]:
    return [b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == ids.OPPORTUNITY_RATE]


def form_values(value=None, effort=None, owner=None) -> dict:
    def select(v):
        return {"type": "static_select", "selected_option": {"value": v} if v else None}

    return {ids.OPPORTUNITY_VALUE_BLOCK: {ids.OPPORTUNITY_VALUE_INPUT: select(value)},
            ids.OPPORTUNITY_EFFORT_BLOCK: {ids.OPPORTUNITY_EFFORT_INPUT: select(effort)},
            ids.OPPORTUNITY_OWNER_BLOCK: {ids.OPPORTUNITY_OWNER_INPUT: {"type": "users_select",
                                                                       "selected_user": owner}}}


def dms_to(bot, user) -> list[str]:
    return [json.dumps(c.args.get("blocks") or c.args.get("text"), ensure_ascii=False)
            for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def test_rate_from_the_list_with_its_form(bot):
    with_ideas(bot)
    shown = listing(bot, BEN)
    assert "O1" in json.dumps(shown.blocks) and rate_buttons(shown.blocks) == []  # Ben may look, not rate
    shown = listing(bot, FACILITATOR)
    first, second = rate_buttons(shown.blocks)
    text = json.dumps(shown.blocks, ensure_ascii=False)
    assert text.index("*O1* show prices up front") < text.index("*O2* rebuild checkout")
    assert "0 of 2 opportunities rated" in text and "*Not rated yet* (2)" in text

    bot.ws.click(BEN, CHANNEL, action_id=ids.OPPORTUNITY_RATE, value=first["value"])  # a forged click
    assert "Only a facilitator (<@UFACIL>) can rate or hand on O1" in bot.last_said_to(BEN)
    views = len(bot.fake.views)
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.OPPORTUNITY_RATE, value=second["value"], ephemeral_ts=shown.ts)
    assert len(bot.fake.views) == views + 1
    view = bot.fake.views[-1]
    assert view["callback_id"] == ids.OPPORTUNITY_VIEW and view["title"]["text"] == "Rate O2"

    errors = bot.ws.submit_view(FACILITATOR, view, form_values(value="9", effort="2")).json()["errors"]
    assert errors == {ids.OPPORTUNITY_VALUE_BLOCK: "Pick 1 to 5, or not rated."}
    refused = bot.ws.submit_view(BEN, view, form_values(value="4", effort="2")).json()["errors"]
    assert "Only a facilitator" in refused[ids.OPPORTUNITY_VALUE_BLOCK]
    assert all(o["value"] is None for o in opportunities(bot))  # nothing changed

    assert bot.ws.submit_view(FACILITATOR, view, form_values(value="4", effort="2", owner=ANA)).status == 200
    o2 = next(o for o in opportunities(bot) if o["number"] == 2)
    assert (o2["value"], o2["effort"], o2["score"], o2["owner"], o2["rank"]) == (4, 2, 2.0, ANA, 1)
    again = json.dumps(next(e for e in bot.fake.ephemerals_for(FACILITATOR) if e.ts == shown.ts).blocks,
                       ensure_ascii=False)  # the list it came from, ranked anew
    assert "✅ *O2* “rebuild checkout”: value 4 · effort 2 · score 2 · owner <@UANA>. It ranks 1 of 1 rated" in again
    assert again.index("*O2* rebuild checkout") < again.index("*O1* show prices up front")
    (told,) = dms_to(bot, ANA)
    assert "made you the owner of opportunity *O2* “rebuild checkout”" in told

    bot.ws.submit_view(FACILITATOR, view, form_values(value="4", effort="2", owner=ANA))  # the same form again
    assert len(dms_to(bot, ANA)) == 1  # acted once
    # Ana, the owner now, may change it (and sees its Rate button); Ben still may not.
    assert [b["value"] for b in rate_buttons(listing(bot, ANA).blocks)] == [second["value"]]
    bot.ws.click(ANA, CHANNEL, action_id=ids.OPPORTUNITY_RATE, value=second["value"])
    view = bot.fake.views[-1]
    assert bot.ws.submit_view(ANA, view, form_values(value="4", effort="none", owner=ANA)).status == 200
    o2 = next(o for o in opportunities(bot) if o["number"] == 2)
    assert (o2["effort"], o2["score"], o2["rank"]) == (None, None, None)


def test_rate_in_one_line_and_bad_input_changes_nothing(bot):
    with_ideas(bot)
    bot.ws.command(FACILITATOR, CHANNEL, f"opportunity O1 value 5 effort 1 owner <@{BEN}|ben>")
    said = bot.last_said_to(FACILITATOR)
    assert "✅ *O1* “show prices up front”: value 5 · effort 1 · score 5 · owner <@UBEN>." in said
    assert "It ranks 1 of 1 rated" in said
    before = opportunities(bot)
    for text, says in (("opportunity 9 value 4", "There's no opportunity O9 in *Checkout*"),
                       ("opportunity 1 value 7", "Value goes from 1 (hardly matters) to 5 (game changer); `7`"),
                       ("opportunity 1 effort x", "Effort goes from 1 (hours) to 5 (many months); `x`"),
                       ("opportunity 1 value 4 soon", "I couldn't read `soon`"),
                       ("opportunity first value 4", "Start with the opportunity's number")):
        bot.ws.command(FACILITATOR, CHANNEL, text)
        assert says in bot.last_said_to(FACILITATOR), text
    bot.ws.command(CAT, CHANNEL, "opportunity 1 value 1")
    assert "Only a facilitator (<@UFACIL>) or its owner <@UBEN> can rate or hand on O1" in bot.last_said_to(CAT)
    assert opportunities(bot) == before

    bot.ws.command(BEN, CHANNEL, "opp 1 effort 2")  # the owner may
    assert "value 5 · effort 2 · score 2.5" in bot.last_said_to(BEN)
    bot.ws.command(BEN, CHANNEL, "opportunity 2")  # one opportunity, shown with its Rate button for who may
    assert "*O2* rebuild checkout" in bot.last_said_to(BEN) and rate_buttons(
        bot.fake.ephemerals_for(BEN)[-1].blocks) == []


def test_a_redelivered_command_acts_once(bot):
    with_ideas(bot)
    fields = {"team_id": bot.ws.team_id, "channel_id": CHANNEL, "user_id": FACILITATOR, "command": "/journey",
              "text": f"opportunity 2 value 3 effort 4 owner <@{CAT}|cat>", "trigger_id": "T.replayed",
              "response_url": bot.fake.response_url(CHANNEL, FACILITATOR), "api_app_id": "A0JOURNEY"}
    for _ in range(3):
        assert bot.ws.sender.form(fields).status == 200
    assert len(dms_to(bot, CAT)) == 1
    o2 = next(o for o in opportunities(bot) if o["number"] == 2)
    assert (o2["value"], o2["effort"], o2["owner"], o2["owner_name"]) == (3, 4, CAT, "cat")


def test_the_summary_canvas_and_2x2_follow_the_ratings(bot):
    with_ideas(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    bot.ws.command(FACILITATOR, CHANNEL, f"opportunity 2 value 5 effort 1 owner <@{ANA}|ana>")
    (canvas,) = bot.fake.canvases.values()
    md = canvas["markdown"]
    assert f"1. **O2** rebuild checkout (Awareness) · value 5 · effort 1 · score 5 · owner ![](@{ANA})" in md
    assert "*Not rated yet (1), so ranked last" in md and "- **O1** show prices up front (Awareness)" in md

    bot.ws.command(FACILITATOR, CHANNEL, "map")
    summary = json.dumps(bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].blocks, ensure_ascii=False)
    assert "*Opportunities by value over effort:*\\n1. *O2* rebuild checkout" in summary
    assert "owner ana" in summary and "Not rated yet, so ranked last (1):_ O1" in summary

    bot.ws.command(FACILITATOR, CHANNEL, "map opportunities wide")
    assert "`/journey map opportunities` the value/effort 2×2" in bot.last_said_to(FACILITATOR)
    bot.ws.command(BEN, CHANNEL, "map opportunities")
    (f,) = [f for f in bot.fake.files.values() if f["name"].endswith("-opportunities.png")]
    assert f["name"] == "journey-map-1-checkout-opportunities.png"
    image = Image.open(io.BytesIO(f["content"]))
    assert image.format == "PNG" and image.size[0] > image.size[1] > 1000
    file_msg = next(m for m in bot.fake.channel_messages(CHANNEL) if f["id"] in json.dumps(m.files))
    thread = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert thread.thread_ts == file_msg.ts  # the ranking in the picture's thread
    text = json.dumps(thread.blocks, ensure_ascii=False)
    assert "value over effort" in text and "Quick wins: high value, low effort" in text
    bot.ws.command(BEN, CHANNEL, "map opportunities svg")
    (svg,) = [f for f in bot.fake.files.values() if f["name"].endswith("-opportunities.svg")]
    assert "rebuild checkout" in svg["content"].decode()
