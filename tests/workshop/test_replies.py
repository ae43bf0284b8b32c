"""A reply becomes items: stored once, parsed by step, edited in place, deleted, classified; ratings."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.storage import repo
from bot.storage.models import Emotion, Item, ItemKind, Reply
from bot.workshop import access, departments, flow, replies
from tests.runs import FAC, C, Run, T, advance, posted, reply, start, to_stage_walk


def test_objectives_personas_and_stage_items_are_stored_with_department(session, clock):
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Marketing", now=clock())
    p = start(session, clock)
    posted(session, p, "1.0")
    out = reply(session, clock, "1.0", "- Cut abandonment\n- Find quick wins")
    assert (out.status, out.stored, out.ask_department) == ("stored", 2, False)
    advance(session, clock, "1.1")
    reply(session, clock, "1.1", "Olivia — ops lead\nbuys monthly", user="UBEN")
    advance(session, clock, "1.2")
    reply(session, clock, "1.2", "Onboarding\nRenewal", user="UBEN")
    advance(session, clock, "1.3")
    out = reply(session, clock, "1.3", "tp: Google ad\npain: pricing unclear\nidea: calculator\nemotion: 2 confused",
                user="UANA")
    assert (out.status, out.stored, out.unsorted, out.problems) == ("stored", 4, [], [])
    items = {(i.kind, i.text, i.detail, i.department) for i in repo.items(session=session, team_id=T, workshop_id=p.workshop_id)}
    assert items == {
        (ItemKind.OBJECTIVE, "Cut abandonment", None, "Marketing"),
        (ItemKind.OBJECTIVE, "Find quick wins", None, "Marketing"),
        (ItemKind.PERSONA, "Olivia", "ops lead\nbuys monthly", None),
        (ItemKind.STAGE_SUGGESTION, "Onboarding", None, None),
        (ItemKind.STAGE_SUGGESTION, "Renewal", None, None),
        (ItemKind.TOUCHPOINT, "Google ad", None, "Marketing"),
        (ItemKind.PAIN_POINT, "pricing unclear", None, "Marketing"),
        (ItemKind.OPPORTUNITY, "calculator", None, "Marketing"),
    }
    (e,) = repo.emotions(session=session, team_id=T, workshop_id=p.workshop_id)
    assert (e.score, e.note, e.department) == (2, "confused", "Marketing")

def test_unprefixed_lines_are_kept_unsorted_and_can_be_classified_by_author_only(session, clock):
    to_stage_walk(session, clock)
    out = reply(session, clock, "100.4", "pain: slow\nthe website is confusing\nchat was great")
    assert [text for _, text in out.unsorted] == ["the website is confusing", "chat was great"]
    first, second = (i for i, _ in out.unsorted)
    with pytest.raises(access.Refusal, match="Only the person who wrote"):
        replies.classify_item(session=session, team_id=T, user_id="UBEN", item_id=first, kind="pain_point", now=clock())
    with pytest.raises(access.Refusal, match="is gone"):
        replies.classify_item(session=session, team_id="T2", user_id="UANA", item_id=first, kind="pain_point", now=clock())
    done = replies.classify_item(session=session, team_id=T, user_id="UANA", item_id=first, kind="pain_point", now=clock())
    assert (done.kind, done.text, done.still_unsorted) == ("pain_point", "the website is confusing", [(second, "chat was great")])

def test_bad_lines_are_reported_and_good_ones_kept(session, clock):
    to_stage_walk(session, clock)
    out = reply(session, clock, "100.4", "pain: slow\nemotion: 9\npain:")
    assert out.stored == 1 and len(out.problems) == 2

def test_duplicate_delivery_stores_once(session, clock):
    to_stage_walk(session, clock)
    assert reply(session, clock, "100.4", "pain: slow", ts="300.1").status == "stored"
    assert reply(session, clock, "100.4", "pain: slow", ts="300.1").status == "duplicate"
    assert len(session.exec(select(Item).where(Item.kind == ItemKind.PAIN_POINT)).all()) == 1

def test_replies_to_closed_steps_or_unknown_threads(session, clock):
    p = start(session, clock)
    posted(session, p, "1.0")
    advance(session, clock, "1.1")
    out = reply(session, clock, "1.0", "late objective")
    assert (out.status, out.step_label, out.open_label) == ("closed", "Objectives", "Personas")
    assert reply(session, clock, "999.9", "random thread").status == "ignored"
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    out = reply(session, clock, "1.1", "after close")
    assert out.status == "closed" and out.open_label is None
    assert session.exec(select(Reply)).all() == []

def test_a_reply_overtaking_its_prompts_ts_waits_and_a_prompt_named_by_its_metadata_is_recognised(session, clock):
    p = start(session, clock)  # posted to Slack; its ts not stored yet
    early = replies.NewReply(channel_id=C, user_id="UANA", ts="5.1", thread_ts="5.0", text="grow sign-ups")
    assert replies.record_replies(session=session, team_id=T, replies=[early], now=clock())[0].status == "early"
    other = replies.NewReply(channel_id="C2", user_id="UANA", ts="5.2", thread_ts="5.0", text="elsewhere")
    assert replies.record_reply(session=session, team_id=T, reply=other, now=clock()).status == "ignored"
    # The thread's parent names the step (its metadata): that thread is the prompt, and the reply counts.
    named = replies.NewReply(**{**early.__dict__, "prompt_step_id": p.step_id})
    assert replies.record_reply(session=session, team_id=T, reply=named, now=clock()).status == "stored"
    assert repo.step(session=session, team_id=T, step_id=p.step_id).prompt_ts == "5.0"
    # Once the prompt's ts is known, other threads are chatter again.
    assert reply(session, clock, "7.0", "a thread of something else").status == "ignored"


def test_a_reply_waits_for_a_prompt_whose_ts_is_stored_late_and_a_delete_before_it_is_kept(session, clock):
    p = start(session, clock)
    assert reply(session, clock, "6.0", "grow sign-ups", ts="6.1").status == "early"
    # Deleted before its prompt's ts is stored: the tombstone stays, so it is never stored later.
    assert replies.delete_reply(session=session, team_id=T, channel_id=C, ts="6.2", thread_ts="6.0",
                                now=clock()).status == "removed"
    posted(session, p, "6.0")
    assert reply(session, clock, "6.0", "grow sign-ups", ts="6.1").status == "stored"
    assert reply(session, clock, "6.0", "withdrawn", ts="6.2").status == "ignored"
    # A prompt Slack refused is no prompt on its way: nothing waits for it.
    flow.record_prompt_posted(session=session, team_id=T, step_id=advance_unposted(session, clock).step_id, ts=None)
    assert reply(session, clock, "8.0", "chatter").status == "ignored"


def advance_unposted(session, clock):
    return flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock()).prompt


def test_edit_updates_items_in_place_and_delete_removes_them(session, clock):
    to_stage_walk(session, clock)
    out = reply(session, clock, "100.4", "pain: slow\nodd line\nemotion: 2", ts="400.1")
    (odd_id, _), = out.unsorted
    replies.classify_item(session=session, team_id=T, user_id="UANA", item_id=odd_id, kind="touchpoint", now=clock())
    before = {i.line_no: i.id for i in session.exec(select(Item)).all()}
    out = replies.edit_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UANA", ts="400.1", thread_ts="100.4", text="pain: very slow\nodd line\nemotion: 4 better"))
    assert out.status == "stored" and out.unsorted == []  # the unchanged line keeps the kind its author chose
    items = {i.line_no: i for i in session.exec(select(Item)).all()}
    assert {n: i.id for n, i in items.items()} == before
    assert (items[0].text, items[1].kind) == ("very slow", ItemKind.TOUCHPOINT)
    assert [(e.score, e.note) for e in session.exec(select(Emotion)).all()] == [(4, "better")]
    replies.delete_reply(session=session, team_id=T, channel_id=C, ts="400.1", now=clock())
    assert session.exec(select(Item)).all() == [] and session.exec(select(Emotion)).all() == []

def test_emotion_buttons_one_rating_per_person_per_stage(session, clock):
    stage = to_stage_walk(session, clock)
    r1 = replies.rate_emotion(session=session, team_id=T, user_id="UANA", stage_id=stage.stage_id, score=2, now=clock())
    r2 = replies.rate_emotion(session=session, team_id=T, user_id="UANA", stage_id=stage.stage_id, score=4, now=clock())
    assert (r1.replaced, r2.replaced, r2.score) == (None, 2, 4)
    assert [e.score for e in session.exec(select(Emotion)).all()] == [4]
    with pytest.raises(access.Refusal):
        replies.rate_emotion(session=session, team_id=T, user_id="UANA", stage_id=stage.stage_id, score=6, now=clock())
    with pytest.raises(access.Refusal, match="no longer exists"):
        replies.rate_emotion(session=session, team_id="T2", user_id="UANA", stage_id=stage.stage_id, score=3, now=clock())
    advance(session, clock, "100.5")
    with pytest.raises(access.Refusal, match="closed"):
        replies.rate_emotion(session=session, team_id=T, user_id="UANA", stage_id=stage.stage_id, score=3, now=clock())


def test_blueprint_workshop_stores_lanes(session, clock):
    run = Run(session, clock, map_type="blueprint")
    run.to_stage()
    assert run.prompt.map_type == "blueprint"
    out = run.say("frontstage: agent confirms\nsupport: warehouse picks\npain: slow")
    assert out.stored == 3 and out.unsorted == []
    kinds = sorted(i.kind for i in repo.items(session=session, team_id=T, workshop_id=run.prompt.workshop_id))
    assert kinds == ["backstage", "frontstage", "pain_point"]


def test_a_partners_workspace_is_kept_and_an_unreadable_reply_stores_nothing(session, clock):
    p = start(session, clock)
    posted(session, p, "100.1")
    outcomes = replies.record_replies(session=session, team_id=T, now=clock(), replies=[
        replies.NewReply(channel_id=C, user_id="UPIA", ts="300.1", thread_ts="100.1", text="Ship on time",
                         user_team="TPARTNER"),
        replies.NewReply(channel_id=C, user_id="UANA", ts="300.2", thread_ts="100.1", text="Cut costs",
                         user_team=T),
        replies.NewReply(channel_id=C, user_id="UPAT", ts="300.3", thread_ts="100.1", text=" \n", user_team="TPARTNER"),
    ])
    assert [o.status for o in outcomes] == ["stored", "stored", "unreadable"]
    assert {r.user_id: r.user_team for r in session.exec(select(Reply))} == {"UPIA": "TPARTNER", "UANA": T}
    assert repo.profile(session=session, team_id=T, user_id="UPIA").user_team == "TPARTNER"
    assert repo.profile(session=session, team_id=T, user_id="UPAT") is None
    assert repo.author_teams(session=session, team_id=T, workshop_id=p.workshop_id) == {"UPIA": "TPARTNER", "UANA": T}
    # Edited down to nothing readable: the last readable version stays.
    assert replies.edit_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UPIA", ts="300.1", thread_ts="100.1", text="", edited_ts="301.1")).status == "unreadable"
    assert session.exec(select(Reply).where(Reply.ts == "300.1")).one().text == "Ship on time"
