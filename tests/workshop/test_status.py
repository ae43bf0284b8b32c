"""Where a workshop stands, and the tallies the status, the export and the digest share."""

from __future__ import annotations

from bot.workshop import departments, status, tally
from tests.runs import C, T, reply, to_stage_walk


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


def test_emotion_spread():
    assert tally.emotion_spread([]) is None
    assert tally.emotion_spread([3, 3, 3]) == 0.0
    assert tally.emotion_spread([2, 4]) == 1.0
    assert tally.emotion_average([2, 4, 5]) == 3.67


def test_the_status_and_the_export_count_contributors_alike(session, clock):
    from bot.journeymap import build_map as build_export

    departments.set_department(session=session, team_id=T, user_id="UBEN", department="Sales", now=clock())
    stage = to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: a\nemotion: 2", user="UANA")
    reply(session, clock, "100.4", "pain: b\npain: c", user="UBEN")
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Support", now=clock())
    s = status.status(session=session, team_id=T, channel_id=C, members=None)
    exported = build_export(session=session, team_id=T, workshop_id=stage.workshop_id)["participants"]
    assert s.contributors == [("UANA", "Support", 2), ("UBEN", "Sales", 2)]  # their department now
    assert [(p["user"], p["department"], p["contributions"]) for p in exported] == s.contributors
