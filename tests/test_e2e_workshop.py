"""End to end: the Bolt app served over real HTTP, signed Slack requests in, its unchanged slack_sdk client out to
the fake Slack over HTTP. Checks look at what Slack received and what the export holds."""

from __future__ import annotations

import json
import re

import pytest

from bot import ids
from fakeslack.api import BOT_USER_ID
from tests.conftest import ANA, BEN, CAT, CHANNEL, DAN, FACILITATOR, OTHER, PRIVATE

pytestmark = pytest.mark.slow


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    f = list(bot.fake.files.values())[-1]
    assert f["shared"] and f["channel"] == CHANNEL
    return json.loads(f["content"])


def step_to(bot, n: int) -> None:
    for _ in range(n):
        assert bot.ws.command(FACILITATOR, CHANNEL, "next").status == 200


def test_a_whole_workshop_with_three_departments(bot):
    ws, fake = bot.ws, bot.fake
    for user, dept in [(ANA, "Marketing"), (BEN, "Sales"), (CAT, "Support"), (FACILITATOR, "Product")]:
        assert ws.command(user, CHANNEL, f"dept {dept}").status == 200
    assert "you're in *Support*" in bot.last_said_to(CAT)

    ws.command(FACILITATOR, CHANNEL, "new Checkout redesign")
    objectives = bot.last_prompt()
    assert objectives.blocks[0]["text"]["text"] == "🧭 Checkout redesign: objectives"
    assert "You're facilitating *Checkout redesign*" in bot.last_said_to(FACILITATOR)

    msg, sent = ws.reply(ANA, CHANNEL, objectives.ts, "- Understand why carts are abandoned\n- Find quick wins")
    assert sent.status == 200
    assert fake.message(CHANNEL, msg.ts).reactions == {"white_check_mark": {BOT_USER_ID}}
    ws.reply(BEN, CHANNEL, objectives.ts, "1. Shorten the sales cycle")

    step_to(bot, 1)
    personas = bot.last_prompt()
    assert "personas" in personas.blocks[0]["text"]["text"]
    ws.reply(CAT, CHANNEL, personas.ts, "Olivia — ops lead at a logistics firm\nbuys on a monthly budget")
    ws.reply(BEN, CHANNEL, personas.ts, "Sam: CFO who signs off")

    step_to(bot, 1)
    stages = bot.last_prompt()
    assert "1. Awareness" in stages.blocks[1]["text"]["text"]
    ws.reply(CAT, CHANNEL, stages.ts, "Onboarding")
    ws.command(FACILITATOR, CHANNEL, "stages Awareness, Consideration, Purchase, Onboarding")
    confirm = fake.channel_messages(CHANNEL, bot_only=True)[-1]
    assert "Stages confirmed: Awareness → Consideration → Purchase → Onboarding" in confirm.text

    step_to(bot, 1)
    awareness = bot.last_prompt()
    assert awareness.blocks[0]["text"]["text"] == "📍 Stage 1 of 4: Awareness"
    ws.reply(ANA, CHANNEL, awareness.ts, "touchpoint: Google ad\npain: pricing unclear\nidea: price calculator")
    ws.reply(BEN, CHANNEL, awareness.ts, "tp: LinkedIn post\nemotion: 3 curious")
    ws.reply(CAT, CHANNEL, awareness.ts, "pain point: can't find the trial")
    # A rating by button, then a new one replaces it.
    for score in ("1", "2"):
        assert ws.click(CAT, CHANNEL, action_id=f"{ids.EMOTION_RATE}_{score}", value=f"{_stage_id(awareness)}:{score}",
                        message=awareness).status == 200
    assert "You rated *Awareness* 2 🙁 (was 1)" in bot.last_said_to(CAT)

    step_to(bot, 1)
    consideration = bot.last_prompt()
    msg, _ = ws.reply(ANA, CHANNEL, consideration.ts, "pain: comparison table is outdated\nthe demo was too long")
    question = fake.ephemerals_for(ANA)[-1]
    assert question.thread_ts == consideration.ts and "Which is it?" in question.blocks[0]["text"]["text"]
    item_id = question.blocks[2]["elements"][0]["value"]
    ws.click(ANA, CHANNEL, action_id=f"{ids.CLASSIFY}_pain_point", value=item_id)
    assert "Filed as *pain point*: the demo was too long" in bot.last_said_to(ANA)
    assert fake.calls_to("response_url")[-1].args["replace_original"] is True

    ws.command(FACILITATOR, CHANNEL, "status")
    status = bot.last_said_to(FACILITATOR)
    assert "Current step: *Stage 2 of 4: Consideration*" in status
    assert "Stage 1 of 4: Awareness: 7 answers" in status
    assert "*Awareness*: 2 touchpoints · 2 pain points · 1 opportunity · emotion 2.5/5 ±0.5 (2 ratings)" in status
    assert "Not yet contributed (1)*\n<@UDAN>" in status  # not the other bot, nor the facilitator
    assert "Departments represented (3)" in status and "Marketing: 7" in status

    ws.command(FACILITATOR, CHANNEL, "close")
    assert "is closed: 15 answers from 3 people across 3 departments" in fake.channel_messages(CHANNEL, bot_only=True)[-1].text

    data = export(bot)
    assert data["workshop"]["status"] == "closed" and data["workshop"]["facilitators"] == [FACILITATOR]
    assert [o["text"] for o in data["objectives"]] == [
        "Understand why carts are abandoned", "Find quick wins", "Shorten the sales cycle"]
    assert [(p["name"], p["department"]) for p in data["personas"]] == [("Olivia", "Support"), ("Sam", "Sales")]
    assert [s["name"] for s in data["stages"]] == ["Awareness", "Consideration", "Purchase", "Onboarding"]
    aw, co = data["stages"][0], data["stages"][1]
    assert [(i["text"], i["department"]) for i in aw["pain_points"]] == [
        ("pricing unclear", "Marketing"), ("can't find the trial", "Support")]
    assert sorted((e["user"], e["score"]) for e in aw["emotions"]) == [(BEN, 3), (CAT, 2)]
    assert aw["emotion_average"] == 2.5
    assert [i["text"] for i in co["pain_points"]] == ["comparison table is outdated", "the demo was too long"]
    assert {p["user"]: p["department"] for p in data["participants"]} == {ANA: "Marketing", BEN: "Sales", CAT: "Support"}
    assert fake.calls_to("files.getUploadURLExternal") and fake.calls_to("files.completeUploadExternal")


def _stage_id(prompt) -> int:
    actions = next(b for b in prompt.blocks if b["type"] == "actions")
    return int(actions["elements"][0]["value"].split(":")[0])


def test_redelivered_and_duplicated_replies_are_stored_once(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Retries")
    prompt = bot.last_prompt()
    msg = bot.fake.post_user_message(CHANNEL, ANA, "one objective", thread_ts=prompt.ts)
    event = {**msg.as_event(), "channel_type": "channel"}
    assert bot.ws.event(event, event_id="Ev1").status == 200
    assert bot.ws.event(event, event_id="Ev1", retry=1).status == 200  # Slack's retry: same event id
    assert bot.ws.event(event, event_id="Ev2").status == 200  # the same message under another event id
    assert [o["text"] for o in export(bot)["objectives"]] == ["one objective"]
    assert len(bot.fake.calls_to("reactions.add")) == 1


def test_edits_update_and_deletes_remove_answers(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Edits")
    step_to(bot, 3)
    prompt = bot.last_prompt()
    msg, _ = bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: slow\nidea: faster")
    bot.ws.edit(ANA, CHANNEL, msg, "pain: very slow checkout\nidea: faster\ntp: email receipt")
    aw = export(bot)["stages"][0]
    assert ([i["text"] for i in aw["pain_points"]], [i["text"] for i in aw["touchpoints"]]) == (
        ["very slow checkout"], ["email receipt"])
    bot.ws.delete(CHANNEL, msg)
    aw = export(bot)["stages"][0]
    assert aw["pain_points"] == aw["opportunities"] == aw["touchpoints"] == []


@pytest.mark.parametrize("tamper", ["wrong", "stale", "missing"])
def test_bad_signatures_are_rejected_and_change_nothing(bot, tamper):
    kw = {"wrong": {"signature": "v0=" + "0" * 64}, "stale": {"timestamp": 1_000_000_000},
          "missing": {"signature": ""}}[tamper]
    sent = bot.ws.command(FACILITATOR, CHANNEL, "new Forged", **kw)
    assert sent.status == 401
    assert bot.fake.calls_to("chat.postMessage") == []
    assert bot.ws.command(FACILITATOR, CHANNEL, "status").status == 200
    assert "no open workshop" in bot.last_said_to(FACILITATOR)


def test_non_facilitators_are_refused_and_nothing_changes(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Guarded")
    before = len(bot.prompts())
    for text in ("next", "stages A, B", "close"):
        bot.ws.command(BEN, CHANNEL, text)
        assert "Only the facilitator (<@UFACIL>)" in bot.last_said_to(BEN) and "Nothing was changed" in bot.last_said_to(BEN)
    assert len(bot.prompts()) == before
    data = export(bot)
    assert data["workshop"]["status"] == "open" and data["stages"][0]["name"] == "Awareness"


def test_second_new_names_the_open_workshop(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new First one")
    bot.ws.command(ANA, CHANNEL, "new Second one")
    assert "already has an open workshop: *First one*, started by <@UFACIL>" in bot.last_said_to(ANA)
    assert len(bot.prompts()) == 1


def test_unknown_commands_get_usage(bot):
    bot.ws.command(ANA, CHANNEL, "dance")
    said = bot.last_said_to(ANA)
    assert "I don't know `/journey dance`" in said and "`/journey help` lists every command" in said
    assert "Usage" not in said  # not every command's usage: only a suggestion's
    bot.ws.command(ANA, CHANNEL, "nwe Checkout")
    said = bot.last_said_to(ANA)
    assert "Did you mean `/journey new`?" in said and "Usage: `/journey new <title>" in said
    assert "export" not in said
    bot.ws.command(ANA, CHANNEL, "help")
    assert "`/journey export`" in bot.last_said_to(ANA)


def test_replies_to_closed_steps_are_not_stored_and_get_a_note(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Late answers")
    objectives = bot.last_prompt()
    step_to(bot, 1)
    msg, _ = bot.ws.reply(BEN, CHANNEL, objectives.ts, "a late objective")
    note = bot.fake.ephemerals_for(BEN)[-1]
    assert note.thread_ts == objectives.ts
    assert "*Objectives* is closed" in bot.last_said_to(BEN) and "*Personas*" in bot.last_said_to(BEN)
    assert bot.fake.message(CHANNEL, msg.ts).reactions == {}
    assert export(bot)["objectives"] == []


def test_bot_ignores_its_own_and_other_bots_messages_and_foreign_threads(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Quiet")
    prompt = bot.last_prompt()
    bot.ws.event({"type": "message", "subtype": "bot_message", "bot_id": "BOTHER", "channel": CHANNEL,
                  "ts": bot.fake.next_ts(), "thread_ts": prompt.ts, "text": "pain: bots talk"})
    bot.ws.event({"type": "message", "bot_id": "B0BOT", "user": BOT_USER_ID, "channel": CHANNEL,
                  "ts": bot.fake.next_ts(), "thread_ts": prompt.ts, "text": "my own words"})
    top = bot.fake.post_user_message(CHANNEL, ANA, "a top-level message")
    bot.ws.reply(ANA, CHANNEL, top.ts, "a reply in someone else's thread")
    assert export(bot)["objectives"] == []
    assert bot.fake.calls_to("reactions.add") == [] and bot.fake.ephemerals_for(ANA) == []


def test_mentions_in_answers_never_ping_when_shown(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Launch &lt;!channel&gt; <!here> <@UBEN>")
    bot.ws.command(FACILITATOR, CHANNEL, "stages <!channel>, B")
    assert "plain words" in bot.last_said_to(FACILITATOR)
    step_to(bot, 3)
    prompt = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "<!channel> we should ask <@UBEN>\nemotion: 9 <!here>")
    bot.ws.command(FACILITATOR, CHANNEL, "status")
    sent = [c.args for c in bot.fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral", "response_url")]
    for args in sent:
        dump = json.dumps({k: args.get(k) for k in ("text", "blocks")})
        assert not re.search(r"<!(channel|here|everyone)", dump), dump
        assert "<@UBEN>" not in dump or args.get("user") == FACILITATOR  # only the facilitator's private status lists people
    # Stored as typed.
    data = export(bot)
    assert data["workshop"]["title"] == "Launch <!channel> <!here> <@UBEN>"
    assert [i["text"] for i in data["stages"][0]["unsorted"]] == ["<!channel> we should ask <@UBEN>"]


def test_very_long_answers_are_stored_whole_and_shown_short(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Long")
    step_to(bot, 3)
    prompt = bot.last_prompt()
    long = "x" * 39_990
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "unsorted " + long)
    assert bot.fake.invalid == []
    question = bot.fake.ephemerals_for(ANA)[-2]  # the kind question, then the department hint
    assert len(json.dumps(question.blocks)) < 3000
    assert export(bot)["stages"][0]["unsorted"][0]["text"] == "unsorted " + long


def test_slack_429_is_retried_after_retry_after(bot):
    bot.fake.rate_limit("chat.postMessage", retry_after=1)
    bot.ws.command(FACILITATOR, CHANNEL, "new Busy Slack")
    assert len(bot.fake.calls_to("chat.postMessage")) == 2
    assert len(bot.prompts()) == 1


def test_failed_prompt_post_loses_nothing_and_next_reposts_it(bot):
    bot.fake.fail("chat.postMessage", "internal_error", status=200, times=1)
    bot.ws.command(FACILITATOR, CHANNEL, "new Flaky")
    assert "couldn't post the prompt" in bot.last_said_to(FACILITATOR) and "nothing is lost" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "status")
    assert "its prompt isn't in the channel yet" in bot.last_said_to(FACILITATOR)
    bot.ws.command(FACILITATOR, CHANNEL, "next")
    assert "objectives" in bot.last_prompt().blocks[0]["text"]["text"]
    assert "posted it now instead of moving on" in bot.last_said_to(FACILITATOR)


def test_bot_joins_a_public_channel_and_asks_to_be_invited_to_a_private_one(bot):
    bot.ws.command(FACILITATOR, OTHER, "new In random")
    assert bot.fake.calls_to("conversations.join") and len(bot.prompts(OTHER)) == 1
    bot.ws.command(FACILITATOR, PRIVATE, "new Secret plans")
    assert "not_in_channel" in bot.last_said_to(FACILITATOR) and "/invite @Journey Workshop" in bot.last_said_to(FACILITATOR)
    bot.fake.channels[PRIVATE]["members"].add(BOT_USER_ID)  # someone invites the bot
    bot.ws.command(FACILITATOR, PRIVATE, "next")
    assert len(bot.prompts(PRIVATE)) == 1


def test_a_database_outage_while_storing_is_waited_out_and_nothing_is_lost(bot, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot.workshop import replies as workshop

    bot.ws.command(FACILITATOR, CHANNEL, "new Fragile")
    prompt = bot.last_prompt()
    real = workshop.record_replies
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(**kw)

    monkeypatch.setattr(workshop, "record_replies", flaky)
    msg, sent = bot.ws.reply(ANA, CHANNEL, prompt.ts, "keep me")
    assert sent.status == 200 and calls["n"] == 3
    assert [o["text"] for o in export(bot)["objectives"]] == ["keep me"]
    assert bot.fake.message(CHANNEL, msg.ts).reactions  # confirmed once it was stored


def test_an_unexpected_error_gets_an_apology_not_silence(bot, monkeypatch):
    from bot.workshop import flow as workshop

    def broken(**kw):
        raise RuntimeError("bug")

    monkeypatch.setattr(workshop, "open_next_step", broken)
    bot.ws.command(FACILITATOR, CHANNEL, "new Buggy")
    assert bot.ws.command(FACILITATOR, CHANNEL, "next").status == 200
    assert "something went wrong on my side" in bot.last_said_to(FACILITATOR)


def test_new_without_title_opens_a_form(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new")
    (opened,) = bot.fake.calls_to("views.open")
    view = bot.fake.views[-1]
    assert view["callback_id"] == ids.NEW_WORKSHOP_VIEW

    def values(title: str, objective: str | None = "Cut churn\nLearn why") -> dict:
        return {
            ids.NEW_TITLE_BLOCK: {ids.NEW_TITLE_INPUT: {"type": "plain_text_input", "value": title}},
            ids.NEW_OBJECTIVE_BLOCK: {ids.NEW_OBJECTIVE_INPUT: {"type": "plain_text_input", "value": objective}},
            ids.NEW_TEMPLATE_BLOCK: {ids.NEW_TEMPLATE_INPUT: {"type": "static_select",
                                                              "selected_option": {"value": "buyer"}}},
        }

    empty = bot.ws.submit_view(FACILITATOR, view, values("   "))
    assert empty.json()["response_action"] == "errors" and ids.NEW_TITLE_BLOCK in empty.json()["errors"]
    assert bot.prompts() == []
    ok = bot.ws.submit_view(FACILITATOR, view, values("Renewals"))
    assert ok.status == 200 and not ok.body
    assert "objectives" in bot.last_prompt().blocks[0]["text"]["text"]
    assert "You're facilitating *Renewals*" in bot.last_said_to(FACILITATOR)
    assert [o["text"] for o in export(bot)["objectives"]] == ["Cut churn", "Learn why"]
    again = bot.ws.submit_view(ANA, view, values("Another"))
    assert "already has an open workshop" in again.json()["errors"][ids.NEW_TITLE_BLOCK]


def test_department_hint_on_first_answer_only(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Hints")
    prompt = bot.last_prompt()
    bot.ws.reply(DAN, CHANNEL, prompt.ts, "first")
    bot.ws.reply(DAN, CHANNEL, prompt.ts, "second")
    hints = [s for s in bot.said_to(DAN) if "Which department are you in?" in s]
    assert len(hints) == 1
    bot.ws.command(DAN, CHANNEL, "dept")
    assert "haven't set a department" in bot.last_said_to(DAN)


def test_export_upload_failure_is_explained(bot):
    bot.ws.command(FACILITATOR, CHANNEL, "new Exports")
    bot.fake.fail("files.completeUploadExternal", "not_allowed_token_type")
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    said = bot.last_said_to(FACILITATOR)
    assert "couldn't upload the export (`not_allowed_token_type`); nothing is lost" in said
    assert "Run `/journey export json` again" in said


def test_logs_never_carry_tokens_or_what_people_wrote(bot, caplog, monkeypatch):
    import logging

    import sqlalchemy

    from bot.workshop import replies as workshop

    caplog.set_level(logging.INFO)
    secret_text = "pain: our biggest customer is Globex and they are unhappy"
    bot.ws.command(FACILITATOR, CHANNEL, "new Confidential roadmap")
    step_to(bot, 3)
    prompt = bot.last_prompt()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, secret_text)
    bot.fake.fail("reactions.add", "internal_error")
    bot.ws.reply(BEN, CHANNEL, prompt.ts, secret_text + " again")

    def broken(**kw):  # a database error (NOT NULL) whose statement parameters hold the text
        kw["session"].exec(sqlalchemy.text("INSERT INTO workshop (id) VALUES (:t)"),
                           params={"t": kw["replies"][0].text})

    monkeypatch.setattr(workshop, "record_replies", broken)
    bot.ws.reply(CAT, CHANNEL, prompt.ts, secret_text + " thrice")
    logged = "\n".join(r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "") for r in caplog.records)
    assert logged, "expected the failures to be logged"
    for needle in ("Globex", "Confidential", "xoxb-", "test-signing-secret"):
        assert needle not in logged
