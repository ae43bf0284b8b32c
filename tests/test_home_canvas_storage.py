"""App Home and canvas rules on SQLite and PostgreSQL: what a person's Home holds (only their own, only what they
may see) and which canvas shows a channel's map (the first one recorded stays; a later workshop takes it over)."""

from __future__ import annotations

from datetime import date

import pytest

from bot import canvases, followups, home
from bot.blocks.home import build_home
from bot.workshop.access import Refusal
from bot.workshop.flow import start_workshop
from fakeslack.blockkit import view_problems


def _workshop(session, clock, channel: str, title: str = "W"):
    return start_workshop(session=session, team_id="T1", channel_id=channel, user_id="UFAC", title=title, now=clock())


def test_home_holds_own_open_items_of_visible_channels(session, clock):
    _workshop(session, clock, "C1", "Checkout")
    _workshop(session, clock, "C2", "Secret")
    for channel, owner, text in (("C1", "UANA", "Mine"), ("C1", "UBEN", "Ben's"), ("C2", "UANA", "Hidden")):
        followups.create_action(session=session, team_id="T1", channel_id=channel, user_id="UFAC", owner=owner,
                                text=text, due=None, pain_point=None, zone_of=lambda _u: None, now=clock())
    session.commit()
    assert home.channels(session=session, team_id="T1", user_id="UANA") == {"C1", "C2"}
    view = home.home_view(session=session, team_id="T1", user_id="UANA", today=date(2026, 11, 2), visible={"C1"})
    assert [a.text for a in view.actions] == ["Mine"] and view.workshops == [] and view.digest is None
    facilitator = home.home_view(session=session, team_id="T1", user_id="UFAC", today=date(2026, 11, 2),
                                 visible={"C1", "C2"})
    assert {w.title for w in facilitator.workshops} == {"Checkout", "Secret"}
    assert all(w.facilitator for w in facilitator.workshops)
    assert view_problems(build_home(view, date(2026, 11, 2))) == []


def test_canvas_plan_and_record(session, clock):
    with pytest.raises(Refusal):
        canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UFAC", now=clock())
    _workshop(session, clock, "C1")
    session.commit()
    plan = canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UFAC", now=clock())
    assert plan.make and not plan.making
    session.commit()
    again = canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UBEN", now=clock())
    assert again.making and not again.make  # a second request while Slack is asked makes no second canvas
    assert canvases.shown_in(session=session, team_id="T1", channel_id="C1") is None  # nothing to edit yet
    for canvas_id in ("F1", "F2"):  # two made at once: the first recorded stays
        canvases.record_canvas(session=session, team_id="T1", channel_id="C1", canvas_id=canvas_id,
                               kind=canvases.CHANNEL, workshop_id=plan.workshop_id, user_id="UFAC", now=clock())
        session.commit()
    assert canvases.canvas_of_channel(session=session, team_id="T1", channel_id="C1") == ("F1", plan.workshop_id)
    assert canvases.canvas_of_channel(session=session, team_id="T2", channel_id="C1") is None  # by workspace
    assert not canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UFAC", now=clock()).make


def test_canvas_claims_are_let_go_or_taken_over(session, clock):
    ws = _workshop(session, clock, "C1")
    session.commit()
    assert canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UFAC", now=clock()).make
    canvases.release_claim(session=session, team_id="T1", channel_id="C1")  # Slack made nothing
    session.commit()
    assert canvases.claim_first(session=session, team_id="T1", channel_id="C1", workshop_id=ws.workshop_id,
                                user_id="UFAC", now=clock())
    session.commit()
    clock.advance(minutes=6)  # the request that claimed it died: another may make it
    assert canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UBEN", now=clock()).make


def test_a_stopped_canvas_tells_once_and_is_made_again(session, clock):
    ws = _workshop(session, clock, "C1")
    canvases.record_canvas(session=session, team_id="T1", channel_id="C1", canvas_id="F1", kind=canvases.CHANNEL,
                           workshop_id=ws.workshop_id, user_id="UBEN", now=clock())
    session.commit()
    canvases.record_shown(session=session, team_id="T1", channel_id="C1", target="F1", digest="abc")
    assert canvases.shown_in(session=session, team_id="T1", channel_id="C1").shown == "abc"
    assert canvases.stop(session=session, team_id="T1", channel_id="C1", target="F9", reason="x") == []  # not it
    assert canvases.stop(session=session, team_id="T1", channel_id="C1", target="F1",
                         reason="canvas_not_found") == ["UFAC"]  # the facilitator, once
    assert canvases.stop(session=session, team_id="T1", channel_id="C1", target="F1", reason="canvas_not_found") == []
    session.commit()
    assert canvases.shown_in(session=session, team_id="T1", channel_id="C1") is None
    assert not canvases.claim_first(session=session, team_id="T1", channel_id="C1", workshop_id=ws.workshop_id,
                                    user_id="UFAC", now=clock())  # a map never brings a deleted canvas back
    assert canvases.plan_canvas(session=session, team_id="T1", channel_id="C1", user_id="UFAC", now=clock()).make


def test_home_at_its_fullest_stays_within_100_blocks_and_slacks_limits():
    from datetime import datetime

    from bot.followups import ActionView, ValidationView
    from bot.home import HomeView, PromptLine, WorkshopLine

    long = "&<>" * 40  # escaped, each character becomes several
    actions = [ActionView(n, long, "UANA", date(2026, 12, 1), "open", None, False, long, (n, long),
                          [(datetime(2026, 11, 1), "created", "UFAC", None)]) for n in range(30)]
    tasks = [ValidationView(n, n, n, long, long, "UANA", date(2026, 12, 1), 5, "pending", None, None, long)
             for n in range(15)]
    link = "https://fake.slack.com/archives/C1/p1700000001000001"
    workshops = [WorkshopLine(n, long, f"C{n}", f"Stage 9 of 9: {long}", True, link) for n in range(15)]
    prompts = [PromptLine(long, f"C{n}", f"Stage 9 of 9: {long}", link) for n in range(25)]
    view = build_home(HomeView("UANA", actions, tasks, workshops, ("weekly", [f"C{n}" for n in range(20)]), prompts),
                      date(2026, 11, 2))
    assert len(view["blocks"]) == 85 and view_problems(view) == []  # at its fullest (README), under 100
    assert view["blocks"][-1]["type"] == "context" and "25 prompts to answer" in view["blocks"][-1]["elements"][0]["text"]
