"""End to end, issue 14 ("Add to journey map"): the message shortcut over real HTTP (Slack's message_action
payload), the form it opens (views.open at once, filled in by views.update after the look-ups), its submission,
and what the map then shows: evidence for a pain point, a new pain point, a customer quote, a message Slack gives no
permalink for, messages that may not be copied where others would see them, and a submission delivered twice."""

from __future__ import annotations

import json

import pytest

from bot import ids
from tests.conftest import ANA, BEN, CAT, CHANNEL, DAN, FACILITATOR, OTHER, PRIVATE

pytestmark = pytest.mark.slow


def to_first_stage(bot, channel: str = CHANNEL, title: str = "Checkout"):
    bot.ws.command(FACILITATOR, channel, f"new {title}")
    for _ in range(3):
        bot.ws.command(FACILITATOR, channel, "next")
    return bot.last_prompt(channel)


def a_workshop_with_pain_points(bot):
    prompt = to_first_stage(bot)
    bot.ws.reply(ANA, CHANNEL, prompt.ts, "pain: pricing unclear\npain: checkout times out\ntp: landing page")
    return prompt


def export(bot, channel: str = CHANNEL) -> dict:
    bot.ws.command(FACILITATOR, channel, "export json")
    (upload,) = [f for f in bot.fake.files.values() if f["name"].endswith(".json")][-1:]
    return json.loads(upload["content"])


def form_of(bot, user: str) -> dict:
    """The person's open modal, as Slack shows it now."""
    view = next(v for v in reversed(bot.fake.views) if v.get("_user") == user and not v["_closed"])
    return view


def use_shortcut(bot, user: str, channel: str, message, **kw) -> dict:
    sent = bot.ws.shortcut(user, channel, message, callback_id=ids.ADD_TO_MAP_SHORTCUT, **kw)
    assert sent.status == 200
    return form_of(bot, user)


def values(*, text: str | None = None, workshop: int | None = None, kind: str | None = None,
           stage: str | None = None, pain: str | None = None) -> dict:
    def select(value):
        return {"type": "static_select", "selected_option": {"value": value} if value else None}

    return {
        ids.ADD_TO_MAP_TEXT_BLOCK: {ids.ADD_TO_MAP_TEXT_INPUT: {"type": "plain_text_input", "value": text}},
        ids.ADD_TO_MAP_WORKSHOP_BLOCK: {ids.ADD_TO_MAP_WORKSHOP_INPUT: select(str(workshop) if workshop else None)},
        ids.ADD_TO_MAP_KIND_BLOCK: {ids.ADD_TO_MAP_KIND_INPUT: {"type": "radio_buttons", "selected_option": {
            "value": kind} if kind else None}},
        ids.ADD_TO_MAP_STAGE_BLOCK: {ids.ADD_TO_MAP_STAGE_INPUT: select(stage)},
        ids.ADD_TO_MAP_PAIN_BLOCK: {ids.ADD_TO_MAP_PAIN_INPUT: select(pain)},
    }


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def options(view: dict, block_id: str) -> list[dict]:
    element = block(view, block_id)["element"]
    return element.get("options") or [o for g in element.get("option_groups", []) for o in g["options"]]


def option_value(view: dict, block_id: str, starts: str) -> str:
    return next(o["value"] for o in options(view, block_id) if o["text"]["text"].startswith(starts))


def test_evidence_for_a_pain_point_keeps_its_link_and_author_and_shows_everywhere(bot):
    a_workshop_with_pain_points(bot)
    bot.ws.command(FACILITATOR, CHANNEL, "canvas")
    ticket = bot.fake.post_user_message(CHANNEL, CAT, "Ticket 4411: <@UANA> the customer waited *5 minutes* "
                                                      "and gave up <!channel>")
    form = use_shortcut(bot, BEN, CHANNEL, ticket)
    # The loading view was opened with the shortcut's trigger, then filled in (views.update, same view).
    assert [c.method for c in bot.fake.calls if c.method.startswith("views.")][-2:] == ["views.open", "views.update"]
    assert form["callback_id"] == ids.ADD_TO_MAP_VIEW
    text = block(form, ids.ADD_TO_MAP_TEXT_BLOCK)["element"]["initial_value"]
    assert text == "Ticket 4411: @ana the customer waited *5 minutes* and gave up @channel"  # names, nothing live
    source = block(form, ids.ADD_TO_MAP_SOURCE_BLOCK)["elements"][0]["text"]
    permalink = bot.fake.permalink(CHANNEL, ticket.ts)
    assert f"<{permalink}|open the message>" in source and f"<@{CAT}>" in source
    workshop = block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]  # this channel's
    assert workshop["text"]["text"].endswith("Checkout")
    pain = option_value(form, ids.ADD_TO_MAP_PAIN_BLOCK, "#2 checkout times out")

    sent = bot.ws.submit_view(BEN, form, values(text=text, workshop=int(workshop["value"]), kind="evidence",
                                                pain=pain))
    assert sent.status == 200 and not sent.body
    said = bot.last_said_to(BEN)  # privately, where the shortcut was used
    assert "Added to the map of *Checkout*" in said and "evidence for pain point *#2*" in said
    assert "keeps a link to the message" in said
    sent_out = json.dumps([c.args for c in bot.fake.calls if c.method in (
        "response_url", "chat.postMessage", "chat.postEphemeral", "views.update", "canvases.edit")])
    assert "<!channel>" not in sent_out and "<@UANA>" not in sent_out  # nobody pinged by the message's text

    data = export(bot)
    (p2,) = [p for st in data["stages"] for p in st["pain_points"] if p["number"] == 2]
    (ev,) = p2["evidence"]
    assert ev["text"] == text and ev["kind"] == "evidence" and ev["author"] == CAT and ev["filed_by"] == BEN
    assert ev["source_url"] == permalink and ev["source_channel"] == CHANNEL and ev["source_ts"] == ticket.ts
    assert ev["author_name"] == "cat" and ev["filed_by_name"] == "ben"
    assert data["stages"][0]["evidence_count"] == 1 and data["evidence_total"] == 1
    (canvas,) = bot.fake.canvases.values()
    assert "checkout times out · 0 votes · 📎 1 piece of evidence" in canvas["markdown"]
    assert BEN in bot.fake.homes  # the filer's Home was published again

    bot.ws.command(FACILITATOR, CHANNEL, "export md")
    report = [f for f in bot.fake.files.values() if f["name"].endswith(".md")][-1]["content"].decode()
    assert "## Evidence from conversations" in report and f"[the message]({permalink})" in report
    assert r"\*5 minutes\*" in report  # read as typed, never as Markdown
    bot.ws.command(FACILITATOR, CHANNEL, "map")
    summary = json.dumps([m.blocks for m in bot.fake.channel_messages(CHANNEL, bot_only=True)], ensure_ascii=False)
    assert "*#2* 📎1 checkout times out" in summary and "📎 1 piece of evidence from conversations" in summary


def test_a_new_pain_point_from_a_message_in_another_public_channel_gets_a_number(bot):
    a_workshop_with_pain_points(bot)
    note = bot.fake.post_user_message(OTHER, DAN, "Sales call: they couldn't find the invoice download")
    form = use_shortcut(bot, FACILITATOR, OTHER, note)  # the bot isn't in #random: it may still read who is
    (workshop,) = options(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)  # the one he takes part in, picked for him
    assert block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"] == workshop["value"]
    stage = option_value(form, ids.ADD_TO_MAP_STAGE_BLOCK, "Awareness")
    sent = bot.ws.submit_view(FACILITATOR, form, values(text="Can't find the invoice download", kind="pain_point",
                                                        workshop=int(workshop["value"]), stage=stage))
    assert sent.status == 200
    assert "a new pain point, *#3*" in bot.last_said_to(FACILITATOR)
    data = export(bot)
    (p3,) = [p for p in data["stages"][0]["pain_points"] if p["number"] == 3]
    assert p3["text"] == "Can't find the invoice download" and p3["author"] == DAN
    assert p3["source"]["url"] == bot.fake.permalink(OTHER, note.ts) and p3["source"]["filed_by"] == FACILITATOR
    assert data["evidence_total"] == 0  # an item of the map, not evidence
    bot.ws.command(ANA, CHANNEL, "action <@UANA|ana> Link the invoices for pain 3")  # numbered like any other
    assert "Link the invoices" in json.dumps(export(bot)["action_items"])


def test_a_customer_quote_goes_with_its_stage(bot):
    a_workshop_with_pain_points(bot)
    quote = bot.fake.post_user_message(CHANNEL, CAT, '"I just want to see the price before I sign up"')
    form = use_shortcut(bot, CAT, CHANNEL, quote)
    workshop = block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"]
    stage = option_value(form, ids.ADD_TO_MAP_STAGE_BLOCK, "Awareness")
    assert bot.ws.submit_view(CAT, form, values(text="I just want to see the price before I sign up",
                                                workshop=int(workshop), kind="quote", stage=stage)).status == 200
    assert "a customer quote in the stage *Awareness*" in bot.last_said_to(CAT)
    st = export(bot)["stages"][0]
    assert [q["text"] for q in st["evidence"]] == ["I just want to see the price before I sign up"]
    assert st["evidence"][0]["kind"] == "quote" and st["evidence_count"] == 1


def test_a_message_slack_gives_no_permalink_for_is_filed_without_one(bot):
    a_workshop_with_pain_points(bot)
    msg = bot.fake.post_user_message(CHANNEL, CAT, "Customers ask for PayPal")
    bot.fake.fail("chat.getPermalink", "message_not_found")
    form = use_shortcut(bot, BEN, CHANNEL, msg)
    source = block(form, ids.ADD_TO_MAP_SOURCE_BLOCK)["elements"][0]["text"]
    assert "Slack gave no link to this message (`message_not_found`)" in source
    workshop = block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"]
    pain = option_value(form, ids.ADD_TO_MAP_PAIN_BLOCK, "#1")
    assert bot.ws.submit_view(BEN, form, values(text="Customers ask for PayPal", workshop=int(workshop),
                                                kind="evidence", pain=pain)).status == 200
    assert "without a link" in bot.last_said_to(BEN)
    (p1,) = [p for p in export(bot)["stages"][0]["pain_points"] if p["number"] == 1]
    assert p1["evidence"][0]["source_url"] is None and p1["evidence"][0]["author"] == CAT


def test_a_message_the_bot_cannot_see_the_conversation_of_goes_nowhere(bot):
    a_workshop_with_pain_points(bot)
    secret = bot.fake.post_user_message(PRIVATE, ANA, "Confidential: we lose 30% at the price page")
    form = use_shortcut(bot, ANA, PRIVATE, secret)  # a private channel the bot isn't in
    assert form["callback_id"] == ids.ADD_TO_MAP_LOADING_VIEW and "submit" not in form
    said = json.dumps(form["blocks"])
    assert "Nothing can be added from this message" in said and "I can't see the conversation" in said
    assert "30%" not in said
    assert "Confidential" not in json.dumps(export(bot))


def test_a_private_message_is_not_offered_to_maps_others_see(bot):
    a_workshop_with_pain_points(bot)  # in #journey-workshop, public: the whole workspace may see its map
    bot.fake.add_channel("GSALES", "sales-private", members=[FACILITATOR, BEN], private=True)
    deal = bot.fake.post_user_message("GSALES", BEN, "Lost the Acme deal over pricing")
    form = use_shortcut(bot, FACILITATOR, "GSALES", deal)
    assert form["callback_id"] == ids.ADD_TO_MAP_LOADING_VIEW
    assert "in a private conversation" in json.dumps(form["blocks"])
    # A private workshop whose people are all in the message's conversation may have it; the public one is named
    # as not offered.
    bot.fake.add_channel("GTEAM", "sales-team", members=[FACILITATOR, BEN], private=True)
    to_first_stage(bot, "GTEAM", "Sales journey")
    form = use_shortcut(bot, FACILITATOR, "GSALES", deal)
    assert [o["text"]["text"] for o in options(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)] == ["#2 Sales journey"]
    assert "Not offered: 1 workshop" in json.dumps(form["blocks"])


def test_someone_who_cannot_see_the_target_workshop_cannot_file_into_it(bot):
    bot.fake.add_channel("GTEAM", "sales-team", members=[FACILITATOR, BEN, DAN], private=True)
    prompt = to_first_stage(bot, "GTEAM", "Sales journey")
    bot.ws.reply(DAN, "GTEAM", prompt.ts, "pain: quotes take a week")  # Dan takes part
    msg = bot.fake.post_user_message("GTEAM", BEN, "A customer: the quote took 9 days")
    form = use_shortcut(bot, DAN, "GTEAM", msg)
    workshop = block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"]
    pain = option_value(form, ids.ADD_TO_MAP_PAIN_BLOCK, "#1")
    # Dan leaves the private channel before he submits: the submission is checked again.
    bot.fake.channels["GTEAM"]["members"].discard(DAN)
    bot.services.directory._conversation_ttl = 0  # Slack is asked again
    other = bot.fake.post_user_message(CHANNEL, CAT, "The quote took 9 days")
    form_elsewhere = use_shortcut(bot, DAN, CHANNEL, other)  # from a public channel: the map isn't offered to him
    assert form_elsewhere["callback_id"] == ids.ADD_TO_MAP_LOADING_VIEW
    assert "Sales journey" not in json.dumps(form_elsewhere["blocks"])  # not even named
    sent = bot.ws.submit_view(DAN, form, values(text="the quote took 9 days", workshop=int(workshop),
                                                kind="evidence", pain=pain))
    assert sent.json()["response_action"] == "errors"
    assert "can't see that workshop" in sent.json()["errors"][ids.ADD_TO_MAP_WORKSHOP_BLOCK]
    # A form that names a workshop it didn't offer is refused too (Cat never took part in it).
    forged = {**form, "private_metadata": json.dumps({"src": {"c": CHANNEL, "ts": other.ts}, "ws": []})}
    sent = bot.ws.submit_view(CAT, forged, values(text="x", workshop=int(workshop), kind="evidence", pain=pain))
    assert "Pick one of the workshops offered" in sent.json()["errors"][ids.ADD_TO_MAP_WORKSHOP_BLOCK]
    bot.fake.channels["GTEAM"]["members"].add(DAN)
    assert export(bot, "GTEAM")["evidence_total"] == 0


def test_bad_input_gets_a_clear_message_and_files_nothing(bot):
    a_workshop_with_pain_points(bot)
    msg = bot.fake.post_user_message(CHANNEL, CAT, "Slow")
    form = use_shortcut(bot, BEN, CHANNEL, msg)
    workshop = int(block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"])

    def errors(**kw):
        return bot.ws.submit_view(BEN, form, values(workshop=workshop, **kw)).json()["errors"]

    assert "Pick the pain point" in errors(text="Slow", kind="evidence")[ids.ADD_TO_MAP_PAIN_BLOCK]
    assert "Pick the stage" in errors(text="Slow", kind="touchpoint")[ids.ADD_TO_MAP_STAGE_BLOCK]
    assert "can't be empty" in errors(text="  ", kind="quote", stage=f"{workshop}:1")[ids.ADD_TO_MAP_TEXT_BLOCK]
    assert "another workshop" in errors(text="Slow", kind="touchpoint", stage="999:1")[ids.ADD_TO_MAP_STAGE_BLOCK]
    assert export(bot)["evidence_total"] == 0
    pain = option_value(form, ids.ADD_TO_MAP_PAIN_BLOCK, "#1")
    assert bot.ws.submit_view(BEN, form, values(text="Slow", workshop=workshop, kind="evidence", pain=pain)).status == 200
    again = use_shortcut(bot, BEN, CHANNEL, msg)  # the same message, the same way, once more
    sent = bot.ws.submit_view(BEN, again, values(text="Slow", workshop=workshop, kind="evidence", pain=pain))
    assert "already on that map" in sent.json()["errors"][ids.ADD_TO_MAP_KIND_BLOCK]


def test_a_redelivered_submission_and_shortcut_act_once(bot):
    a_workshop_with_pain_points(bot)
    msg = bot.fake.post_user_message(CHANNEL, CAT, "Checkout froze twice")
    form = use_shortcut(bot, BEN, CHANNEL, msg, trigger_id="777.shortcut")
    opened = len(bot.fake.calls_to("views.open"))
    bot.ws.shortcut(BEN, CHANNEL, msg, callback_id=ids.ADD_TO_MAP_SHORTCUT, trigger_id="777.shortcut")
    assert len(bot.fake.calls_to("views.open")) == opened  # the same trigger: one request, one form
    workshop = int(block(form, ids.ADD_TO_MAP_WORKSHOP_BLOCK)["element"]["initial_option"]["value"])
    pain = option_value(form, ids.ADD_TO_MAP_PAIN_BLOCK, "#2")
    chosen = values(text="Checkout froze twice", workshop=workshop, kind="evidence", pain=pain)
    assert bot.ws.submit_view(BEN, form, chosen).status == 200
    assert bot.ws.submit_view(BEN, form, chosen).status == 200  # Slack delivered it again
    (p2,) = [p for p in export(bot)["stages"][0]["pain_points"] if p["number"] == 2]
    assert len(p2["evidence"]) == 1
    assert sum("Added to the map" in s for s in bot.said_to(BEN)) == 1


def test_a_shortcut_whose_form_slack_wont_open_is_told(bot):
    a_workshop_with_pain_points(bot)
    msg = bot.fake.post_user_message(CHANNEL, CAT, "Slow")
    bot.fake.fail("views.open", "expired_trigger_id")
    bot.ws.shortcut(BEN, CHANNEL, msg, callback_id=ids.ADD_TO_MAP_SHORTCUT)
    assert "couldn't open the form (`expired_trigger_id`)" in bot.last_said_to(BEN)


def test_no_workshop_to_add_to(bot):
    msg = bot.fake.post_user_message(CHANNEL, CAT, "Slow")
    form = use_shortcut(bot, BEN, CHANNEL, msg)
    assert "no map to add it to" in json.dumps(form["blocks"])
    bot.ws.command(FACILITATOR, CHANNEL, "new Checkout")  # a workshop that hasn't reached its stages
    form = use_shortcut(bot, FACILITATOR, CHANNEL, msg)
    assert "haven't reached their stages yet" in json.dumps(form["blocks"]) and "#1 Checkout" in json.dumps(
        form["blocks"])
