"""Departments: one spelling per workspace, validated; a reply keeps the one its author had then."""

from __future__ import annotations

import pytest

from bot.storage import repo
from bot.workshop import access, departments
from tests.runs import T, reply, to_stage_walk


def test_department_spelling_is_reused_and_validated(session, clock):
    assert departments.set_department(session=session, team_id=T, user_id="U1", department="Customer  Support", now=clock()) == "Customer Support"
    assert departments.set_department(session=session, team_id=T, user_id="U2", department="customer support", now=clock()) == "Customer Support"
    assert departments.set_department(session=session, team_id="T2", user_id="U3", department="customer SUPPORT", now=clock()) == "customer SUPPORT"
    assert departments.set_department(session=session, team_id="T2", user_id="U5", department="product", now=clock()) == "Product"
    for bad in ("", "x" * 41, "<!channel>"):
        with pytest.raises(access.Refusal):
            departments.set_department(session=session, team_id=T, user_id="U4", department=bad, now=clock())
    assert repo.profile(session=session, team_id=T, user_id="U4") is None

def test_department_is_the_one_at_the_time(session, clock):
    stage = to_stage_walk(session, clock)
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Sales", now=clock())
    reply(session, clock, "100.4", "pain: first")
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Support", now=clock())
    reply(session, clock, "100.4", "pain: second")
    depts = [i.department for i in repo.items(session=session, team_id=T, workshop_id=stage.workshop_id)]
    assert depts == ["Sales", "Support"]

def test_first_reply_without_department_asks_once(session, clock):
    to_stage_walk(session, clock)
    assert reply(session, clock, "100.4", "pain: a", user="UNEW").ask_department
    assert not reply(session, clock, "100.4", "pain: b", user="UNEW").ask_department
