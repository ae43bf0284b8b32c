"""The workshop rules on an in-memory database: no Slack involved."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.storage import repo
from bot.storage.models import Emotion, Item, ItemKind, Reply, StepKind, Workshop
from bot.workshop import access, departments, flow, replies, status

T, C, FAC = "T1", "C1", "UFAC"


def start(session, clock, **kw):
    args = dict(session=session, team_id=T, channel_id=C, user_id=FAC, title="Checkout redesign", now=clock())
    return flow.start_workshop(**{**args, **kw})


def posted(session, prompt, ts):
    flow.record_prompt_posted(session=session, team_id=T, step_id=prompt.step_id, ts=ts)
    return ts


def advance(session, clock, ts):
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    posted(session, out.prompt, ts)
    return out.prompt


def reply(session, clock, thread, text, *, user="UANA", ts=None, event_id=None):
    reply.n = getattr(reply, "n", 0) + 1
    return replies.record_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id=user, ts=ts or f"200.{reply.n}", thread_ts=thread, text=text, event_id=event_id))


def to_stage_walk(session, clock):
    p = start(session, clock)
    posted(session, p, "100.1")
    advance(session, clock, "100.2")  # personas
    advance(session, clock, "100.3")  # stages
    return advance(session, clock, "100.4")  # first stage


def test_start_creates_workshop_template_stages_and_first_step(session, clock):
    p = start(session, clock, objective="Cut abandonment\nFind quick wins")
    assert (p.kind, p.number, p.total) == (StepKind.OBJECTIVES, 1, 8)
    assert p.stage_names == ("Awareness", "Consideration", "Decision", "Retention", "Loyalty")
    assert repo.facilitators(session=session, team_id=T, workshop_id=p.workshop_id) == [FAC]
    objectives = [i.text for i in repo.items(session=session, team_id=T, workshop_id=p.workshop_id)]
    assert objectives == ["Cut abandonment", "Find quick wins"]


def test_one_open_workshop_per_channel(session, clock):
    start(session, clock)
    with pytest.raises(access.Refusal, match="already has an open workshop: \\*Checkout redesign\\*"):
        start(session, clock, title="Another one")
    # Another channel, and another workspace's channel with the same id, are fine.
    start(session, clock, channel_id="C2")
    start(session, clock, team_id="T2")
    assert len(session.exec(select(Workshop)).all()) == 3


def test_bad_title_and_template_change_nothing(session, clock):
    with pytest.raises(access.Refusal, match="title"):
        start(session, clock, title="   ")
    with pytest.raises(access.Refusal, match="under 120"):
        start(session, clock, title="x" * 121)
    with pytest.raises(access.Refusal, match="no template called `nope`. Templates: `buyer`"):
        start(session, clock, template="nope")
    assert session.exec(select(Workshop)).all() == []


def test_next_walks_objectives_personas_stages_then_each_stage(session, clock):
    p = start(session, clock)
    posted(session, p, "1.0")
    kinds = []
    for i in range(7):
        kinds.append(advance(session, clock, f"1.{i + 1}"))
    assert [(k.kind, k.stage_name) for k in kinds] == [
        ("personas", None), ("stages", None), ("stage", "Awareness"), ("stage", "Consideration"),
        ("stage", "Decision"), ("stage", "Retention"), ("stage", "Loyalty"),
    ]
    with pytest.raises(access.Refusal, match="last stage"):
        flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    # The last stage stays open for answers.
    assert repo.current_step(session=session, team_id=T, workshop_id=p.workshop_id).stage_id == kinds[-1].stage_id


def test_next_reposts_a_prompt_that_never_reached_slack(session, clock):
    p = start(session, clock)  # prompt_ts never recorded: the post failed
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert out.reposted and out.prompt.step_id == p.step_id


def test_facilitator_only_commands_refuse_others_and_change_nothing(session, clock):
    p = start(session, clock)
    posted(session, p, "1.0")
    for call in (
        lambda: flow.open_next_step(session=session, team_id=T, channel_id=C, user_id="UBEN", now=clock()),
        lambda: flow.set_stages(session=session, team_id=T, channel_id=C, user_id="UBEN", raw="A, B"),
        lambda: flow.close_workshop(session=session, team_id=T, channel_id=C, user_id="UBEN", now=clock()),
    ):
        with pytest.raises(access.Refusal, match=r"Only the facilitator \(<@UFAC>\)"):
            call()
    assert repo.current_step(session=session, team_id=T, workshop_id=p.workshop_id).kind == StepKind.OBJECTIVES
    assert [s.name for s in repo.stages(session=session, team_id=T, workshop_id=p.workshop_id)][0] == "Awareness"
    assert repo.open_workshop(session=session, team_id=T, channel_id=C) is not None


def test_set_stages_before_walk_only(session, clock):
    p = start(session, clock)
    posted(session, p, "1.0")
    names = flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw="Discover, Try, Decision, Use")
    assert names == ["Discover", "Try", "Decision", "Use"]
    stages = repo.stages(session=session, team_id=T, workshop_id=p.workshop_id)
    assert [s.hint is not None for s in stages] == [False, False, True, False]  # "Decision" keeps its hint
    for bad, msg in [("", "separated by commas"), ("A, a", "listed twice"), (",".join("S%d" % i for i in range(13)), "at most 12"),
                     ("<@U1>, B", "plain words")]:
        with pytest.raises(access.Refusal, match=msg):
            flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw=bad)
    advance(session, clock, "1.1")
    advance(session, clock, "1.2")
    advance(session, clock, "1.3")
    with pytest.raises(access.Refusal, match="already started"):
        flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw="X, Y")


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


def test_department_is_the_one_at_the_time(session, clock):
    stage = to_stage_walk(session, clock)
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Sales", now=clock())
    reply(session, clock, "100.4", "pain: first")
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Support", now=clock())
    reply(session, clock, "100.4", "pain: second")
    depts = [i.department for i in repo.items(session=session, team_id=T, workshop_id=stage.workshop_id)]
    assert depts == ["Sales", "Support"]


def test_department_spelling_is_reused_and_validated(session, clock):
    assert departments.set_department(session=session, team_id=T, user_id="U1", department="Customer  Support", now=clock()) == "Customer Support"
    assert departments.set_department(session=session, team_id=T, user_id="U2", department="customer support", now=clock()) == "Customer Support"
    assert departments.set_department(session=session, team_id="T2", user_id="U3", department="customer SUPPORT", now=clock()) == "customer SUPPORT"
    assert departments.set_department(session=session, team_id="T2", user_id="U5", department="product", now=clock()) == "Product"
    for bad in ("", "x" * 41, "<!channel>"):
        with pytest.raises(access.Refusal):
            departments.set_department(session=session, team_id=T, user_id="U4", department=bad, now=clock())
    assert repo.profile(session=session, team_id=T, user_id="U4") is None


def test_first_reply_without_department_asks_once(session, clock):
    to_stage_walk(session, clock)
    assert reply(session, clock, "100.4", "pain: a", user="UNEW").ask_department
    assert not reply(session, clock, "100.4", "pain: b", user="UNEW").ask_department


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


def test_status_counts_contributors_departments_and_warns_on_dominance(session, clock):
    for user, dept in [("UANA", "Sales"), ("UBEN", "Sales"), ("UCAT", "Support")]:
        departments.set_department(session=session, team_id=T, user_id=user, department=dept, now=clock())
    to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: a\npain: b\ntp: c", user="UANA")
    reply(session, clock, "100.4", "idea: d\nemotion: 2", user="UBEN")
    reply(session, clock, "100.4", "emotion: 4", user="UCAT")
    s = status.status(session=session, team_id=T, channel_id=C, members=["UANA", "UBEN", "UCAT", "UDAN"])
    assert s.current_label == "Stage 1 of 5: Awareness" and s.prompt_posted
    assert s.contributors == [("UANA", "Sales", 3), ("UBEN", "Sales", 2), ("UCAT", "Support", 1)]
    assert s.not_contributed == ["UDAN"]
    assert s.departments == [("Sales", 5), ("Support", 1)]
    assert s.dominant == ("Sales", 5 / 6)
    aw = s.stages[0]
    assert (aw.touchpoints, aw.pain_points, aw.opportunities, aw.ratings, aw.emotion_average) == (1, 2, 1, 2, 3.0)
    assert s.steps[-1] == ("Stage 1 of 5: Awareness", 6, True)


def test_no_dominance_warning_when_balanced_or_few_answers(session, clock):
    for user, dept in [("UANA", "Sales"), ("UBEN", "Support")]:
        departments.set_department(session=session, team_id=T, user_id=user, department=dept, now=clock())
    to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: a\npain: b", user="UANA")
    assert status.status(session=session, team_id=T, channel_id=C, members=None).dominant is None  # only 2 answers
    reply(session, clock, "100.4", "pain: c\npain: d\npain: e", user="UBEN")
    reply(session, clock, "100.4", "pain: f", user="UANA")
    assert status.status(session=session, team_id=T, channel_id=C, members=None).dominant is None  # 3 vs 3


def test_team_scoping_nothing_crosses_workspaces(session, clock):
    to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: secret")
    with pytest.raises(access.Refusal, match="no open workshop"):
        flow.open_next_step(session=session, team_id="T2", channel_id=C, user_id=FAC, now=clock())
    assert replies.record_reply(session=session, team_id="T2", now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UX", ts="9.9", thread_ts="100.4", text="pain: intruder")).status == "ignored"
    with pytest.raises(access.Refusal):
        status.status(session=session, team_id="T2", channel_id=C, members=None)


def test_close(session, clock):
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Sales", now=clock())
    to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: a\nidea: b", user="UANA")
    reply(session, clock, "100.4", "tp: c", user="UBEN")
    closed = flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert (closed.answers, closed.people, closed.departments) == (3, 2, 1)  # "no department" is not one
    assert repo.open_workshop(session=session, team_id=T, channel_id=C) is None
    with pytest.raises(access.Refusal, match="no open workshop"):
        flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    start(session, clock, title="Second round")  # the channel is free again


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
