"""Dot voting: ballots, dots people can move, the ranking everything else uses."""

from __future__ import annotations

import pytest

from bot import journeymap, voting
from bot.workshop import access, flow, replies
from tests.runs import FAC, C, Run, T


def test_dot_voting_rules(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: a\npain: b\npain: c\npain: d")
    a, b, c, d = run.pain_ids()
    with pytest.raises(access.Refusal, match="Only the facilitator"):
        voting.open_vote(session=session, team_id=T, channel_id=C, user_id="UANA", votes=2, now=clock())
    (page,) = voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=2, now=clock())
    assert [line.item_id for line in page.lines] == [a, b, c, d] and page.votes_per_person == 2

    def vote(item, user="UBEN"):
        return voting.cast_vote(session=session, team_id=T, user_id=user, item_id=item, now=clock())

    assert (vote(c).action, vote(d).action) == ("added", "added")
    full = vote(a)
    assert (full.action, full.used, sorted(full.mine)) == ("none_left", 2, ["#3 c", "#4 d"])
    assert vote(d).action == "removed"  # moving a dot: take it back...
    moved = vote(a)  # ...and put it elsewhere
    assert (moved.action, moved.used, moved.allowed) == ("added", 2, 2)
    vote(c, "UCAT")
    data = journeymap.build_map(session=session, team_id=T, workshop_id=run.prompt.workshop_id)
    assert [(p["text"], p["votes"]) for p, _ in journeymap.ranked_pain_points(data)] == [
        ("c", 2), ("a", 1), ("b", 0), ("d", 0)]
    assert voting.ballot_page(session=session, team_id=T, vote_message_id=page.vote_message_id).voters == 2
    with pytest.raises(access.Refusal, match="gone"):
        voting.cast_vote(session=session, team_id="T2", user_id="UBEN", item_id=a, now=clock())

def test_voting_needs_pain_points_and_an_open_workshop(session, clock):
    run = Run(session, clock)
    run.to_stage()
    with pytest.raises(access.Refusal, match="no pain points"):
        voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    run.say("pain: a")
    (a,) = run.pain_ids()
    with pytest.raises(access.Refusal, match="closed"):  # no ballot yet
        voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())
    voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    with pytest.raises(access.Refusal, match="closed"):
        voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())

def test_a_deleted_pain_point_takes_its_votes_with_it(session, clock):
    run = Run(session, clock)
    run.to_stage()
    out = run.say("pain: doomed")
    (a,) = run.pain_ids()
    voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())
    assert out.status == "stored"
    reply_ts = f"{C}.{run.n}"
    replies.delete_reply(session=session, team_id=T, channel_id=C, ts=reply_ts, now=clock())
    session.flush()
    session.expire_all()
    assert journeymap.voters_by_item(session=session, team_id=T, workshop_id=run.prompt.workshop_id) == {}

def test_ballots_split_into_pages_within_slacks_block_limit(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("\n".join(f"pain: p{n}" for n in range(95)))
    pages = voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    assert [len(p.lines) for p in pages] == [40, 40, 15]
    assert [(p.page, p.pages) for p in pages] == [(0, 3), (1, 3), (2, 3)]
