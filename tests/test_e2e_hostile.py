"""End to end, issue 10 (hostile input): links and special mentions that people (or a model) type are inert in
every text the bot sends; NUL bytes and lone surrogates never cost a reply, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot import ids
from bot.reminders.kinds import make_dispatcher
from tests.conftest import ANA, BEN, CAT, CHANNEL, FACILITATOR, serve_bot
from tests.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow


def hostile(tag: str) -> str:
    """What a person can put in any text: a masked link, broadcasts, a user group, a date token, a mention, and
    tokens inside tokens."""
    return (f"<https://evil.example/{tag}|{tag}> <!channel> <!here> <!subteam^SEVIL|@evil> "
            f"<!date^1700000000^{{date}}|{tag}-date> <@UEVIL> <#CEVIL|evil> <mailto:x@evil.example|{tag}-mail> "
            f"<<https://a.example|a>https://evil.example/x|{tag}-nested> <!date^1|<https://evil.example/y|y>>")


def short(tag: str) -> str:
    """The same within a title's 120 characters."""
    return f"<https://evil.example/{tag}|{tag}> <!channel> <@UEVIL> <<https://a.example|a>https://evil.example|n>"


# Slack's live tokens (links, broadcasts, user groups, dates, mentions; not the bot's own `<title>` placeholders),
# and those the bot itself may send: mentions of real people and channels, and its own date formatting.
_TOKEN = re.compile(r"<(?:[@#!]|[A-Za-z][A-Za-z0-9+.-]*:|[^<>]*\|)[^<>]*>")
_OWN = re.compile(r"<@U(?!EVIL)[A-Z0-9]+>|<#C(?!EVIL)[A-Z0-9]+>"
                  r"|<!date\^\d+\^\{date_short_pretty\} at \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>"
                  # Slack's permalinks of the bot's own prompts (the Home tab links to them), with escaped text
                  r"|<http://127\.0\.0\.1:\d+/archives/C[A-Z0-9]+/p\d+\|[^<>&]*(?:&(?:amp|lt|gt);[^<>&]*)*>")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def live_tokens(calls, acks=()) -> list[tuple[str, str]]:
    """Every Slack token in what the bot sent (Web API calls, response_url answers, acknowledgements) that isn't
    one of its own: a link, a broadcast, a user group, or a mention of someone it didn't mean."""
    found = []
    for method, args in [(c.method, c.args) for c in calls] + [("ack", a) for a in acks]:
        for s in _strings(args):
            found += [(method, tok) for tok in _TOKEN.findall(s) if not _OWN.fullmatch(tok)]
    return found


@pytest.fixture
def model():
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def model_bot(fake, tmp_path, clock, http_server, model):
    yield from serve_bot(fake, tmp_path, clock, http_server, openai_api_key="sk-test", openai_base_url=model.url,
                         openai_model="<https://evil.example/m|model>", openai_timeout_seconds=5)


@pytest.fixture
def ai_bot(model_bot, model):
    """The bot with a model that answers with the same hostile text everywhere it can write."""
    evil = hostile("model")
    model.answers.update({
        "Clusters": {"clusters": [{"statement": evil, "item_ids": [i, i + 1]} for i in range(1, 40)]},
        "StageSummaries": {"stages": [{"stage": "Awareness", "summary": evil, "disagreement": evil}]},
        "Suggestions": {"opportunities": [{"how_might_we": evil, "pain_point_id": None}],
                        "action_items": [{"text": evil, "pain_point_id": None}]},
        "ValidationGuides": {"guides": [{"pain_point_id": i, "questions": [evil, evil, evil]} for i in range(1, 9)]},
        "LineKind": {"kind": "pain_point", "score": None},
    })
    return model_bot


def test_hostile_text_is_inert_in_everything_the_bot_sends(ai_bot):
    bot, acks = ai_bot, []

    def command(user, text):
        bot.ws.command(user, CHANNEL, text)

    def click(user, action_id, value, message=None):
        assert bot.ws.click(user, CHANNEL, action_id=action_id, value=value, message=message).status == 200

    def submit(user, view, values):
        sent = bot.ws.submit_view(user, view, values)
        acks.append(sent.json() or {})
        return sent

    command(ANA, "dept <https://evil.example/dept|S> <!here>")  # refused: a department is a plain name
    command(ANA, "dept R&D *Ops* _x_")
    command(BEN, "dept Sales")
    command(FACILITATOR, f"new {short('title')} --template buyer")
    command(FACILITATOR, "nudge after 1h")
    bot.ws.reply(ANA, CHANNEL, bot.last_prompt().ts, hostile("objective"))
    command(FACILITATOR, "next")
    bot.ws.reply(ANA, CHANNEL, bot.last_prompt().ts, f"{short('persona')} — {hostile('persona-detail')}")
    command(FACILITATOR, "next")
    bot.ws.reply(BEN, CHANNEL, bot.last_prompt().ts, hostile("suggestion"))
    command(FACILITATOR, f"stages Awareness, {short('stage')}")  # refused: stage names are plain words
    command(FACILITATOR, "stages Awareness, Decide & *pay*, decide & *pay*")  # refused: listed twice
    command(FACILITATOR, "stages Awareness, Decide & *pay*")
    command(FACILITATOR, "next")
    prompt = bot.last_prompt()
    for user in (ANA, BEN):
        bot.ws.reply(user, CHANNEL, prompt.ts, "\n".join(
            [f"pain: {hostile(f'pain-{user}-{n}')}" for n in range(3)]
            + [f"tp: {hostile('tp')}", f"idea: {hostile('idea')}", f"emotion: 2 {hostile('emotion')}",
               "touchpoint:", hostile("unsorted")]))
    # The model sorts the unprefixed line; with AI off the author is asked instead.
    command(FACILITATOR, "ai off")
    bot.ws.reply(CAT, CHANNEL, prompt.ts, hostile("asked"))
    command(FACILITATOR, "ai on")
    command(FACILITATOR, "status")

    command(FACILITATOR, "vote")  # the pain points read alike: the vote offers to merge them first
    offer = bot.fake.ephemerals_for(FACILITATOR)[-1]
    merge_first = next(e for b in offer.blocks if b["type"] == "actions" for e in b["elements"]
                       if e["action_id"] == ids.VOTE_MERGE_FIRST)
    assert bot.ws.click(FACILITATOR, CHANNEL, action_id=ids.VOTE_MERGE_FIRST, value=merge_first["value"],
                        ephemeral_ts=offer.ts).status == 200
    ballot = next(m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if "Dot voting" in m.text)
    pain = next(b["accessory"]["value"] for b in ballot.blocks if b.get("accessory", {}).get("action_id") == ids.VOTE)
    click(ANA, ids.VOTE, pain, ballot)
    rate = next(b for b in prompt.blocks if b["type"] == "actions")["elements"][1]
    click(FACILITATOR, rate["action_id"], rate["value"], prompt)

    command(FACILITATOR, "map")
    for fmt in ("md", "csv", "json"):
        command(FACILITATOR, f"export {fmt}")

    command(FACILITATOR, f"action <@{ANA}> {hostile('action')} due 2026-11-20 for pain {pain}")
    command(FACILITATOR, "action")  # the form, listing the pain points
    submit(FACILITATOR, bot.fake.views[-1], {
        ids.ACTION_OWNER_BLOCK: {ids.ACTION_OWNER_INPUT: {"type": "users_select", "selected_user": BEN}},
        ids.ACTION_TEXT_BLOCK: {ids.ACTION_TEXT_INPUT: {"type": "plain_text_input", "value": hostile("form")}},
    })
    announcement = next(m for m in bot.fake.channel_messages(CHANNEL, bot_only=True) if "form" in m.text)
    done = next(b for b in announcement.blocks if b["type"] == "actions")["elements"][0]
    click(CAT, done["action_id"], done["value"], announcement)  # refused: names the owner
    click(BEN, done["action_id"], done["value"], announcement)
    command(ANA, "actions")
    command(ANA, "actions all")

    command(FACILITATOR, "validate top 2 by 2026-11-25")
    plan = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    for row in [b for b in plan.blocks if b["type"] == "actions"]:
        confirm = row["elements"][0]
        click(FACILITATOR, confirm["action_id"], confirm["value"], plan)
        submit(FACILITATOR, bot.fake.views[-1], {
            ids.EVIDENCE_CUSTOMERS_BLOCK: {ids.EVIDENCE_CUSTOMERS_INPUT: {"type": "number_input", "value": "3"}},
            ids.EVIDENCE_NOTE_BLOCK: {ids.EVIDENCE_NOTE_INPUT: {"type": "plain_text_input",
                                                                "value": hostile("evidence")}}})

    command(FACILITATOR, "synthesize")
    command(FACILITATOR, "ai off")
    command(FACILITATOR, "synthesize")
    command(FACILITATOR, "ai on")
    command(FACILITATOR, "synthesize")
    synthesis = bot.fake.channel_messages(CHANNEL, bot_only=True)[-1]
    accept = next(e for b in synthesis.blocks if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == ids.SYNTH_ACCEPT)
    click(FACILITATOR, ids.SYNTH_ACCEPT, accept["value"], synthesis)  # the form, filled with the model's draft

    command(ANA, "digest subscribe daily")
    command(ANA, "digest now")
    bot.clock.now = datetime(2026, 11, 19, 10, tzinfo=UTC)  # reminders: the first action item is due tomorrow
    make_dispatcher(bot.services).tick()
    bot.clock.now = datetime(2026, 11, 24, 10, tzinfo=UTC)  # overdue; the validation tasks due
    make_dispatcher(bot.services).tick()
    command(FACILITATOR, "next")  # the second stage; nudges for it (naming the title) come an hour later
    bot.clock.advance(hours=2)
    make_dispatcher(bot.services).tick()
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: too late")  # the step is closed: the note names both steps
    command(FACILITATOR, "close")
    command(ANA, "new")  # a new workshop through the form
    submit(ANA, bot.fake.views[-1], {ids.NEW_TITLE_BLOCK: {ids.NEW_TITLE_INPUT: {"type": "plain_text_input",
                                                                               "value": short("modal")}}})
    command(FACILITATOR, "new Another")  # refused, naming the open one

    # Every flow above ran and reached Slack with the hostile text in it…
    sent = json.dumps([c.args for c in bot.fake.calls], ensure_ascii=False)
    missing = [tag for tag in ("title", "objective", "persona", "pain-UANA-0", "tp",
                "asked", "action", "form", "evidence", "model", "modal") if f"https://evil.example/{tag}" not in sent]
    assert missing == [], "a flow above didn't reach Slack"
    dms = [m.text for u in (ANA, BEN, CAT, FACILITATOR) for m in bot.fake.dm_messages(u)]
    for what in ("Reminder: action (https://evil.example/action)", "Your journey map digest",
                 "Customer validation of title (https://evil.example/title)"):
        assert any(text.startswith(what) for text in dms), f"no DM {what!r} in {dms}"
    methods = {c.method for c in bot.fake.calls}
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url", "views.open",
            "files.completeUploadExternal"} <= methods
    # …and not one link, broadcast, user group or stray mention came out alive.
    live = live_tokens(bot.fake.calls, acks)
    assert live == [], "\n".join(f"{m}: {tok}" for m, tok in live)
    report = next(f for f in bot.fake.files.values() if f["name"].endswith(".md"))["content"].decode()
    assert "idea (https://evil.example/idea)" in report and "objective (https://evil.example/objective)" in report
    assert "](" not in report.replace("\\](", "") and "<" not in report  # no link, image or HTML


def test_nul_bytes_and_lone_surrogates_in_a_reply_are_dropped_and_the_rest_stored(engine, fake, tmp_path, clock,
                                                                                    http_server):
    """A reply with NUL (PostgreSQL refuses it) and a lone surrogate (no driver can encode it), as Slack's JSON
    can carry both: acknowledged and stored without them, on both databases."""
    from bot.app import build_app
    from bot.server import make_wsgi
    from bot.tasks import TaskQueue
    from tests.conftest import make_settings

    server, current = http_server
    app = build_app(make_settings(fake, tmp_path), engine=engine, worker=TaskQueue("work", 0), clock=clock,
                    outbox=TaskQueue("slack", 0), inline=True)
    current.app = make_wsgi(app)
    try:
        from fakeslack.sender import SlackSender, Workspace
        from tests.conftest import SECRET

        ws = Workspace(fake, SlackSender(server.url + "/slack/events", SECRET))
        ws.command(FACILITATOR, CHANNEL, "new Checkout\x00 redesign")  # %00 in a form; JSON carries surrogates
        prompt = next(m for m in fake.channel_messages(CHANNEL, bot_only=True) if m.blocks)
        msg = fake.post_user_message(CHANNEL, ANA, "Sales \x00team\ud83d\nand \udfffmarketing 😀", thread_ts=prompt.ts)
        sent = ws.event({**msg.as_event(), "channel_type": "channel", "event_ts": msg.ts})
        assert sent.status == 200
        ws.command(FACILITATOR, CHANNEL, "export json")
        data = json.loads(list(fake.files.values())[-1]["content"])
    finally:
        current.app = None
    assert data["workshop"]["title"] == "Checkout redesign"
    assert [o["text"] for o in data["objectives"]] == ["Sales team", "and marketing 😀"]


def test_a_model_answering_3000_identical_merges_adds_one(model_bot, model):
    bot = model_bot
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")
    for _ in range(3):
        bot.ws.command(FACILITATOR, CHANNEL, "next")
    bot.ws.reply(ANA, CHANNEL, bot.last_prompt().ts, "pain: cards fail\npain: card payments fail\npain: slow")
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    pains = [p["id"] for p in json.loads(list(bot.fake.files.values())[-1]["content"])["stages"][0]["pain_points"]]
    model.answers.update({
        "Clusters": {"clusters": [{"statement": "Card payments fail", "item_ids": pains[:2]}] * 3000},
        "StageSummaries": {"stages": []}, "Suggestions": {"opportunities": [], "action_items": []},
        "ValidationGuides": {"guides": []},
    })
    bot.ws.command(FACILITATOR, CHANNEL, "synthesize")
    posted = json.dumps(bot.fake.channel_messages(CHANNEL, bot_only=True)[-1].blocks, ensure_ascii=False)
    assert "Duplicate pain points merged (1)" in posted and "Card payments fail" in posted
    bot.ws.command(FACILITATOR, CHANNEL, "export json")
    stored = json.loads(list(bot.fake.files.values())[-1]["content"])["synthesis"]
    assert (stored["source"], len(stored["clusters"])) == ("model", 1)
