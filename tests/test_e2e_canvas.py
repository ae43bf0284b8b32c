"""End to end, issue 14 (the canvas): `/journey canvas` (and the channel's first `/journey map`) gives the channel a
canvas holding the map (canvas markdown from the one map model, with the latest picture's link and the step),
which follows answers, votes, merges, action items, validation, next and close through debounced whole-document
`canvases.edit`s (at most one per CANVAS_REFRESH_SECONDS, driven here by the test's clock; 429s tried again after
their Retry-After); where Slack won't make a channel canvas, a standalone one is shared to the channel; where no
canvas can be made at all, a pinned message kept current with chat.update; the person who asked is told which, and
the facilitators once when it is gone."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, DAN, FACILITATOR, OTHER, serve_bot

pytestmark = pytest.mark.slow


def to_first_stage(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    return bot.last_prompt()


def the_canvas(bot) -> dict:
    (canvas,) = bot.fake.canvases.values()
    return canvas


@pytest.fixture
def slow_bot(fake, tmp_path, clock, http_server):
    """The canvas follows within 30 s of the test's clock; `tick(seconds)` moves it and runs what fell due, as the
    debouncer's thread does once a second in production."""
    for bot in serve_bot(fake, tmp_path, clock, http_server, canvas_refresh_seconds=30):
        def tick(seconds: float = 0, bot=bot) -> None:
            bot.clock.advance(seconds=seconds)
            bot.services.canvas_edits.run_due()
        bot.tick = tick
        yield bot


def edits(bot) -> int:
    return len(bot.fake.calls_to("canvases.edit"))


def expected_markdown(bot) -> str:
    """The canvas as the map is now: what the last edit must hold."""
    from bot import canvases
    from bot.handlers.outbox import _canvas_content, _document

    with bot.services.session() as s:
        workshop_id = canvases.shown_in(session=s, team_id="T0TEAM", channel_id=CHANNEL).workshop_id
    return _document(*_canvas_content(bot.services, "T0TEAM", workshop_id))["markdown"]


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


def test_a_burst_of_200_answers_makes_a_handful_of_edits_the_last_holding_the_final_state(slow_bot):
    bot = slow_bot
    prompt = to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    assert edits(bot) == 0 and "channel's canvas" in bot.last_said_to(FACILITATOR)
    people = (ANA, BEN, CAT, DAN)
    for n in range(200):  # 200 answers in 100 seconds
        bot.ws.reply(people[n % 4], CHANNEL, prompt.ts, f"pain: problem number {n}")
        if n % 2:
            bot.tick(1)
    assert edits(bot) == 4  # at 3 s (it settles a moment first), then at most one per 30 s: 33, 63, 93
    pending = bot.services.canvas_edits.pending()
    assert list(pending.values()) == [bot.clock().timestamp() + 23]  # the last answers are shown within 30 s
    assert the_canvas(bot)["markdown"] != expected_markdown(bot)  # not yet
    bot.tick(22)
    assert edits(bot) == 4
    bot.tick(1)
    assert edits(bot) == 5  # a handful for 200 answers
    md = the_canvas(bot)["markdown"]
    assert md == expected_markdown(bot) and "…and 170 more" in md and "**#1** problem number 0" in md
    bot.tick(60)
    assert edits(bot) == 5  # nothing changed: nothing sent


def test_an_edit_that_would_change_nothing_is_not_sent(bot):
    prompt = to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: slow")
    sent = edits(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")  # "bring it up to date": it is
    bot.ws.command(ANA, CHANNEL, "dept Marketing")
    assert edits(bot) == sent and "brought up to date" in bot.last_said_to(FACILITATOR)


def test_a_rate_limited_edit_is_tried_again_after_retry_after_with_what_changed_meanwhile(slow_bot):
    bot = slow_bot
    prompt = to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    bot.fake.rate_limit("canvases.edit", retry_after=20)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: first")
    bot.tick(3)
    assert edits(bot) == 1 and "first" not in the_canvas(bot)["markdown"]  # Slack said 429: nothing changed
    bot.ws.reply(BEN, CHANNEL, prompt.ts, "pain: second")
    bot.tick(19)
    assert edits(bot) == 1  # it waits Slack's Retry-After, holding no thread
    bot.tick(1)
    assert edits(bot) == 2
    md = the_canvas(bot)["markdown"]
    assert "first" in md and "second" in md


def test_a_deleted_canvas_is_told_to_the_facilitator_once_and_no_longer_edited(bot):
    prompt = to_first_stage(bot)
    bot.ws.command(BEN, CHANNEL, "canvas")
    canvas_id = the_canvas(bot)["id"]
    bot.fake.delete_canvas(canvas_id)  # someone deletes it
    for n in range(3):
        bot.ws.reply(ANA, CHANNEL, prompt.ts, f"pain: problem {n}")
    assert edits(bot) == 1  # the first edit heard canvas_not_found; no more were tried
    told = [m for m in bot.fake.dm_messages(FACILITATOR) if "no longer kept up to date" in json.dumps(m.blocks)]
    assert len(told) == 1 and "canvas_not_found" in json.dumps(told[0].blocks)
    assert not [m for m in bot.fake.dm_messages(BEN) if "no longer" in json.dumps(m.blocks)]  # the facilitator's job
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")  # a new one, holding everything
    new = next(c for c in bot.fake.canvases.values() if not c["deleted"])
    assert new["id"] != canvas_id and new["channel"] == CHANNEL and "problem 2" in new["markdown"]
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: after")
    assert "after" in new["markdown"]


def test_the_canvas_says_where_the_workshop_is_and_follows_next_and_close(bot):
    prompt = to_first_stage(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    assert "now: Stage 1 of 5: Awareness" in the_canvas(bot)["markdown"]
    for user, score in ((ANA, "2"), (BEN, "4"), (CAT, "4")):
        stage = next(b for b in prompt.blocks if b["type"] == "actions")
        button = next(e for e in stage["elements"] if e["value"].endswith(":" + score))
        bot.ws.click(user, CHANNEL, action_id=button["action_id"], value=button["value"], message=prompt)
    assert "emotion 3.3/5, spread ±0.9 (3 ratings: 1 gave 2 · 2 gave 4)" in the_canvas(bot)["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    assert "now: Stage 2 of 5: Consideration" in the_canvas(bot)["markdown"]
    bot.ws.command(FACILITATOR, CHANNEL, "close")
    md = the_canvas(bot)["markdown"]
    assert "workshop #1 · closed*" in md and "now:" not in md


def test_the_first_map_makes_the_canvas_linking_to_the_picture(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear")
    bot.ws.command(BEN, CHANNEL, "map")
    canvas = the_canvas(bot)
    assert canvas["channel"] == CHANNEL and "pricing unclear" in canvas["markdown"]
    said = bot.last_said_to(BEN)
    assert "channel's canvas" in said and "/journey map nocanvas" in said
    (picture,) = [m for m in bot.fake.channel_messages(CHANNEL) if m.files]
    link = bot.fake.permalink(CHANNEL, picture.ts)
    assert f"[The latest picture of the map]({link})" in canvas["markdown"]

    bot.ws.command(BEN, CHANNEL, "map wide")  # a second map: the same canvas, now linking to the new picture
    newest = [m for m in bot.fake.channel_messages(CHANNEL) if m.files][-1]
    assert len(bot.fake.canvases) == 1 and len(bot.fake.calls_to("conversations.canvases.create")) == 1
    assert bot.fake.permalink(CHANNEL, newest.ts) in the_canvas(bot)["markdown"] and link not in canvas["markdown"]


def test_the_first_map_can_leave_the_canvas_out(fake, tmp_path, clock, http_server):
    fake.channels[OTHER]["members"].add("U0BOT")
    for bot in serve_bot(fake, tmp_path, clock, http_server, canvas_refresh_seconds=0, canvas_with_first_map=False):
        bot.ws.command(FACILITATOR, OTHER, "new Setting off")
        bot.ws.command(FACILITATOR, OTHER, "map")
        assert bot.fake.canvases == {} and [m for m in bot.fake.channel_messages(OTHER) if m.files]


def test_a_map_without_its_canvas_then_with_it_and_never_after_it_was_deleted(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Flag")
    bot.ws.command(FACILITATOR, CHANNEL, "map nocanvas")
    assert bot.fake.canvases == {} and [m for m in bot.fake.channel_messages(CHANNEL) if m.files]
    bot.ws.command(FACILITATOR, CHANNEL, "map")  # drawn here before, but with no canvas: one now
    assert the_canvas(bot)["channel"] == CHANNEL
    bot.fake.delete_canvas(the_canvas(bot)["id"])
    bot.ws.command(FACILITATOR, CHANNEL, "map")  # deleted on purpose: a map doesn't bring it back
    assert len(bot.fake.canvases) == 1 and len(bot.fake.calls_to("conversations.canvases.create")) == 1


@pytest.mark.parametrize("failures, reason", [
    ({"conversations.canvases.create": "canvas_disabled_user_team"}, "Canvases are turned off"),
    ({"conversations.canvases.create": "team_tier_cannot_create_channel_canvases",
      "canvases.create": "free_teams_cannot_create_standalone_canvases"}, "A free Slack plan can't"),
])
def test_where_no_canvas_can_be_made_a_pinned_message_holds_the_map(bot, failures, reason):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear")
    for method, error in failures.items():
        bot.fake.fail(method, error)
    bot.ws.command(BEN, CHANNEL, "canvas")
    assert bot.fake.canvases == {}
    (ts,) = bot.fake.channels[CHANNEL]["pins"]
    board = bot.fake.message(CHANNEL, ts)
    assert "pricing unclear" in json.dumps(board.blocks) and "Kept up to date" in json.dumps(board.blocks)
    said = bot.last_said_to(BEN)
    assert reason in said and "pinned to this channel" in said
    bot.ws.reply(CAT, CHANNEL, prompt.ts, "pain: no trial")  # kept current with chat.update
    assert "no trial" in json.dumps(bot.fake.message(CHANNEL, ts).blocks)
    assert bot.fake.calls_to("chat.update")[-1].args["ts"] == ts
    bot.ws.command(BEN, CHANNEL, "canvas")
    assert bot.fake.channels[CHANNEL]["pins"] == [ts] and "brought up to date" in bot.last_said_to(BEN)


def test_a_pinned_message_that_could_not_be_pinned_or_was_deleted(bot):
    prompt = to_first_stage(bot)
    bot.fake.canvases_disabled = True
    bot.fake.fail("pins.add", "permission_denied")
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    assert "wouldn't pin it: `permission_denied`" in bot.last_said_to(FACILITATOR)
    ts = next(m.ts for m in bot.fake.channel_messages(CHANNEL) if "Kept up to date" in json.dumps(m.blocks))
    with bot.fake._lock:  # someone deletes the message
        bot.fake.messages[CHANNEL] = [m for m in bot.fake.messages[CHANNEL] if m.ts != ts]
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: one")
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: two")
    told = [m for m in bot.fake.dm_messages(FACILITATOR) if "no longer kept up to date" in json.dumps(m.blocks)]
    assert len(told) == 1 and "message_not_found" in json.dumps(told[0].blocks)
    assert len([c for c in bot.fake.calls_to("chat.update") if c.args.get("ts") == ts]) == 1  # then no more
