"""End to end, issue 14 (the review cycle and metrics per stage): a workshop is closed, a facilitator opens its review
(`/journey review`, or the review reminder's button), people re-rate the stages and say which pain points are
resolved, still there or worse, add one that is new; the review closes and the map (export, report, canvas,
picture) compares with the snapshot; the next review is planned once. Metrics per stage are recorded by command
and form, with bad input refused and nothing stored."""

from __future__ import annotations

import json

import jsonschema
import pytest

from bot import ids
from bot.reminders.kinds import make_dispatcher
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR
from tests.test_formats import SCHEMA

pytestmark = pytest.mark.slow


def closed_workshop(bot) -> None:
    """Checkout: two stages walked, rated 2 and 1 (Ana, Ben) in Awareness; three pain points; an action item for
    pain point #1; NPS 20 for Awareness; closed."""
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    awareness = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, awareness.ts, "pain: pricing unclear\npain: no PayPal\nemotion: 2")
    bot.ws.reply(BEN, CHANNEL, awareness.ts, "pain: slow support\nemotion: 1")
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    bot.ws.reply(ANA, CHANNEL, bot.last_prompt().ts, "emotion: 3")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}|ana> Put prices on the page due 2026-12-15 for pain 1")
    bot.ws.command(CAT, CHANNEL, "metric Awareness NPS 20")
    bot.ws.command(FACILITATOR, CHANNEL, "close")


def export(bot, fmt: str = "json"):
    bot.ws.command(FACILITATOR, CHANNEL, f"export {fmt}")
    content = list(bot.fake.files.values())[-1]["content"]
    return json.loads(content) if fmt == "json" else content.decode() if isinstance(content, bytes) else content


def review_pages(bot):
    return [m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if "Review #" in m.text]


def button(message, action_id: str, value_prefix: str = "") -> dict:
    return next(e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == action_id and e["value"].startswith(value_prefix))


def rate(bot, user: str, page, stage_position: int, score: int) -> None:
    buttons = [b for b in page.blocks if b["type"] == "actions" and b["block_id"].startswith("review_rate:")]
    pressed = next(e for e in buttons[stage_position]["elements"] if e["action_id"] == f"{ids.REVIEW_RATE}_{score}")
    bot.ws.click(user, CHANNEL, action_id=pressed["action_id"], value=pressed["value"], message=page)


def mark(bot, user: str, page, number: int, outcome: str) -> None:
    block = next(b for b in page.blocks if b.get("block_id") == f"review_mark:{number}")
    pressed = next(e for e in block["elements"] if e["action_id"] == f"{ids.REVIEW_MARK}_{outcome}")
    bot.ws.click(user, CHANNEL, action_id=pressed["action_id"], value=pressed["value"], message=page)


def test_a_whole_review_cycle_compares_the_map_with_its_snapshot(bot):
    closed_workshop(bot)
    before = export(bot)
    assert before["reviews"] == [] and before["previous"] is None
    (announcement,) = [m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if "New action item" in
                       json.dumps(m.blocks)]

    bot.ws.command(ANA, CHANNEL, "review")
    assert "Only the facilitator" in bot.last_said_to(ANA) and review_pages(bot) == []
    bot.clock.advance(days=30)
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    (page,) = review_pages(bot)
    text = json.dumps(page.blocks, ensure_ascii=False)
    assert "Review #1 of Checkout" in text and "*1. Awareness* · was 1.5 ±0.5" in text
    assert "*#1* pricing unclear" in text and "*#3* slow support" in text and "Add a pain point" in text
    assert "Review #1 of *Checkout* is open" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "review")  # one open review per map
    assert "already under way" in bot.last_said_to(FACILITATOR) and len(review_pages(bot)) == 1

    rate(bot, ANA, page, 0, 4)
    assert "*Awareness* → *4*" in bot.last_said_to(ANA) and "4.0 from 1 rating; it was 1.5" in bot.last_said_to(ANA)
    rate(bot, BEN, page, 0, 3)
    rate(bot, ANA, page, 0, 5)  # changed: one rating each
    assert "(was 4)" in bot.last_said_to(ANA) and "4.0 from 2 ratings" in bot.last_said_to(ANA)
    mark(bot, ANA, page, 1, "still")
    mark(bot, ANA, page, 1, "resolved")  # changed: one answer each
    mark(bot, BEN, page, 1, "resolved")
    assert "2 resolved" in bot.last_said_to(BEN)
    mark(bot, ANA, page, 2, "still")
    mark(bot, BEN, page, 2, "worse")  # a tie
    mark(bot, CAT, page, 3, "worse")
    live = json.dumps(bot.fake.message(CHANNEL, page.ts).blocks, ensure_ascii=False)
    assert "now *4.0* (2 ratings)" in live and "2 resolved" in live and "3 people answered so far" in live

    add = next(b["accessory"] for b in page.blocks if b.get("accessory", {}).get("action_id") == ids.REVIEW_ADD_PAIN)
    bot.ws.click(CAT, CHANNEL, action_id=add["action_id"], value=add["value"], message=page)
    form = bot.fake.views[-1]
    stage_option = form["blocks"][0]["element"]["options"][1]  # Consideration
    values = {ids.REVIEW_PAIN_STAGE_BLOCK: {ids.REVIEW_PAIN_STAGE_INPUT: {
                  "type": "static_select", "selected_option": stage_option}},
              ids.REVIEW_PAIN_TEXT_BLOCK: {ids.REVIEW_PAIN_TEXT_INPUT: {
                  "type": "plain_text_input", "value": "coupon field hidden"}}}
    assert bot.ws.submit_view(CAT, form, values).status == 200
    assert "Added pain point *#4* to *Consideration*" in bot.last_said_to(CAT)

    done = button(announcement, f"{ids.ACTION_CHANGE}_done")
    bot.ws.click(ANA, CHANNEL, action_id=done["action_id"], value=done["value"], message=announcement)
    bot.ws.command(CAT, CHANNEL, "metric awareness nps 35")  # the same metric, in the next period
    assert "(it was 20)" in bot.last_said_to(CAT)

    stale = button(page, f"{ids.REVIEW_MARK}_worse")  # (the page loses its buttons when the review closes)
    bot.ws.command(BEN, CHANNEL, "review close")
    assert "Only the facilitator" in bot.last_said_to(BEN)
    bot.clock.advance(days=1)
    bot.ws.command(FACILITATOR, CHANNEL, "review close")
    summary = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    said = json.dumps(summary.blocks, ensure_ascii=False)
    assert "Review #1 of Checkout: what changed" in said
    assert "Awareness: 1.5 → *4.0* (2 ratings) ⬆️" in said
    assert "*✅ Resolved* (1): #1 pricing unclear" in said and "*📉 Worse* (1): #3 slow support" in said
    assert "*Tied* (people disagree): #2 no PayPal (still there / worse, 1 each)" in said
    assert "#4 coupon field hidden" in said and "Put prices on the page (ana)" in said
    closed_page = json.dumps(bot.fake.message(CHANNEL, page.ts).blocks, ensure_ascii=False)
    assert "(closed)" in closed_page and ids.REVIEW_MARK not in closed_page and "→ *resolved*" in closed_page
    bot.ws.click(CAT, CHANNEL, action_id=stale["action_id"], value=stale["value"], message=page)  # changes nothing
    assert "Review #1 is closed" in bot.last_said_to(CAT)

    data = export(bot)
    jsonschema.validate(data, SCHEMA)
    awareness, consideration = data["stages"][:2]
    assert (awareness["emotion_average"], awareness["review"]) == (4.0, 1)  # the re-rating is the map's now
    assert consideration["emotion_average"] == 3.0 and "review" not in consideration  # not rated again: kept
    prev = data["previous"]
    assert prev["review"] == 1 and prev["date"] == "2026-12-02"
    assert [s["emotion_average"] for s in prev["stages"]][:2] == [1.5, 3.0]
    assert [p["number"] for p in prev["resolved"]] == [1] and [p["number"] for p in prev["worse"]] == [3]
    assert [p["number"] for p in prev["new"]] == [4] and [a["text"] for a in prev["actions_done"]] == [
        "Put prices on the page"]
    pains = {p["number"]: p for p in awareness["pain_points"]}
    assert pains[1]["review"]["outcome"] == "resolved" and pains[2]["review"]["tied"] == ["still", "worse"]
    (review,) = data["reviews"]
    assert review["status"] == "closed" and review["people"] == 3
    assert [(m["text"], m["period"]) for m in data["metrics"]] == [("20", 1), ("35", None)]
    (nps,) = awareness["metrics"]
    assert (nps["text"], nps["previous"]["text"]) == ("35", "20")

    report = export(bot, "md")
    assert "## Since the last review" in report and "**Resolved** (1)" in report
    assert "- #4 coupon field hidden (Consideration)" in report and "**Action items done since 2026-12-02**" in report
    assert "*Metrics:* NPS 35 (was 20)" in report and "| Awareness | NPS | 20 | until review #1 |" in report
    assert "review #1: resolved" in report
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    (canvas,) = bot.fake.canvases.values()
    assert "## Since the last review" in canvas["markdown"] and "*Metrics:* NPS 35 (was 20)" in canvas["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, "map")
    picture = list(bot.fake.files.values())[-1]
    assert picture["name"].endswith(".png") and picture["content"].startswith(b"\x89PNG")

    bot.ws.command(FACILITATOR, CHANNEL, "review close")  # closing twice: refused, nothing planned again
    assert "There's no open review of *Checkout*: review #1 closed on 2026-12-03" in bot.last_said_to(FACILITATOR)
    dispatcher = make_dispatcher(bot.services)
    bot.clock.advance(days=88)
    assert dispatcher.tick() == 0  # the workshop's own reminder (90 days after it closed) gave way
    bot.clock.advance(days=5)
    assert dispatcher.tick() == 1
    (dm,) = bot.fake.dm_messages(FACILITATOR)
    assert "since its last review of *Checkout*" in json.dumps(dm.blocks)
    bot.clock.advance(days=200)
    assert dispatcher.tick() == 0 and len(bot.fake.dm_messages(FACILITATOR)) == 1


def test_the_review_reminders_button_opens_one_review_however_often_it_is_clicked(bot):
    closed_workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "new Second")  # not this one: the channel's latest is open
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    assert "still open" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "close")
    bot.clock.advance(days=93)
    make_dispatcher(bot.services).tick()
    dm = next(m for m in bot.fake.dm_messages(FACILITATOR) if "90 days since *Checkout*" in json.dumps(m.blocks))
    start = button(dm, ids.REVIEW_START, "1:")  # Checkout's (Second's reminder is in the same DM)
    assert start["text"]["text"] == "Start the review"

    bot.ws.click(BEN, "D" + FACILITATOR, action_id=start["action_id"], value=start["value"], message=dm)
    assert "Only the facilitator" in bot.last_said_to(BEN) and review_pages(bot) == []
    payload = {"type": "block_actions", "user": {"id": FACILITATOR, "team_id": bot.ws.team_id},
               "team": {"id": bot.ws.team_id}, "channel": {"id": "D" + FACILITATOR}, "trigger_id": "T.review",
               "response_url": bot.fake.response_url("D" + FACILITATOR, FACILITATOR), "api_app_id": "A0JOURNEY",
               "container": {"type": "message", "channel_id": "D" + FACILITATOR, "message_ts": dm.ts},
               "actions": [{"action_id": ids.REVIEW_START, "block_id": "b", "type": "button",
                            "value": start["value"], "action_ts": "1700000000.5"}]}
    for _ in range(3):  # Slack redelivers the same click
        assert bot.ws.sender.form({"payload": json.dumps(payload)}).status == 200
    (page,) = review_pages(bot)
    assert "Review #1 of Checkout" in page.text and bot.fake.message(CHANNEL, page.ts) is not None
    bot.ws.click(FACILITATOR, "D" + FACILITATOR, action_id=start["action_id"], value=start["value"], message=dm)
    assert "already under way" in bot.last_said_to(FACILITATOR) and len(review_pages(bot)) == 1

    bot.ws.command(FACILITATOR, CHANNEL, "review close")  # Checkout's, though the channel's latest map is Second
    assert "Review #1 of Checkout is closed" in bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].text
    bot.ws.command(FACILITATOR, CHANNEL, "review close")
    assert "no open review of *Second*" in bot.last_said_to(FACILITATOR)


def test_redelivered_answers_act_once(bot):
    closed_workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    (page,) = review_pages(bot)
    block = next(b for b in page.blocks if b.get("block_id") == "review_mark:1")
    resolved = next(e for e in block["elements"] if e["action_id"] == f"{ids.REVIEW_MARK}_resolved")
    payload = {"type": "block_actions", "user": {"id": ANA, "team_id": bot.ws.team_id},
               "team": {"id": bot.ws.team_id}, "channel": {"id": CHANNEL}, "trigger_id": "T.mark",
               "response_url": bot.fake.response_url(CHANNEL, ANA), "api_app_id": "A0JOURNEY",
               "container": {"type": "message", "channel_id": CHANNEL, "message_ts": page.ts},
               "actions": [{"action_id": resolved["action_id"], "block_id": block["block_id"], "type": "button",
                            "value": resolved["value"], "action_ts": "1700000001.25"}]}
    for _ in range(3):
        assert bot.ws.sender.form({"payload": json.dumps(payload)}).status == 200
    assert len([s for s in bot.said_to(ANA) if "Review #1" in s]) == 1  # answered once
    bot.ws.command(FACILITATOR, CHANNEL, "review close")
    (review,) = export(bot)["reviews"]
    assert review["pain_points"][0]["counts"] == {"resolved": 1, "still": 0, "worse": 0}


def test_metrics_bad_input_is_refused_and_nothing_is_stored(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    cases = {
        "metric Onboarding NPS 32": "There's no stage `Onboarding` in this map. The stages: 1. Awareness",
        "metric Awareness NPS high": "`high` isn't a number",
        "metric Awareness NPS 4,1": "Use a point for decimals",
        f"metric Awareness {'x' * 41} 3": "at most 40 characters; that one is 41",
        "metric Awareness 32": "Name the figure",
        "metric 32": "Give the stage, the figure's name and its value",
    }
    for command, message in cases.items():
        bot.ws.command(CAT, CHANNEL, command)
        assert message in bot.last_said_to(CAT), command
    assert export(bot)["metrics"] == []

    bot.ws.command(CAT, CHANNEL, "metric 2 Conversion % 3.2%")
    assert "Recorded *Conversion %* = *3.2%* for *Consideration*" in bot.last_said_to(CAT)
    bot.ws.command(CAT, CHANNEL, "metric")  # the form
    form = bot.fake.views[-1]
    assert form["callback_id"] == ids.METRIC_VIEW
    stage = form["blocks"][0]["element"]["options"][0]

    def values(name: str, value: str) -> dict:
        return {ids.METRIC_STAGE_BLOCK: {ids.METRIC_STAGE_INPUT: {"type": "static_select", "selected_option": stage}},
                ids.METRIC_NAME_BLOCK: {ids.METRIC_NAME_INPUT: {"type": "plain_text_input", "value": name}},
                ids.METRIC_VALUE_BLOCK: {ids.METRIC_VALUE_INPUT: {"type": "plain_text_input", "value": value}}}

    errors = bot.ws.submit_view(CAT, form, values("CSAT", "good")).json()["errors"]
    assert "isn't a number" in errors[ids.METRIC_VALUE_BLOCK]
    errors = bot.ws.submit_view(CAT, form, values(" ", "4")).json()["errors"]
    assert "Name the figure" in errors[ids.METRIC_NAME_BLOCK]
    assert bot.ws.submit_view(CAT, form, values("CSAT", "4.1")).status == 200
    assert "Recorded *CSAT* = *4.1* for *Awareness*" in bot.last_said_to(CAT)
    data = export(bot)
    jsonschema.validate(data, SCHEMA)
    assert [(m["stage"], m["name"], m["value"], m["by"], m["period"]) for m in data["metrics"]] == [
        ("Consideration", "Conversion %", 3.2, CAT, None), ("Awareness", "CSAT", 4.1, CAT, None)]
    assert data["stages"][0]["metrics"][0]["previous"] is None


def test_a_review_needs_a_closed_map_and_a_facilitator(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    assert "no open workshop" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    assert "still open" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "review now")
    assert "`/journey review close` ends it" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "close")
    bot.ws.command(ANA, CHANNEL, "review")
    assert "Only the facilitator (<@UFACIL>) can start a review" in bot.last_said_to(ANA)
    assert export(bot)["reviews"] == [] and review_pages(bot) == []
    bot.clock.advance(minutes=1)
    bot.ws.command(FACILITATOR, CHANNEL, "review")
    (page,) = review_pages(bot)  # nothing was rated or said: every stage is there to rate, unrated so far
    text = json.dumps(page.blocks, ensure_ascii=False)
    assert "*1. Awareness* · was unrated · not rated again yet" in text and "*5. Loyalty*" in text
