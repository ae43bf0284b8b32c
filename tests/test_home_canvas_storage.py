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
        canvases.plan_canvas(session=session, team_id="T1", channel_id="C1")
    _workshop(session, clock, "C1")
    session.commit()
    plan = canvases.plan_canvas(session=session, team_id="T1", channel_id="C1")
    assert plan.canvas_id is None
    for canvas_id in ("F1", "F2"):  # two made at once: the first recorded stays
        canvases.record_canvas(session=session, team_id="T1", channel_id="C1", canvas_id=canvas_id,
                               kind=canvases.CHANNEL, workshop_id=plan.workshop_id, user_id="UFAC", now=clock())
        session.commit()
    assert canvases.canvas_of_channel(session=session, team_id="T1", channel_id="C1") == ("F1", plan.workshop_id)
    assert canvases.canvas_of_channel(session=session, team_id="T2", channel_id="C1") is None  # by workspace
