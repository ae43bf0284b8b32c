"""Who may do what: facilitators only where the rules say so, and nothing crosses workspaces."""

from __future__ import annotations

import pytest

from bot.storage import repo
from bot.storage.models import StepKind
from bot.workshop import access, flow, replies, status
from tests.runs import FAC, C, T, posted, reply, start, to_stage_walk


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

def test_team_scoping_nothing_crosses_workspaces(session, clock):
    to_stage_walk(session, clock)
    reply(session, clock, "100.4", "pain: secret")
    with pytest.raises(access.Refusal, match="no open workshop"):
        flow.open_next_step(session=session, team_id="T2", channel_id=C, user_id=FAC, now=clock())
    assert replies.record_reply(session=session, team_id="T2", now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UX", ts="9.9", thread_ts="100.4", text="pain: intruder")).status == "ignored"
    with pytest.raises(access.Refusal):
        status.status(session=session, team_id="T2", channel_id=C, members=None)


def test_one_facilitator_check_in_two_wordings(session, clock):
    p = start(session, clock)
    args = dict(session=session, team_id=T, workshop_id=p.workshop_id)
    assert access.is_facilitator(**args, user_id=FAC) and not access.is_facilitator(**args, user_id="UBEN")
    access.require_facilitator(**args, user_id=FAC, to="do it")
    with pytest.raises(access.Refusal, match=r"^Only the facilitator \(<@UFAC>\) can do it\. Nothing was changed\.$"):
        access.require_facilitator(**args, user_id="UBEN", to="do it")
    with pytest.raises(access.Refusal, match=r"^Only a facilitator can do it\. Nothing was changed\.$"):
        access.require_facilitator(**args, user_id="UBEN", to="do it", named=False)


def test_follow_ups_find_the_channels_latest_workshop_even_closed(session, clock):
    with pytest.raises(access.Refusal, match="no open workshop"):
        access.require_latest(session=session, team_id=T, channel_id=C)
    p = start(session, clock)
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    with pytest.raises(access.Refusal, match="no open workshop"):
        access.require_open(session=session, team_id=T, channel_id=C)
    assert access.require_latest(session=session, team_id=T, channel_id=C).id == p.workshop_id
