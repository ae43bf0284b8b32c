"""The short form of bench/big_workshop.py: a big workshop's status, map, exports and digest show every answer, and
the SQL they send doesn't grow with the workshop (no query per item, person or stage). Outcomes only: timings are
the benchmark's, on a known machine."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bench import big_workshop as bench
from bot.storage.db import init_db, make_engine

pytestmark = pytest.mark.slow


def _measured(tmp_path, name: str, *, items: int, people: int):
    engine = make_engine(f"sqlite:///{tmp_path}/{name}.db")
    init_db(engine)
    workshop_id = bench.populate(engine, items=items, people=people, stages=12)
    try:
        return bench.measure(engine, workshop_id, runs=1, memory=False)
    finally:
        engine.dispose()


def test_a_big_workshops_commands_show_everything_and_their_queries_do_not_grow_with_it(tmp_path):
    small = _measured(tmp_path, "small", items=720, people=20)
    big = _measured(tmp_path, "big", items=2880, people=60)

    # No N+1: four times the items, three times the people, the same statements.
    for name in small:
        assert big[name]["queries"] == small[name]["queries"], name

    data = big["/journey map (model)"]["output"]
    lanes = ("touchpoints", "opportunities", "frontstage", "backstage", "unsorted")
    shown = sum(len(st[k]) for st in data["stages"] for k in lanes)
    pains = [p for st in data["stages"] for p in st["pain_points"]]
    variants = sum(len(p.get("variants", [])) or 1 for p in pains)
    assert shown + variants == 2880  # every item once, merged pain points with all their variants
    assert sum(1 for p in pains if "merged" in p) == 12 * 5
    assert len(data["stages"]) == 12 and len(data["participants"]) == 60
    assert sum(len(st["emotions"]) for st in data["stages"]) == 12 * 60

    assert json.loads(big["/journey export json"]["output"]) == json.loads(json.dumps(data))
    rows = list(csv.DictReader(io.StringIO(big["/journey export csv"]["output"].decode("utf-8-sig"))))
    assert {r["id"] for r in rows if r["id"]} >= {str(p["id"]) for p in pains}
    assert "A very big journey" in big["/journey export md"]["output"].decode()

    view, blocks = big["/journey status"]["output"]
    assert view.total_answers == sum(n for _, n, _ in view.steps) == 2880 + 12 * 60  # items and ratings, each once
    assert sum(st.pain_points for st in view.stages) == len(pains) and len(view.contributors) == 60
    assert "A very big journey" in json.dumps(blocks)
    png, summary = big["/journey map (picture)"]["output"]
    assert png.startswith(b"\x89PNG") and "A very big journey" in json.dumps(summary)
    digest = json.dumps(big["digest"]["output"])
    assert "A very big journey" in digest and "#" in digest  # its top pain points, by number
