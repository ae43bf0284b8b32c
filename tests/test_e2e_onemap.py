"""End to end, issue 12: one true map. Numbers everywhere, merges that are part of the map (by hand, before a
vote, from a synthesis, and undone), and a report stakeholders read — against the fake Slack, over HTTP."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR
from tests.test_e2e_followups import workshop_with_pains
from tests.test_formats import SCHEMA

pytestmark = pytest.mark.slow

THREE_WORDINGS = [(ANA, "pain: 3-D Secure popup fails on mobile Safari\npain: pricing unclear"),
                  (BEN, "pain: 3DS popup failing on Safari mobile"),
                  (CAT, "pain: 3-D secure popup fails on Safari on mobile")]


def workshop(bot, replies=THREE_WORDINGS):
    for user, department in ((ANA, "Marketing"), (BEN, "Sales"), (CAT, "Support")):
        bot.ws.command(user, CHANNEL, f"dept {department}")
    return workshop_with_pains(bot, *replies)


def export(bot, fmt="json"):
    bot.ws.command(FACILITATOR, CHANNEL, f"export {fmt}")
    content = [f for f in bot.fake.files.values() if f["name"].endswith(f".{fmt}")][-1]["content"]
    return json.loads(content) if fmt == "json" else content.decode("utf-8-sig")


def ballots(bot):
    return [m for m in bot.fake.channel_messages(CHANNEL, bot_only=True)
            if m.blocks and m.blocks[0].get("text", {}).get("text", "").startswith("🗳️")]


def ballot_lines(message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b.get("accessory", {}).get("action_id") == ids.VOTE]


def test_every_pain_point_has_a_number_shown_everywhere_and_commands_take_it(bot):
    workshop(bot)
    data = export(bot)
    jsonschema.validate(data, SCHEMA)
    pains = data["stages"][0]["pain_points"]
    assert sorted((p["number"], p["text"]) for p in pains) == [
        (1, "3-D Secure popup fails on mobile Safari"), (2, "pricing unclear"),
        (3, "3DS popup failing on Safari mobile"), (4, "3-D secure popup fails on Safari on mobile")]
    bot.ws.command(ANA, CHANNEL, "status")
    assert "*#1* 3-D Secure popup" in bot.last_said_to(ANA)
    rows = list(csv.DictReader(io.StringIO(export(bot, "csv"))))
    assert {(r["number"], r["text"]) for r in rows if r["lane"] == "pain point"} >= {("2", "pricing unclear")}
    assert "| pain point | #2 | pricing unclear |" in export(bot, "md")

    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Explain prices due 2026-12-15 for pain 999")
    assert "There's no pain point #999" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Explain prices due 2026-12-15 for pain 2")
    announced = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert "pain point #2: pricing unclear" in json.dumps(announced.blocks)
    (action,) = export(bot)["action_items"]
    assert (action["pain_point_number"], action["owner_name"]) == (2, "ana")

    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")
    plan = json.dumps(bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].blocks)
    assert "Pain point #1" in plan


def test_a_vote_offers_to_merge_near_duplicates_first_and_votes_then_count_once(bot):
    workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "vote --votes 2")
    offer = bot.fake.ephemerals_for(FACILITATOR)[-1]
    text = json.dumps(offer.blocks, ensure_ascii=False)
    assert "read alike" in text and "#1" in text and "#3" in text and "#4" in text and not ballots(bot)
    merge_first = next(e for b in offer.blocks if b["type"] == "actions" for e in b["elements"]
                       if e["action_id"] == ids.VOTE_MERGE_FIRST)
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.VOTE_MERGE_FIRST, value=merge_first["value"],
                 ephemeral_ts=offer.ts)
    (ballot,) = ballots(bot)
    lines = ballot_lines(ballot)
    assert len(lines) == 2 and "#1" in lines[0] + lines[1] and "#3" not in " ".join(lines)  # once, not three times
    merged = next(b["accessory"]["value"] for b in ballot.blocks
                  if b.get("accessory", {}).get("action_id") == ids.VOTE and "#1" in b["text"]["text"])
    for user in (ANA, BEN, CAT):
        bot.ws.click(user, CHANNEL, action_id=ids.VOTE, value=merged, message=ballot)
    (pain, other) = export(bot)["stages"][0]["pain_points"]
    assert (pain["number"], pain["votes"], other["votes"]) == (1, 3, 0)
    assert pain["departments"] == ["Marketing", "Sales", "Support"]
    assert sorted((v["number"], v["author_name"], v["department"]) for v in pain["variants"]) == [
        (1, "ana", "Marketing"), (3, "ben", "Sales"), (4, "cat", "Support")]
    assert "*3* ●●● " in ballot_lines(bot.fake.message(CHANNEL, ballot.ts))[0]  # the live tally counts it once

    bot.ws.command(FACILITATOR, CHANNEL, "unmerge 4")  # undoing gives each variant its own place again
    assert "#1, #3, #4 each have their own place" in bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].text
    numbers = sorted(p["number"] for p in export(bot)["stages"][0]["pain_points"])
    assert numbers == [1, 2, 3, 4]


def test_merging_by_hand_attaches_actions_and_validation_to_the_merged_pain_point(bot):
    workshop(bot)
    bot.ws.command(BEN, CHANNEL, "merge 1 3")
    assert "Only the facilitator" in bot.last_said_to(BEN)
    bot.ws.command(FACILITATOR, CHANNEL, "merge 1 7")
    assert "There's no pain point #7" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "merge 1 3 #4 as 3-D Secure fails on mobile Safari")
    said = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].text
    assert "merged pain points #1, #3, #4 into *#1*" in said
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Test on iOS due 2026-12-15 for pain 4")  # a variant's number
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15")
    data = export(bot)
    (pain,) = [p for p in data["stages"][0]["pain_points"] if p["number"] == 1]
    assert pain["text"] == "3-D Secure fails on mobile Safari" and len(pain["variants"]) == 3
    assert pain["actions"] == [data["action_items"][0]["id"]] and data["action_items"][0]["pain_point_number"] == 1
    assert pain["validation"]["status"] == "pending"
    bot.ws.command(ANA, CHANNEL, "map")
    summary = json.dumps(bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].blocks, ensure_ascii=False)
    assert summary.count("3-D Secure") == 1 and "*#1*" in summary


def test_a_synthesis_merge_applies_at_once_and_its_undo_splits_it(bot):
    workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    post = next(m for m in reversed(bot.fake.channel_messages(CHANNEL, bot_only=True)) if "Synthesis" in m.text)
    undo = next(b["accessory"] for b in post.blocks if b.get("accessory", {}).get("action_id") == ids.SYNTH_UNDO)
    (merged,) = [p for p in export(bot)["stages"][0]["pain_points"] if p.get("variants")]
    assert merged["merged"]["source"] == "synthesis" and len(merged["variants"]) == 3
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_UNDO, value=undo["value"], message=post)
    assert not [p for p in export(bot)["stages"][0]["pain_points"] if p.get("variants")]
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_UNDO, value=undo["value"], message=post)  # merge again
    assert len([p for p in export(bot)["stages"][0]["pain_points"] if p.get("variants")]) == 1


def test_the_report_names_people_and_holds_what_the_team_decided(bot):
    workshop(bot, [(ANA, "pain: pricing unclear\nemotion: 2 the prices confuse everyone"),
                            (BEN, "pain: no PayPal")])
    bot.ws.command(FACILITATOR, CHANNEL, "vote")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{BEN}> Publish a price table due 2026-12-15 for pain 1")
    bot.ws.command(FACILITATOR, CHANNEL, "validate top 1 by 2026-12-15 customers 4")
    plan = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    confirm = next(b for b in plan.blocks if b["type"] == "actions")["elements"][0]
    bot.ws.click(ANA, CHANNEL, action_id=confirm["action_id"], value=confirm["value"], message=plan)
    values = {ids.EVIDENCE_CUSTOMERS_BLOCK: {ids.EVIDENCE_CUSTOMERS_INPUT: {"type": "number_input", "value": "4"}},
              ids.EVIDENCE_NOTE_BLOCK: {ids.EVIDENCE_NOTE_INPUT: {"type": "plain_text_input",
                                                                  "value": "All four hit it"}}}
    assert bot.ws.submit_view(ANA, bot.fake.views[-1], values).status == 200
    md = export(bot, "md")
    assert "Facilitated by fran; " in md and "| ana | Marketing |" in md and "UANA" not in md
    assert "## Top pain points" in md and "| 1 | pricing unclear | Awareness | 0 | Marketing | confirmed by 4 customers |" in md
    assert "ben: Publish a price table (open)" in md
    assert "## Action items" in md and "| ben | Publish a price table | 2026-12-15 | open | #1 |" in md
    assert "> “the prices confuse everyone” — ana (Marketing), 2/5" in md
    assert "what customers said: “All four hit it”" in md


def test_undoing_a_synthesis_merge_gives_a_hand_merge_before_it_back(bot):
    workshop(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "merge 1 3 as 3-D Secure fails on Safari")
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")  # its cluster takes #1, #3 and #4
    post = next(m for m in reversed(bot.fake.channel_messages(CHANNEL, bot_only=True)) if "Synthesis" in m.text)
    undo = next(b["accessory"] for b in post.blocks if b.get("accessory", {}).get("action_id") == ids.SYNTH_UNDO)

    def merged():
        return {p["number"]: (p["text"], sorted(v["number"] for v in p["variants"]))
                for p in export(bot)["stages"][0]["pain_points"] if p.get("variants")}

    assert merged()[1][1] == [1, 3, 4]
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_UNDO, value=undo["value"], message=post)
    assert merged() == {1: ("3-D Secure fails on Safari", [1, 3])}, "the facilitator's own merge stays"
    bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.SYNTH_UNDO, value=undo["value"], message=post)  # merge again
    assert merged()[1][1] == [1, 3, 4]
    bot.ws.command(FACILITATOR, CHANNEL, "unmerge 4")
    assert merged() == {1: ("3-D Secure fails on Safari", [1, 3])}
    bot.ws.command(FACILITATOR, CHANNEL, "unmerge 3")
    assert merged() == {}
