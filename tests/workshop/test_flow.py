"""Starting a workshop, moving it on, its stages and templates, closing it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.storage import repo
from bot.storage.models import ItemKind, StepKind, Workshop
from bot.templates import load_templates
from bot.workshop import access, departments, flow
from tests.runs import FAC, C, Run, T, advance, posted, reply, start, to_stage_walk


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
    p = start(session, clock)
    posted(session, p, None)  # Slack refused the post
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert out.reposted and out.prompt.step_id == p.step_id
    posted(session, out.prompt, "1.0")
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert not out.reposted and out.prompt.step_id != p.step_id


def test_next_moves_on_while_a_prompt_is_still_on_its_way(session, clock):
    p = start(session, clock)  # prompt_ts not recorded yet: the post is queued, not failed
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert not out.reposted and out.prompt.step_id != p.step_id


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


def test_templates_are_files_with_stages_and_hints():
    templates = load_templates()
    assert {"buyer", "day-in-the-life", "lead-nurturing", "churn", "custom"} <= set(templates)
    assert [s.name for s in templates["buyer"].stages] == ["Awareness", "Consideration", "Decision", "Retention", "Loyalty"]
    assert templates["custom"].stages == ()
    for key, tpl in templates.items():
        assert tpl.name and tpl.description, key
        assert all(s.hint for s in tpl.stages), key

def test_custom_template_has_the_facilitator_name_the_stages(session, clock):
    run = Run(session, clock, template="custom")
    assert run.prompt.stage_names == ()
    run.next()
    run.next()  # the stages step
    with pytest.raises(access.Refusal, match="no stages yet"):
        run.next()
    flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw="Notice, Try, Keep")
    assert run.next().stage_name == "Notice"

def test_future_of_seeds_stages_and_pain_points_linked_back(session, clock):
    current = Run(session, clock, title="Today", template="churn")
    current.to_stage()
    current.say("pain: cancelling takes three emails\ntp: account page")
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    future = Run(session, clock, title="Tomorrow", future_of=current.prompt.workshop_id, visible={C})
    ws = repo.workshop(session=session, team_id=T, workshop_id=future.prompt.workshop_id)
    assert (ws.map_type, ws.future_of, ws.template) == ("future", current.prompt.workshop_id, "churn")
    assert future.prompt.stage_names == current.prompt.stage_names
    (seeded,) = [i for i in repo.items(session=session, team_id=T, workshop_id=ws.id)]
    original = current.pain_ids()[0]
    assert (seeded.kind, seeded.text, seeded.source_item_id) == (ItemKind.PAIN_POINT, "cancelling takes three emails", original)
    with pytest.raises(access.Refusal, match="no workshop #999"):
        flow.start_workshop(session=session, team_id=T, channel_id="C9", user_id=FAC, title="X", future_of=999, now=clock())
    with pytest.raises(access.Refusal, match="no workshop"):  # another workspace's map can't be the source
        flow.start_workshop(session=session, team_id="T2", channel_id="C9", user_id=FAC, title="X",
                         future_of=current.prompt.workshop_id, visible={C}, now=clock())
