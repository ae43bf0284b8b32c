"""The map picture, checked for real: the PNG decodes at the expected size, the SVG's text holds the stage names,
and hostile input still renders with every cut announced by "+N more" and no text outside its cell."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.render.picture import Measure, build_figure, cell_box, fit_items, lanes_for, picture_size, render_map, wrap

ROOT = Path(__file__).parent.parent


def item(text: str, **kw) -> dict:
    return {"id": 1, "text": text, "author": "U1", "department": "Sales", "created_at": "2026-11-22T10:00:00Z", **kw}


def stage(name: str, *, pains=(), touchpoints=(), opportunities=(), avg=None, spread=None, **lanes) -> dict:
    return {"name": name, "position": 0, "touchpoints": [item(t) for t in touchpoints],
            "pain_points": [item(t, votes=v) for t, v in pains], "opportunities": [item(t) for t in opportunities],
            "frontstage": [item(t) for t in lanes.get("frontstage", [])],
            "backstage": [item(t) for t in lanes.get("backstage", [])], "unsorted": [], "emotions": [],
            "emotion_average": avg, "emotion_spread": spread}


def journey(stages: list[dict], map_type: str = "current") -> dict:
    return {"schema": "journey-map/1", "workshop": {"id": 7, "title": "Checkout redesign", "template": "buyer",
                                                     "status": "open"},
            "map_type": map_type, "template": "buyer", "future_of": None,
            "objectives": [item("Understand why carts are abandoned")],
            "personas": [{"name": "Olivia", "description": "ops lead", "author": "U1", "department": "Sales"}],
            "stages": stages, "action_items": [], "participants": []}


NORMAL = journey([
    stage("Awareness", touchpoints=["Google ad"], pains=[("Pricing unclear", 4)], opportunities=["Show prices"],
          avg=2.5, spread=0.5),
    stage("Consideration", touchpoints=["Demo"], pains=[("Demo slots booked out", 2)], avg=3.5, spread=1.0),
    stage("Decision", pains=[("Card payment fails", 6)], avg=1.5, spread=0.5),
])


def svg_text(svg: bytes) -> str:
    return " ".join(re.findall(r">([^<>]+)</text>", svg.decode()))


def test_png_decodes_at_the_expected_size():
    png = render_map(NORMAL, "png")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert Image.open(io.BytesIO(png)).size == picture_size(NORMAL)
    assert picture_size(NORMAL)[0] > picture_size(journey(NORMAL["stages"][:1]))[0]  # a column per stage


def test_svg_holds_the_map_as_text():
    text = svg_text(render_map(NORMAL, "svg"))
    for expected in ("Checkout redesign", "Awareness", "Consideration", "Decision", "Touchpoints", "Pain points",
                     "Opportunities", "●4 Pricing unclear", "Google ad", "Olivia", "Current-state journey map"):
        assert expected in text, expected
    assert "Frontstage" not in text


def test_blueprints_have_frontstage_and_backstage_lanes():
    data = journey([stage("Order", frontstage=["Agent confirms by phone"], backstage=["CRM sync"])], "blueprint")
    text = svg_text(render_map(data, "svg"))
    assert "Frontstage" in text and "Agent confirms by phone" in text and "CRM sync" in text
    assert "Service blueprint" in text


HOSTILE = journey([
    stage("Empty stage"),
    stage("Long words", pains=[("x" * 200, 1), ("y" * 200 + " " + "z" * 200, 0)], touchpoints=["w" * 200]),
    stage("Emoji 😀🎉", touchpoints=["Chat 💬 with support 🙂"], pains=[("Slow 🐢 replies", 3)], avg=4.0, spread=0.0),
    stage("עברית ערבית", touchpoints=["תמיכה בצ'אט", "الدعم عبر الدردشة"], pains=[("التسعير غير واضح", 1)]),
    stage("Many pains", pains=[(f"Pain number {n} with some words", 500 - n) for n in range(500)],
          opportunities=[f"Idea {n}" for n in range(60)]),
    stage("Money $5 and $10", touchpoints=["$x^2$ is not math", "50% off & <b>bold</b>"]),
])


def test_hostile_input_still_renders_and_cuts_only_with_a_count():
    png = render_map(HOSTILE, "png")
    assert Image.open(io.BytesIO(png)).size == picture_size(HOSTILE)
    text = svg_text(render_map(HOSTILE, "svg"))
    assert "+" in text and re.search(r"\+\d+ more", text)
    shown = len(re.findall(r"Pain number \d+", text))
    more = int(re.search(r"\+(\d+) more", text.split("Many pains", 1)[1]).group(1))
    assert shown + more == 500  # nothing cut without saying so
    assert "$x^2$ is not math" in text.replace("&amp;", "&")  # no mathtext


@pytest.mark.filterwarnings("ignore:Glyph .* missing")
def test_every_cell_text_stays_inside_its_cell():
    for data in (NORMAL, HOSTILE, journey(HOSTILE["stages"], "blueprint")):
        fig = build_figure(data)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        height = fig.bbox.height
        cells = [t for t in fig.texts if (t.get_gid() or "").startswith("cell:")]
        assert len(cells) == len(data["stages"]) * (len(lanes_for(data["map_type"])) - 1)
        for t in cells:
            _, lane, column = t.get_gid().split(":")
            left, top, right, bottom = cell_box(int(column), int(lane), data["map_type"])
            box = t.get_window_extent(renderer)
            assert left <= box.x0 and box.x1 <= right + 1, (t.get_gid(), t.get_text()[:40])
            assert top <= height - box.y1 and height - box.y0 <= bottom + 1, (t.get_gid(), t.get_text()[:40])


def test_fit_items_announces_everything_it_leaves_out():
    m = Measure()
    lines, more = fit_items([f"item {n}" for n in range(30)], max_px=280, max_lines=10, measure=m)
    assert (len(lines), more) == (9, 21)  # one line kept free for "+21 more"
    lines, more = fit_items(["a", "b"], max_px=280, max_lines=10, measure=m)
    assert (lines, more) == (["• a", "• b"], 0)
    lines, more = fit_items(["w" * 500], max_px=280, max_lines=10, measure=m)
    assert more == 0 and len(lines) == 3 and lines[-1].endswith("…")
    assert fit_items([], max_px=280, max_lines=10, measure=m) == ([], 0)


def test_wrap_follows_glyph_widths():
    m = Measure()
    narrow, wide = wrap("i" * 200, 280, m), wrap("W" * 200, 280, m)
    assert len(narrow) < len(wide)
    assert all(m(line) <= 280 for line in narrow + wide)
    assert wrap("two words", 280, m) == ["two words"]


def test_the_bot_starts_without_importing_matplotlib():
    code = "import sys, bot.app, bot.__main__; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("fmt", ["gif", ""])
def test_unknown_picture_formats_are_refused(fmt):
    with pytest.raises(ValueError):
        render_map(NORMAL, fmt)
