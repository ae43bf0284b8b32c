"""End to end, issue 3: templates, blueprint lanes, dot voting with a live tally, the map picture, the exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from PIL import Image

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR, OTHER
from tests.mermaid_journey import parse

pytestmark = pytest.mark.slow


def to_first_stage(bot, title="Checkout", extra=""):
    bot.ws.command(FACILITATOR, CHANNEL, f"new {title} {extra}".strip())
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    return bot.last_prompt()


def ballots(bot):
    return [m for m in bot.fake.channel_messages(CHANNEL, bot_only=True)
            if m.blocks and m.blocks[0].get("text", {}).get("text", "").startswith("🗳️")]


def test_templates_are_listed(bot):
    bot.ws.command(ANA, CHANNEL, "templates")
    said = bot.last_said_to(ANA)
    for key in ("buyer", "day-in-the-life", "lead-nurturing", "churn", "custom"):
        assert f"`{key}`" in said
    assert "First friction → Disengaging" in said


def test_blueprint_prompts_offer_its_lanes(bot):
    prompt = to_first_stage(bot, "Blue", "--type blueprint --template lead-nurturing")
    text = json.dumps(prompt.blocks)
    assert "frontstage:" in text and "service blueprint" in text and "First contact" in text


def test_dot_voting_with_a_live_tally(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear\npain: slow checkout\npain: no PayPal")
    bot.ws.command(BEN, CHANNEL, "vote")
    assert "Only the facilitator" in bot.last_said_to(BEN)
    bot.ws.command(FACILITATOR, CHANNEL, "vote --votes 2")
    (ballot,) = ballots(bot)
    buttons = [b["accessory"] for b in ballot.blocks if b.get("accessory", {}).get("action_id") == ids.VOTE]
    pricing, slow, paypal = (b["value"] for b in buttons)

    def vote(user, item):
        assert bot.ws.click(user, CHANNEL, action_id=ids.VOTE, value=item, message=ballot).status == 200

    vote(BEN, slow)
    assert "Your dot is on #2 “slow checkout”. 1 dot left of 2." in bot.last_said_to(BEN)
    vote(BEN, paypal)
    vote(BEN, pricing)
    assert "used all 2 dots" in bot.last_said_to(BEN)
    vote(BEN, paypal)  # take one back...
    vote(BEN, pricing)  # ...and move it
    vote(CAT, slow)
    live = bot.fake.message(CHANNEL, ballot.ts)
    lines = [b["text"]["text"] for b in live.blocks if b.get("accessory")]
    assert lines[1].startswith("*2* ●●") and "slow checkout" in lines[1]
    assert lines[0].startswith("*1* ●") and lines[2].startswith("*0*")
    assert "2 people voted so far" in json.dumps(live.blocks)
    assert len(bot.fake.calls_to("chat.update")) == 6
    data = export_json(bot)
    assert [(p["text"], p["votes"]) for p in data["stages"][0]["pain_points"]] == [
        ("slow checkout", 2), ("pricing unclear", 1), ("no PayPal", 0)]


def export_json(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def test_map_picture_with_its_summary_in_the_thread(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "tp: Google ad\npain: pricing unclear\nemotion: 2")
    bot.ws.command(FACILITATOR, CHANNEL, "map")
    (f,) = [f for f in bot.fake.files.values() if f["name"].endswith(".png")]
    image = Image.open(io.BytesIO(f["content"]))
    assert image.format == "PNG" and image.size[0] > 1000
    file_msg = next(m for m in bot.fake.channel_messages(CHANNEL) if m.files)
    summary = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert summary.thread_ts == file_msg.ts
    text = json.dumps(summary.blocks, ensure_ascii=False)
    assert "🗺️ Checkout" in text and "*Awareness* · 🙁 2.0/5" in text and "pricing unclear" in text


def test_map_svg_is_editable_text(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear")
    bot.ws.command(FACILITATOR, CHANNEL, "map svg")
    (f,) = [f for f in bot.fake.files.values() if f["name"].endswith(".svg")]
    svg = f["content"].decode()
    assert "<svg" in svg and ">Awareness</text>" in svg and "pricing unclear" in svg


def test_map_when_slack_shares_the_file_late_still_posts_the_summary(bot, monkeypatch):
    from bot import slack

    monkeypatch.setattr(slack, "share_ts", lambda *a, **k: None)  # the share never showed up in time
    monkeypatch.setattr("bot.handlers.maps.share_ts", lambda *a, **k: None)
    to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "map")
    summary = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert summary.thread_ts is None and "🗺️ Checkout" in json.dumps(summary.blocks, ensure_ascii=False)


def test_csv_and_markdown_exports_upload(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "tp: Google ad\npain: pricing unclear\nemotion: 4")
    bot.ws.command(FACILITATOR, CHANNEL, "export csv")
    bot.ws.command(FACILITATOR, CHANNEL, "export md")
    by_ext = {f["name"].rsplit(".", 1)[1]: f for f in bot.fake.files.values()}
    rows = list(csv.DictReader(io.StringIO(by_ext["csv"]["content"].decode("utf-8-sig"))))
    assert {(r["lane"], r["text"]) for r in rows} >= {("touchpoint", "Google ad"), ("pain point", "pricing unclear")}
    md = by_ext["md"]["content"].decode()
    journey = parse(re.search(r"```mermaid\n(.*?)\n```", md, re.S).group(1))
    assert journey.sections[0][1][0][:2] == ("Google ad", 4)
    assert "as a report (Markdown" in by_ext["md"]["initial_comment"]


def test_future_state_map_from_another_channels_map(bot):
    prompt = to_first_stage(bot, "Today")
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear")
    bot.ws.command(FACILITATOR, CHANNEL, "status")
    number = re.search(r"Workshop #(\d+)", bot.last_said_to(FACILITATOR)).group(1)
    bot.ws.command(FACILITATOR, OTHER, f"new Tomorrow --future-of {number}")
    bot.ws.command(FACILITATOR, OTHER, "export json")
    data = json.loads(list(bot.fake.files.values())[-1]["content"])
    assert (data["map_type"], data["future_of"]) == ("future", int(number))
    assert [p["text"] for p in data["stages"][0]["pain_points"]] == ["pricing unclear"]
