"""The rules of "Add to journey map" (bot/evidence.py): where a message may be copied, what filing stores, and how
the map model and every surface built from it show evidence; on SQLite and PostgreSQL."""

from __future__ import annotations

import jsonschema
import pytest

from bot import evidence, merges
from bot.blocks import evidence as b
from bot.blocks.maps import build_map_summary
from bot.journeymap import build_map
from bot.render.canvas import canvas_markdown
from bot.render.export import export_markdown
from bot.storage.models import Evidence, Item
from bot.workshop import departments, flow, replies
from fakeslack.blockkit import view_problems
from tests.test_export import SCHEMA, C, T, run_small_workshop

EVERYONE = lambda _u: True  # noqa: E731
NOBODY = lambda _u: False  # noqa: E731


# --- Where a message may go ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, target, in_workspace, refused", [
    ((True, frozenset("AB")), (True, frozenset("AC")), EVERYONE, None),  # public to public: C is one of ours
    ((True, frozenset("AB")), (True, frozenset("AC")), NOBODY, "outsiders"),  # C is a guest or a partner's
    ((True, frozenset("AB")), (False, frozenset("AB")), NOBODY, None),  # a private map of people in the channel
    ((True, frozenset("AB")), (False, frozenset("AX")), EVERYONE, None),  # X may read the public channel
    ((False, frozenset("ABC")), (False, frozenset("AB")), NOBODY, None),  # private into a smaller private one
    ((False, frozenset("AB")), (False, frozenset("ABX")), EVERYONE, "outsiders"),  # X isn't in the conversation
    ((False, frozenset("AB")), (True, frozenset("A")), EVERYONE, "private_source"),  # a public map: everyone
    (None, (True, frozenset("A")), EVERYONE, "unseen_source"),  # the bot can't see the message's conversation
    ((True, frozenset("A")), None, EVERYONE, "unseen_target"),
    ((True, frozenset()), (False, frozenset(f"U{i}" for i in range(evidence.MAX_CHECKED + 1))), EVERYONE,
     "too_many"),
])
def test_a_message_goes_only_where_everyone_who_sees_the_map_may_see_it(source, target, in_workspace, refused):
    assert evidence.copy_refused(source, target, same=False, in_workspace=in_workspace) == refused


def test_the_same_conversation_and_the_bot_itself_never_stand_in_the_way():
    assert evidence.copy_refused(None, None, same=True, in_workspace=NOBODY) is None
    assert evidence.copy_refused((False, frozenset("AB")), (False, frozenset({"A", "UBOT"})), same=False,
                                 in_workspace=NOBODY, ignore=["UBOT"]) is None
    asked = []
    evidence.copy_refused((True, frozenset("AB")), (False, frozenset("ABC")), same=False,
                          in_workspace=lambda u: asked.append(u) or True)
    assert asked == ["C"]  # only people of the map's conversation who aren't in the message's are looked up


def test_only_slacks_own_links_are_kept():
    assert evidence.link("https://x.slack.com/archives/C1/p1700000001000100?thread_ts=1.2&cid=C1")
    for bad in (None, "", "javascript:alert(1)", "https://x.slack.com/a) [x](https://evil", "https://a b"):
        assert evidence.link(bad) is None


# --- Filing ----------------------------------------------------------------------------------------------------


def workshop(session, clock) -> int:
    wid = run_small_workshop(session, clock)  # pain #1 in Awareness, by UBEN
    step = flow.open_workshop_of(session=session, team_id=T, channel_id=C)
    stage_prompt = [s for s in replies.repo.steps(session=session, team_id=T, workshop_id=wid) if s.stage_id][0]
    assert step is not None
    replies.record_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UANA", ts="2.1", thread_ts=stage_prompt.prompt_ts, text="pain: prices hidden"))
    return wid


def stage_id(session, wid: int, name: str = "Awareness") -> int:
    return next(s.id for s in replies.repo.stages(session=session, team_id=T, workshop_id=wid) if s.name == name)


SOURCE = evidence.Source("CSUPPORT", "1700000000.000100", "UCAT", "https://x.slack.com/archives/CSUPPORT/p1")


def file(session, clock, wid, **kw):
    args = dict(session=session, team_id=T, user_id="UBEN", workshop_id=wid, kind="evidence", text="Ticket 1",
                stage_id=None, pain_number=1, source=SOURCE, now=clock())
    return evidence.file(**{**args, **kw})


def test_evidence_for_a_pain_point_and_a_quote_are_kept_with_their_source(session, clock):
    wid = workshop(session, clock)
    filed = file(session, clock, wid, text="  Ticket 4411: waited 5 minutes  ", pain_number=2)
    assert (filed.kind, filed.number, filed.stage, filed.linked) == ("evidence", 2, "Awareness", True)
    quote = file(session, clock, wid, kind="quote", text="I want to see the price", pain_number=None,
                 stage_id=stage_id(session, wid), source=evidence.Source("CSUPPORT", "1700000000.000200", None))
    assert (quote.number, quote.linked) == (None, False)
    rows = session.exec(Evidence.__table__.select().order_by(Evidence.id)).all()
    assert [(r.kind, r.text, r.author, r.filed_by, r.source_url) for r in rows] == [
        ("evidence", "Ticket 4411: waited 5 minutes", "UCAT", "UBEN", SOURCE.permalink),
        ("quote", "I want to see the price", None, "UBEN", None)]


def test_a_new_pain_point_is_numbered_like_any_other_and_credits_the_messages_author(session, clock):
    wid = workshop(session, clock)
    departments.set_department(session=session, team_id=T, user_id="UCAT", department="Support", now=clock())
    filed = file(session, clock, wid, kind="pain_point", text="Invoices are hard to find", pain_number=None,
                 stage_id=stage_id(session, wid, "Decision"))
    assert filed.number == 3
    item = session.get(Item, session.exec(Evidence.__table__.select()).one().item_id)
    assert (item.kind, item.number, item.author, item.department, item.reply_id) == (
        "pain_point", 3, "UCAT", "Support", None)
    touch = file(session, clock, wid, kind="touchpoint", text="Pricing page", pain_number=5,  # a pain is ignored
                 stage_id=stage_id(session, wid), source=evidence.Source("C9", "9.9", "B0ZENDESK"))
    assert touch.number is None
    data = build_map(session=session, team_id=T, workshop_id=wid)
    (tp,) = [i for i in data["stages"][0]["touchpoints"] if i["text"] == "Pricing page"]
    assert tp["author"] == "B0ZENDESK" and tp["source"] == {"url": None, "channel": "C9", "ts": "9.9",
                                                            "filed_by": "UBEN", "filed_by_name": "UBEN"}
    (p3,) = [p for st in data["stages"] for p in st["pain_points"] if p["number"] == 3]
    assert p3["source"]["url"] == SOURCE.permalink and p3["evidence"] == []
    jsonschema.validate(data, SCHEMA)


@pytest.mark.parametrize("change, field, says", [
    ({"kind": "gossip"}, "kind", "Pick what it is"),
    ({"text": "   "}, "text", "can't be empty"),
    ({"text": "x" * (evidence.MAX_TEXT + 1)}, "text", "under 3000"),
    ({"pain_number": 99}, "pain", "no pain point #99"),
    ({"pain_number": None}, "pain", "Pick the pain point"),
    ({"kind": "touchpoint", "pain_number": None}, "stage", "Pick the stage"),
    ({"workshop_id": 999}, "workshop", "doesn't exist"),
])
def test_bad_input_is_refused_and_files_nothing(session, clock, change, field, says):
    wid = workshop(session, clock)
    with pytest.raises(evidence.Unfiled) as refused:
        file(session, clock, wid, **change)
    assert refused.value.field == field and says in str(refused.value)
    assert session.exec(Evidence.__table__.select()).all() == []


def test_a_stage_of_another_workshop_or_team_and_a_second_filing_are_refused(session, clock):
    wid = workshop(session, clock)
    other = flow.start_workshop(session=session, team_id=T, channel_id="C2", user_id="UFAC", title="Other",
                                objective=None, now=clock())
    with pytest.raises(evidence.Unfiled, match="hasn't reached its stages"):  # its stages may still change
        file(session, clock, other.workshop_id, kind="quote", pain_number=None)
    foreign = stage_id(session, other.workshop_id)
    with pytest.raises(evidence.Unfiled, match="Pick one of the stages of Checkout"):
        file(session, clock, wid, kind="quote", pain_number=None, stage_id=foreign)
    with pytest.raises(evidence.Unfiled, match="doesn't exist"):
        file(session, clock, wid, team_id="T2")
    file(session, clock, wid)
    with pytest.raises(evidence.Unfiled, match=r"already on that map as evidence for a pain point \(#1\)"):
        file(session, clock, wid, text="said again")
    file(session, clock, wid, pain_number=2)  # the same message for another pain point is fine


def test_a_closed_workshop_still_takes_evidence(session, clock):
    wid = workshop(session, clock)
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id="UFAC", now=clock())
    assert file(session, clock, wid).workshop_id == wid


# --- The map model and its surfaces --------------------------------------------------------------------------------


def test_the_map_shows_evidence_per_pain_point_merged_ones_once_and_per_stage(session, clock):
    wid = workshop(session, clock)
    file(session, clock, wid, pain_number=2, text="Ticket: <@UANA> prices? <!channel> <https://evil.example|click>")
    file(session, clock, wid, kind="quote", text="Where's the price?", pain_number=None,
         stage_id=stage_id(session, wid))
    merges.merge(session=session, team_id=T, channel_id=C, user_id="UFAC", numbers=(1, 2),
                 statement="Prices are hard to find", now=clock())
    data = build_map(session=session, team_id=T, workshop_id=wid)
    jsonschema.validate(data, SCHEMA)
    st = data["stages"][0]
    (pain,) = st["pain_points"]  # #1 and #2 are one now: #2's evidence is the merged pain point's
    assert pain["number"] == 1 and [e["source_url"] for e in pain["evidence"]] == [SOURCE.permalink]
    assert [(e["kind"], e["text"]) for e in st["evidence"]] == [("quote", "Where's the price?")]
    assert (st["evidence_count"], data["evidence_total"]) == (2, 2)
    assert all(s["evidence_count"] == 0 for s in data["stages"][1:])

    canvas = canvas_markdown(data)
    assert "Prices are hard to find · 0 votes · said 2 ways · 📎 1 piece of evidence" in canvas
    assert "📎 2 pieces of evidence from conversations" in canvas
    assert f"**Customer quotes**\n\n- “Where's the price?” — UCAT · [the message]({SOURCE.permalink})" in canvas
    report = export_markdown(data).decode()
    assert "## Evidence from conversations" in report and "### #1 Prices are hard to find (Awareness)" in report
    assert f"— UCAT, filed by UBEN · [the message]({SOURCE.permalink})" in report
    assert "<!channel>" not in report and "](https://evil.example)" not in report and "@channel" in report
    summary = build_map_summary(data)
    text = str(summary["blocks"])
    assert "📎1" in text and "2 pieces of evidence from conversations: “Where's the price?”" in text
    assert "<!channel>" not in str(summary)


def test_evidence_whose_pain_point_goes_stays_with_its_stage(session, clock):
    wid = workshop(session, clock)
    file(session, clock, wid, pain_number=2)
    replies.delete_reply(session=session, team_id=T, channel_id=C, ts="2.1", now=clock())  # #2's reply is deleted
    st = build_map(session=session, team_id=T, workshop_id=wid)["stages"][0]
    assert [e["text"] for e in st["evidence"]] == ["Ticket 1"] and st["evidence_count"] == 1


# --- Which workshops, and the form ----------------------------------------------------------------------------------


def test_candidates_are_this_channels_then_the_persons_and_only_once_their_stages_are_set(session, clock):
    wid = workshop(session, clock)
    waiting = flow.start_workshop(session=session, team_id=T, channel_id="C2", user_id="UBEN", title="Later",
                                  objective=None, now=clock())
    ready, later = evidence.candidates(session=session, team_id=T, user_id="UBEN", channel_id="C3")
    assert [w.id for w in ready] == [wid] and [w.id for w in later] == [waiting.workshop_id]  # he answered in #1
    ready, _ = evidence.candidates(session=session, team_id=T, user_id="UNEW", channel_id=C)
    assert [w.id for w in ready] == [wid]  # anyone, in the workshop's own channel
    assert evidence.candidates(session=session, team_id="T2", user_id="UBEN", channel_id=C) == ([], [])


def test_the_form_passes_slacks_checks_however_many_workshops_and_pain_points(session, clock):
    choices = [evidence.Choice(n, f"Workshop {n} " + "x" * 90, f"C{n}", "open",
                               [(n * 100 + s, f"Stage {s}") for s in range(12)],
                               [(p, f"pain {p} <!channel>") for p in range(1, 60)]) for n in range(1, 11)]
    view = b.build_form(choices=choices, source=SOURCE, text="y" * 5000, channel_workshop=3, not_offered=2,
                        response_url="https://hooks.slack.com/actions/T/1/x")
    assert view_problems(view) == []
    blocks = {blk.get("block_id"): blk for blk in view["blocks"]}
    assert blocks["add_to_map_workshop"]["element"]["initial_option"]["value"] == "3"
    assert len(blocks["add_to_map_text"]["element"]["initial_value"]) <= evidence.MAX_TEXT
    pains = [o for g in blocks["add_to_map_pain"]["element"]["option_groups"] for o in g["options"]]
    assert len(pains) == b.MAX_PAIN_OPTIONS and all("<!channel>" not in o["text"]["text"] for o in pains)
    assert "Not offered: 2 workshops" in str(blocks["add_to_map_source"])
    one = b.build_form(choices=choices[:1], source=evidence.Source("D1", "1.1", "UANA", None, "channel_not_found"),
                       text="", channel_workshop=None, not_offered=0, response_url=None)
    stage_menu = next(blk for blk in one["blocks"] if blk.get("block_id") == "add_to_map_stage")["element"]
    assert view_problems(one) == [] and "options" in stage_menu and "option_groups" not in stage_menu
    assert "initial_value" not in one["blocks"][1]["element"]
    assert "(`channel_not_found`), so it is filed without one" in str(one["blocks"][0])
    for reason in [*b.WHY_NOT, "none", "waiting"]:
        assert view_problems(b.build_nothing_to_file(reason, waiting=[(4, "<!here> Later")])) == []
    assert all(len(text) <= 150 for text in b.WHY_NOT_HERE.values())


def test_the_confirmation_is_inert():
    message = b.build_filed(evidence.Filed(7, "<!channel> Launch", "C1", "pain_point", "Decide", 12,
                                           "<@UANA> <https://evil.example|click>", True))
    assert "<!channel>" not in message["text"] and "<@UANA>" not in message["text"]
    assert "a new pain point, *#12*" in message["text"] and "click (https://evil.example)" in message["text"]


def test_the_manifest_and_the_sandbox_declare_the_shortcut_the_bot_listens_for():
    import re
    from pathlib import Path

    from bot import ids
    from fakeslack.sandbox import MESSAGE_SHORTCUTS

    manifest = (Path(__file__).parent.parent / "manifest.yml").read_text()
    declared = re.search(r"shortcuts:.*?- name: (.+?)\n\s+type: (\w+)\n\s+callback_id: (\w+)", manifest, re.S)
    assert declared and declared.groups() == ("Add to journey map", "message", ids.ADD_TO_MAP_SHORTCUT)
    assert MESSAGE_SHORTCUTS == [(ids.ADD_TO_MAP_SHORTCUT, "Add to journey map")]
