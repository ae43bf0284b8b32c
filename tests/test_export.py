"""The export contract: what `/journey export json` uploads validates against the JSON Schema in the repo."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bot.journeymap import build_map as build_export
from bot.render.export import export_filename, export_json
from bot.workshop import access, departments, flow, replies

SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "journey-map-1.schema.json").read_text())
T, C = "T1", "C1"


def run_small_workshop(session, clock):
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Marketing", now=clock())
    p = flow.start_workshop(session=session, team_id=T, channel_id=C, user_id="UFAC", title="Checkout: <fast> & easy",
                         objective="Cut abandonment", now=clock())
    ts = iter(f"1.{i}" for i in range(100))
    say = lambda thread, text, user="UANA": replies.record_reply(  # noqa: E731
        session=session, team_id=T, now=clock(),
        reply=replies.NewReply(channel_id=C, user_id=user, ts=next(ts), thread_ts=thread, text=text))
    flow.record_prompt_posted(session=session, team_id=T, step_id=p.step_id, ts=next(ts))
    for answer, user in [("Olivia — ops lead", "UANA"), ("Onboarding", "UANA"),
                         ("tp: ad\npain: <@U1> said pricing is unclear\nidea: calculator\nemotion: 2 meh\nodd", "UBEN")]:
        out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id="UFAC", now=clock())
        flow.record_prompt_posted(session=session, team_id=T, step_id=out.prompt.step_id, ts=(thread := next(ts)))
        assert say(thread, answer, user).status == "stored"
    return p.workshop_id


def test_export_validates_and_holds_everything(session, clock):
    wid = run_small_workshop(session, clock)
    data = build_export(session=session, team_id=T, workshop_id=wid)
    jsonschema.validate(data, SCHEMA)
    assert data["schema"] == "journey-map/1"
    assert data["workshop"]["title"] == "Checkout: <fast> & easy"
    assert [o["text"] for o in data["objectives"]] == ["Cut abandonment"]
    assert {k: data["personas"][0][k] for k in ("name", "description", "author")} == {
        "name": "Olivia", "description": "ops lead", "author": "UANA"}
    assert [s["text"] for s in data["stage_suggestions"]] == ["Onboarding"]
    aw = data["stages"][0]
    assert (aw["name"], [i["text"] for i in aw["pain_points"]]) == ("Awareness", ["<@U1> said pricing is unclear"])
    assert [i["text"] for i in aw["unsorted"]] == ["odd"]
    assert aw["emotions"] == [{"user": "UBEN", "user_name": "UBEN", "department": None, "score": 2, "note": "meh"}]
    assert [(p["number"], p["votes"], p["departments"]) for p in aw["pain_points"]] == [(1, 0, [])]
    assert aw["emotion_average"] == 2.0
    assert data["participants"] == [  # no name known yet: the id stands in; nobody from another workspace
        {"user": "UBEN", "name": "UBEN", "team": None, "external": False, "department": None, "contributions": 5},
        {"user": "UANA", "name": "UANA", "team": None, "external": False, "department": "Marketing", "contributions": 2},
        {"user": "UFAC", "name": "UFAC", "team": None, "external": False, "department": None, "contributions": 1},
    ]
    # Bytes are UTF-8 JSON that round-trips.
    assert json.loads(export_json(data)) == data
    assert export_filename(data, "json") == f"journey-map-{wid}-checkout-fast-easy.json"


def test_export_is_scoped_to_the_team(session, clock):
    wid = run_small_workshop(session, clock)
    with pytest.raises(access.Refusal):
        build_export(session=session, team_id="T2", workshop_id=wid)


def test_schema_rejects_a_renamed_field(session, clock):
    data = build_export(session=session, team_id=T, workshop_id=run_small_workshop(session, clock))
    data["stages"][0]["painpoints"] = data["stages"][0].pop("pain_points")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
