"""The map picture, checked for real: the PNG decodes at the planned size, the SVG's text holds the map, every line
of text stays inside its box as matplotlib's renderer draws it, every script has a glyph, and hostile input still
renders with every cut announced by "+N more".

Tests that need the script fonts (.ci/run installs them) skip without them on a developer's machine, saying which
Debian packages to install, and fail in CI."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image

from bot.render import picture
from bot.render.picture import (
    LRM,
    RLM,
    Measure,
    build_figure,
    clean,
    clip_lines,
    drawing,
    font_families,
    lanes_for,
    missing_fonts,
    picture_size,
    plan_map,
    render_map,
    wrap,
)

ROOT = Path(__file__).parent.parent


def item(text: str, **kw) -> dict:
    return {"id": 1, "text": text, "author": "U1", "department": "Sales", "created_at": "2026-11-22T10:00:00Z", **kw}


def pain(text: str, votes: int = 0, **kw) -> dict:
    return item(text, votes=votes, source_item_id=None, **kw)


def stage(name: str, *, pains=(), touchpoints=(), opportunities=(), avg=None, spread=None, **lanes) -> dict:
    return {"name": name, "position": 0, "touchpoints": [item(t) for t in touchpoints],
            "pain_points": [p if isinstance(p, dict) else pain(*p) for p in pains],
            "opportunities": [item(t) for t in opportunities],
            "frontstage": [item(t) for t in lanes.get("frontstage", [])],
            "backstage": [item(t) for t in lanes.get("backstage", [])], "unsorted": [], "emotions": [],
            "emotion_average": avg, "emotion_spread": spread}


def journey(stages: list[dict], map_type: str = "current", **kw) -> dict:
    return {"schema": "journey-map/1", "workshop": {"id": 7, "title": kw.pop("title", "Checkout redesign"),
                                                     "template": "buyer", "status": "open"},
            "map_type": map_type, "template": "buyer", "future_of": None,
            "objectives": [item("Understand why carts are abandoned")],
            "personas": [{"name": "Olivia", "description": "ops lead", "author": "U1", "department": "Sales"}],
            "stages": stages, "action_items": [], "participants": [], **kw}


NORMAL = journey([
    stage("Awareness", touchpoints=["Google ad"], pains=[("Pricing unclear", 4)], opportunities=["Show prices"],
          avg=2.5, spread=0.5),
    stage("Consideration", touchpoints=["Demo"], pains=[("Demo slots booked out", 2)], avg=3.5, spread=1.0),
    stage("Decision", pains=[("Card payment fails", 6)], avg=1.5, spread=0.5),
])

SCRIPTS = journey([
    stage("認知 Japanese", touchpoints=["ウェブ広告を見た", "友人の紹介"],
          pains=[pain("料金体系が分かりにくく、最後の画面まで合計金額が表示されない", 5, department="営業")], avg=2.0),
    stage("中文 한국어", touchpoints=["搜索广告", "친구 추천"],
          pains=[pain("价格不透明，直到最后一步才显示总价", 3, department="销售"),
                 pain("결제가 실패했습니다", 2, department="지원팀")], avg=3.0, spread=1.0),
    stage("الشراء", touchpoints=["صفحة الدفع"],
          pains=[pain("التسعير غير واضح حتى الخطوة الأخيرة من الدفع", 4, department="المبيعات"),
                 pain("Safari لا يعمل على الهاتف", 1)], opportunities=["إعادة المحاولة في صفحة كاملة"], avg=1.5),
    stage("עברית", touchpoints=["תמיכה בצ'אט"], pains=[pain("התמיכה בצ'אט איטית מאוד בשעות העומס", 3,
                                                            department="תמיכה")], avg=3.5),
    stage("Emoji 😀🎉", touchpoints=["Chat 💬 with support 🙂", "Thumbs 👍🏽 up ❤️"],
          pains=[pain("Slow 🐢 replies 😡", 3, validation={"status": "confirmed"})], avg=4.0, spread=0.0),
], title="チェックアウト改善 · 结账 · تحسين الدفع")
SCRIPTS["personas"] = [{"name": "佐藤さん", "description": "運用リーダー", "author": "U1", "department": None},
                       {"name": "سارة", "description": "مديرة العمليات", "author": "U1", "department": None}]


@pytest.fixture
def script_fonts() -> None:
    """The tests that need a glyph for every script: skipped without the fonts, except in CI."""
    missing = missing_fonts()
    if missing:
        packages = " ".join(sorted({pkg for _, pkg in missing}))
        reason = (f"the picture lacks the fonts {', '.join(f for f, _ in missing)}: install the Debian packages "
                  f"{packages} (.ci/run does)")
        if os.environ.get("CI"):
            pytest.fail("CI must render every script, but " + reason)
        pytest.skip(reason)


def svg_text(svg: bytes) -> str:
    return " ".join(re.findall(r">([^<>]+)</text>", svg.decode())).replace(RLM, "").replace(LRM, "")


def drawn(data: dict, layout: str = "default"):
    """The figure, drawn, with its plan and renderer."""
    with drawing():
        fig = build_figure(data, layout)
        fig.canvas.draw()
    return fig, plan_map(data, layout), fig.canvas.get_renderer()


def labels(plan, prefix: str) -> list:
    return [t for t in plan.labels if (t.gid or "").startswith(prefix)]


def assert_text_inside_its_box(data: dict, layout: str = "default") -> None:
    fig, plan, renderer = drawn(data, layout)
    height = fig.bbox.height
    assert len(fig.texts) == len(plan.labels) > 0
    for t in fig.texts:
        region = t.get_gid().rsplit(":", 1)[0]
        box = plan.boxes[region]
        ext = t.get_window_extent(renderer)
        where = (t.get_gid(), t.get_text()[:40])
        assert box.left - 0.5 <= ext.x0 and ext.x1 <= box.right + 0.5, where
        assert box.top - 0.5 <= height - ext.y1 and height - ext.y0 <= box.bottom + 0.5, where
    assert 0 <= min(m.x for m in plan.markers) and max(m.x for m in plan.markers) <= plan.width


# --- Size and format ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["default", "wide"])
def test_png_decodes_at_the_planned_size(layout):
    png = render_map(NORMAL, "png", layout=layout)
    Image.open(io.BytesIO(png)).verify()
    assert Image.open(io.BytesIO(png)).size == picture_size(NORMAL, layout)


def test_the_default_picture_has_a_column_per_stage_and_is_landscape():
    three, one = picture_size(NORMAL), picture_size(journey(NORMAL["stages"][:1]))
    assert three[0] > one[0]
    five = journey([stage(f"Stage {n}", touchpoints=["a", "b"], pains=[("x", 1)]) for n in range(5)])
    width, height = picture_size(five)
    assert width / height > 16 / 9  # Slack previews within a fixed height: a wide picture previews larger
    # A map too full for the picture stays at most 10:6, however much it holds.
    full = journey([stage(f"S{n}", pains=[(f"Pain {n}.{k} with a few words", 1) for k in range(60)])
                    for n in range(8)])
    width, height = picture_size(full)
    assert height <= width * 0.6 + 1


def test_svg_holds_the_map_as_text():
    text = svg_text(render_map(NORMAL, "svg"))
    for expected in ("Checkout redesign", "Awareness", "Consideration", "Decision", "Touchpoints", "Pain points",
                     "Opportunities", "Pricing unclear", "#1", "Google ad", "Olivia", "ops lead",
                     "Current-state journey map", "Emotion"):
        assert expected in text, expected
    assert "Frontstage" not in text


def test_blueprints_have_frontstage_and_backstage_lanes():
    data = journey([stage("Order", frontstage=["Agent confirms by phone"], backstage=["CRM sync"])], "blueprint")
    text = svg_text(render_map(data, "svg"))
    assert "Frontstage" in text and "Agent confirms by phone" in text and "CRM sync" in text
    assert "Service blueprint" in text
    assert [lane.key for lane in lanes_for("blueprint")][-2:] == ["frontstage", "backstage"]


@pytest.mark.parametrize("fmt", ["gif", ""])
def test_unknown_picture_formats_are_refused(fmt):
    with pytest.raises(ValueError):
        render_map(NORMAL, fmt)


def test_unknown_layouts_are_refused():
    with pytest.raises(ValueError):
        render_map(NORMAL, "png", layout="tall")


def test_render_map_keeps_its_old_call():
    assert render_map(NORMAL)[:8] == b"\x89PNG\r\n\x1a\n"  # data alone: PNG, default layout
    assert render_map(NORMAL, "svg").lstrip().startswith(b"<?xml")


# --- Every script --------------------------------------------------------------------------------------------------

def test_the_fonts_are_a_fallback_list_ending_in_matplotlibs_own():
    families = font_families()
    assert families[-1] == "DejaVu Sans"
    assert [f for f in families if f != "DejaVu Sans"] == [f for f, _, _ in picture.SCRIPT_FONTS
                                                           if (f, _) not in missing_fonts() and f in families]


@pytest.mark.usefixtures("script_fonts")
def test_every_script_is_drawn_with_a_real_glyph():
    with drawing():
        fig = build_figure(SCRIPTS)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing[:3]
    text = svg_text(render_map(SCRIPTS, "svg"))
    for expected in ("料金体系", "价格不透明", "결제가", "التسعير", "התמיכה", "🐢", "佐藤さん", "سارة"):
        assert expected in text, expected


@pytest.mark.usefixtures("script_fonts")
def test_newer_emoji_than_the_emoji_font_knows_still_render():
    data = journey([stage("Party 🥳🫠", touchpoints=["🫠 melting"])])
    assert Image.open(io.BytesIO(render_map(data))).size == picture_size(data)


def test_arabic_is_shaped_its_letters_joined():
    m = Measure(20)
    beh = "\u0628"
    assert m(beh * 3) < 3 * m(beh) * 0.8  # joined forms are narrower than three letters standing alone
    with drawing():
        fig = build_figure(NORMAL)
        renderer = fig.canvas.get_renderer()
    from matplotlib.font_manager import FontProperties

    props = FontProperties(family=list(font_families()), size=14)
    alone = renderer.get_text_width_height_descent(beh, props, ismath=False)[0]
    joined = renderer.get_text_width_height_descent(beh * 3, props, ismath=False)[0]
    assert joined < 3 * alone * 0.8  # matplotlib shapes it too (libraqm, matplotlib ≥ 3.11)


def test_right_to_left_items_read_right_to_left_and_align_right():
    plan = plan_map(SCRIPTS)
    column = [c for c, st in enumerate(SCRIPTS["stages"]) if st["name"] == "الشراء"][0]
    box = plan.cells[("pain_points", column)]
    lines = labels(plan, f"cell:pain_points:{column}:")
    arabic = [t for t in lines if "التسعير" in t.text][0]
    assert arabic.text.startswith(RLM) and arabic.ha == "right" and arabic.x > box.left + box.width / 2
    number = [t for t in lines if t.text == "#4"][0]  # its lead mirrored: number at the right end
    assert number.ha == "right" and number.x == pytest.approx(box.right - picture.LAYOUTS["default"].item_px * 0.6,
                                                               abs=1)
    # An item starting with a Latin word reads left to right; its Arabic words keep the line's direction.
    safari = [t for t in lines if "Safari" in t.text][0]
    assert safari.text.startswith(LRM) and safari.ha == "left"
    # A right-to-left item whose next line starts with a Latin word stays right to left.
    assert picture.directed("Safari لا يعمل", True).startswith(RLM)
    assert picture.is_rtl("«التسعير»") and not picture.is_rtl("123 Safari التسعير") and not picture.is_rtl("")


# --- Measuring and wrapping ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Checkout fails on mobile Safari when 3-D Secure pops up", "WWWW iiii",
                                  "料金体系が分かりにくい", "التسعير غير واضح", "התמיכה בצ'אט איטית", "Slow 🐢 replies"])
def test_measure_agrees_with_the_renderer(text):
    from matplotlib.font_manager import FontProperties

    m = Measure(19)
    with drawing():
        fig = build_figure(NORMAL)
        fig.canvas.draw()
        props = FontProperties(family=list(font_families()), size=19 * 72 / picture.DPI)
        width = fig.canvas.get_renderer().get_text_width_height_descent(text, props, ismath=False)[0]
    assert width <= m(text) <= width * 1.06 + 1


def test_wrap_follows_glyph_widths():
    m = Measure(19)
    narrow, wide = wrap("i" * 200, 280, m), wrap("W" * 200, 280, m)
    assert len(narrow) < len(wide)
    assert all(m(line) <= 280 for line in narrow + wide)
    assert wrap("two words", 280, m) == ["two words"]
    first, *rest = wrap("word " * 40, 280, m, first_px=120)
    assert m(first) <= 120 < m(rest[0]) <= 280


def test_text_without_spaces_fills_each_line():
    m = Measure(19)
    lines = wrap("料金 体系が分かりにくく最後の画面まで合計金額が表示されないのでお客様が困っている", 200, m)
    assert lines[0].startswith("料金 体系")  # the current line is filled before the break, not left short
    assert all(m(line) <= 200 for line in lines) and all(m(line) > 150 for line in lines[:-1])
    assert "".join(lines).replace(" ", "") == "料金体系が分かりにくく最後の画面まで合計金額が表示されないのでお客様が困っている"


def test_clip_lines_marks_the_cut():
    m = Measure(19)
    lines = clip_lines(wrap("w" * 500, 280, m), 3, 280, m)
    assert len(lines) == 3 and lines[-1].endswith("…") and m(lines[-1]) <= 280
    assert clip_lines(["a", "b"], 3, 280, m) == ["a", "b"]


def test_clean_keeps_text_and_drops_what_cannot_be_drawn():
    assert clean("  two\nlines\t here ") == "two lines here"
    assert clean("Z" + "\u0301" * 40) == "Z\u0301\u0301"  # stacked marks would be drawn far outside the line
    assert clean("👍🏽 ok") == "👍 ok"  # a one-colour font cannot show a skin tone: it drew a swatch
    assert clean("a\x00b\x07c") == "abc"
    assert clean("<@U123> said") != "<@U123> said"  # mentions made inert, as in every export


# --- Personas as cards ---------------------------------------------------------------------------------------------

def test_each_persona_is_a_card_with_its_name_and_the_first_line_of_its_description():
    data = journey(NORMAL["stages"])
    data["personas"] = [
        {"name": "Olivia, ops lead", "description": "Buys for a team of 20\nSecond line stays out", "author": "U1",
         "department": "Sales"},
        {"name": "Sam", "description": "", "author": "U2", "department": None},
        {"name": "Ava " + "very long name " * 10, "description": "x " * 200, "author": "U3", "department": None},
    ]
    plan = plan_map(data)
    cards = [labels(plan, f"persona:{i}:") for i in range(3)]
    assert [t.text for t in cards[0]] == ["Olivia, ops lead", "Buys for a team of 20"]
    assert [t.text for t in cards[1]] == ["Sam"]
    assert all(t.text.endswith("…") for t in cards[2])  # shortened to the card, said so
    boxes = [plan.boxes[f"persona:{i}"] for i in range(3)]
    assert len({b.top for b in boxes}) == 1 and boxes[0].right < boxes[1].left  # side by side
    assert "Second line stays out" not in svg_text(render_map(data, "svg"))


@pytest.mark.parametrize("layout, rows", [("default", 2), ("wide", 1)])
def test_many_personas_fill_their_rows_then_say_how_many_more(layout, rows):
    data = journey(NORMAL["stages"])
    data["personas"] = [{"name": f"Persona {n}", "description": f"Line {n}", "author": "U1", "department": None}
                        for n in range(40)]
    plan = plan_map(data, layout)
    cards = sorted({t.gid.split(":")[1] for t in labels(plan, "persona:")}, key=int)
    more = labels(plan, f"persona:{cards[-1]}:")[0].text
    shown = len(cards) - 1
    assert more == f"+{40 - shown} more personas"
    assert len({plan.boxes[f"persona:{c}"].top for c in cards}) == rows
    assert_text_inside_its_box(data, layout)


def test_no_persona_yet_says_so():
    data = journey(NORMAL["stages"])
    data["personas"] = []
    assert [t.text for t in labels(plan_map(data), "persona:0:")] == ["Persona", "not named yet"]


# --- Lanes sized to their content --------------------------------------------------------------------------------

UNEVEN = journey([
    stage("Busy", pains=[(f"Pain point {n}: something went wrong when the customer tried step {n}", 20 - n)
                         for n in range(12)]),
    stage("Quiet", touchpoints=["One touchpoint"]),
    stage("Also quiet", opportunities=["One idea"]),
])


def test_each_lane_is_as_tall_as_its_fullest_stage_needs():
    plan = plan_map(UNEVEN)
    assert not any(plan.hidden.values())  # twelve pain points: all shown, no "+N more"
    pains, touch = plan.cells[("pain_points", 0)], plan.cells[("touchpoints", 0)]
    assert pains.height > 4 * touch.height
    lines = labels(plan, "cell:pain_points:0:")
    pad = picture.LAYOUTS["default"].item_px
    assert pains.bottom - max(t.y for t in lines) < 1.5 * pad  # its last line is near its bottom: no empty band
    assert "more" not in svg_text(render_map(UNEVEN, "svg"))


def test_more_only_when_a_lane_exceeds_the_cap_and_every_cut_is_counted():
    full = journey([stage("Many", pains=[(f"Pain number {n} with some words", 500 - n) for n in range(500)],
                          opportunities=[f"Idea {n}" for n in range(60)], touchpoints=["One"])])
    plan = plan_map(full)
    hidden = plan.hidden[("pain_points", 0)]
    shown = len([t for t in labels(plan, "cell:pain_points:0:") if t.text.startswith("Pain number")])
    assert hidden > 0 and shown + hidden == 500
    assert f"+{hidden} more" in svg_text(render_map(full, "svg"))
    assert plan.hidden[("touchpoints", 0)] == 0  # a small lane keeps what it needs
    # The lanes past the cap share what is left fairly: neither gets everything.
    assert plan.hidden[("opportunities", 0)] > 0
    assert plan.cells[("opportunities", 0)].height == pytest.approx(plan.cells[("pain_points", 0)].height, rel=0.05)


# --- Pain points: numbers, votes, validation, departments --------------------------------------------------------

def lead_texts(plan, column: int) -> list[str]:
    return [t.text for t in labels(plan, f"cell:pain_points:{column}:") if t.colour != picture.INK]


def test_pain_points_show_their_number_and_votes():
    data = journey([stage("A", pains=[pain("First", 5, number=31), pain("Second", 0, number=7)]),
                    stage("B", pains=[pain("Third", 2, number=40)])])
    plan = plan_map(data)
    assert lead_texts(plan, 0) == ["#31", "5", "#7"] and lead_texts(plan, 1) == ["#40", "2"]
    dots = [m for m in plan.markers if m.role == "cell" and m.shape == "o"]
    assert len(dots) == 2  # no dot where nobody voted
    assert "#31" in svg_text(render_map(data, "svg"))


def test_without_numbers_pain_points_are_numbered_in_map_order():
    data = journey([stage("A", pains=[("First", 5), ("Second", 1)]), stage("B", pains=[("Third", 2)])])
    plan = plan_map(data)
    assert [t for t in lead_texts(plan, 0) if t.startswith("#")] == ["#1", "#2"]
    assert lead_texts(plan, 1)[0] == "#3"


def test_validation_marks_are_shown_and_explained():
    statuses = ["confirmed", "partly", "not_confirmed", "pending"]
    data = journey([stage("A", pains=[pain(f"Pain {s}", 1, validation={"status": s}) for s in statuses])])
    plan = plan_map(data)
    marks = [t.text for t in labels(plan, "cell:pain_points:0:") if t.text in "✓≈✗?"]
    assert marks == ["✓", "≈", "✗", "?"]
    key = " | ".join(plan.legend)
    for mark, meaning in (("✓", "confirmed"), ("≈", "partly"), ("✗", "not confirmed"), ("?", "being checked")):
        assert f"{mark} " in key and meaning in key


def test_departments_that_raised_a_pain_point_are_coloured_squares_with_a_key():
    merged = pain("3-D Secure popup fails", 9, departments=["Support", "Sales", "Product", "Marketing"],
                  department="Support")
    data = journey([stage("A", pains=[merged, pain("Coupon hidden", 1, department="Product"),
                                      pain("No department", 1, department=None)])])
    plan = plan_map(data)
    squares = [m for m in plan.markers if m.role == "cell" and m.shape == "s"]
    assert len(squares) == 5  # four for the merged one (its variants' departments), one for its own author's
    assert {m.colour for m in squares} == {plan.departments[d] for d in ("Support", "Sales", "Product", "Marketing")}
    assert len(set(plan.departments.values())) == 4
    key_squares = {m.colour for m in plan.markers if m.role == "legend" and m.shape == "s"}
    assert key_squares == {m.colour for m in squares}
    key = " | ".join(plan.legend)
    assert all(d in key for d in ("Support", "Sales", "Product", "Marketing"))


def test_a_department_written_in_another_case_is_the_same_department():
    data = journey([stage("A", pains=[pain("One", 1, department="Sales"), pain("Two", 1, department="sales "),
                                      pain("Three", 1, departments=["SALES", "Support"])])])
    plan = plan_map(data)
    squares = [m.colour for m in plan.markers if m.role == "cell" and m.shape == "s"]
    assert squares.count(plan.departments["Sales"]) == 3 and list(plan.departments) == ["Sales", "Support"]
    assert sum(entry.count("Sales") for entry in plan.legend) == 1


def test_departments_past_the_palette_share_one_grey_named_in_the_key():
    data = journey([stage("A", pains=[pain(f"Pain {n}", 1, department=f"Dept {n:02}") for n in range(14)])])
    plan = plan_map(data)
    assert len(set(plan.departments.values())) == len(picture.DEPARTMENT_COLOURS) + 1
    assert len(plan.other_departments) == 14 - len(picture.DEPARTMENT_COLOURS)
    assert any(entry.endswith("5 other departments") for entry in plan.legend)


def test_the_key_explains_every_marker_the_picture_uses():
    data = journey([stage("A", pains=[pain("Voted", 3, department="Sales", validation={"status": "pending"}),
                                      pain("Quiet", 0, department="Support")]), stage("B")])
    plan = plan_map(data)
    cell = [m for m in plan.markers if m.role == "cell"]
    key = [m for m in plan.markers if m.role == "legend"]
    for m in cell:
        assert any(k.shape == m.shape and k.colour == m.colour for k in key), m
    for t in labels(plan, "cell:pain_points:"):
        if t.bold and not t.text.isdigit():  # a lead's number ("#7") and marks; a count follows its dot
            symbol = t.text[0]
            assert any(entry.startswith(symbol) or f" {symbol}" in entry for entry in plan.legend), t.text
    assert any("?" in entry and "being checked" in entry for entry in plan.legend)
    assert not any("✓" in entry for entry in plan.legend)  # nothing explained that isn't there
    assert any(entry.startswith("Emotion:") for entry in plan.legend)
    assert any("spread" in entry for entry in plan.legend)


def test_the_key_leaves_out_what_only_hidden_pain_points_carry():
    pains = [pain(f"Pain {n} with some words", 300 - n, department="Sales") for n in range(200)]
    pains.append(pain("Last and hidden", 0, department="Legal", validation={"status": "not_confirmed"}))
    plan = plan_map(journey([stage("A", pains=pains)]))
    assert plan.hidden[("pain_points", 0)] > 0
    key = " | ".join(plan.legend)
    assert "Sales" in key and "Legal" not in key and "✗" not in key


# --- Slides: the wide layout -------------------------------------------------------------------------------------

def test_wide_is_a_full_hd_slide_whatever_the_map_holds():
    big = journey([stage(f"Stage {n}", pains=[(f"Pain {n}.{k} with several words", k) for k in range(40)],
                         touchpoints=[f"Touchpoint {k}" for k in range(40)], frontstage=["f"] * 40,
                         backstage=["b"] * 40, avg=3) for n in range(8)], "blueprint")
    for data in (NORMAL, big):
        png = render_map(data, "png", layout="wide")
        assert Image.open(io.BytesIO(png)).size == (1920, 1080)
        plan = plan_map(data, "wide")
        assert not plan.overflow
        assert plan.layout.item_px >= 16 and plan.layout.legend_px >= 15  # readable full-screen
    assert any(plan_map(big, "wide").hidden.values())  # cut, and said so
    # A small map gets bigger type on the slide than a big one.
    assert plan_map(NORMAL, "wide").layout.item_px > plan_map(big, "wide").layout.item_px


@pytest.mark.parametrize("layout", ["default", "wide"])
def test_every_line_of_text_stays_inside_its_box(layout):
    for data in (NORMAL, UNEVEN, journey(NORMAL["stages"], "blueprint"), HOSTILE, journey(HOSTILE["stages"],
                                                                                           "blueprint")):
        assert_text_inside_its_box(data, layout)


@pytest.mark.usefixtures("script_fonts")
@pytest.mark.parametrize("layout", ["default", "wide"])
def test_every_script_stays_inside_its_box(layout):
    assert_text_inside_its_box(SCRIPTS, layout)


# --- Hostile input -------------------------------------------------------------------------------------------------

HOSTILE = journey([
    stage("Empty stage"),
    stage("Long words " + "n" * 80, pains=[("x" * 200, 1), ("y" * 200 + " " + "z" * 200, 0)],
          touchpoints=["w" * 200]),
    stage("Emoji 😀🎉", touchpoints=["Chat 💬 with support 🙂"], pains=[("Slow 🐢 replies", 3)], avg=4.0, spread=0.0),
    stage("עברית ערבית", touchpoints=["תמיכה בצ'אט", "الدعم عبر الدردشة"], pains=[("التسعير غير واضح", 1)],
          avg=5.0, spread=2.0),
    stage("Many pains", pains=[(f"Pain number {n} with some words", 500 - n) for n in range(500)],
          opportunities=[f"Idea {n}" for n in range(60)], avg=1.0, spread=3.0),
    stage("Money $5 and $10", touchpoints=["$x^2$ is not math", "50% off & <b>bold</b>", "Z" + "\u0336" * 60,
                                           "tab\there\x00nul"]),
    stage("Odd data", pains=[{"text": "", "votes": None, "department": None, "validation": None},
                             {"text": "no votes key", "departments": "not a list", "number": "7"},
                             pain("Many departments", 2, departments=[f"Department {n}" for n in range(30)])]),
], title="x" * 300)
HOSTILE["personas"].append({"name": "", "description": "\n\n", "author": "U1", "department": None})


def test_hostile_input_still_renders_and_cuts_only_with_a_count():
    png = render_map(HOSTILE, "png")
    assert Image.open(io.BytesIO(png)).size == picture_size(HOSTILE)
    text = svg_text(render_map(HOSTILE, "svg"))
    shown = len(re.findall(r"Pain number \d+", text))
    more = int(re.search(r"\+(\d+) more", text.split("Many pains", 1)[1]).group(1))
    assert shown + more == 500  # nothing cut without saying so
    assert "$x^2$ is not math" in text.replace("&amp;", "&")  # no mathtext
    assert Image.open(io.BytesIO(render_map(HOSTILE, "png", layout="wide"))).size == (1920, 1080)


def test_a_map_without_stages_or_people_renders():
    data = journey([])
    data.update(personas=[], objectives=[])
    png = render_map(data)
    assert Image.open(io.BytesIO(png)).size == picture_size(data)
    assert "No stages yet" in svg_text(render_map(data, "svg"))


def test_many_stages_still_fit_a_slide():
    data = journey([stage(f"Stage number {n}", touchpoints=["A touchpoint with words"], pains=[("A pain", 1)])
                    for n in range(14)])
    assert Image.open(io.BytesIO(render_map(data, "png", layout="wide"))).size == (1920, 1080)
    assert_text_inside_its_box(data, "wide")


# --- Without the fonts -------------------------------------------------------------------------------------------

def test_without_the_script_fonts_the_picture_still_renders_and_says_what_to_install(monkeypatch, caplog):
    monkeypatch.setattr(picture, "SCRIPT_FONTS", (("No Such Sans", "fonts-no-such", "Testing"),))
    monkeypatch.setattr(picture, "_families", None)
    with caplog.at_level(logging.WARNING, logger="bot.render.picture"):
        png = render_map(SCRIPTS)
    assert font_families() == ("DejaVu Sans",)
    assert missing_fonts() == [("No Such Sans", "fonts-no-such")]
    assert Image.open(io.BytesIO(png)).size == picture_size(SCRIPTS)
    assert "fonts-no-such" in caplog.text
    assert_text_inside_its_box(SCRIPTS)  # boxes where glyphs are missing, measured as drawn


@pytest.mark.usefixtures("script_fonts")
def test_fonts_installed_after_matplotlib_cached_its_list_are_found(tmp_path):
    """matplotlib reads its font list from a cache made on its first run; fonts installed later are looked up
    with fontconfig and the cache is brought up to date."""
    from matplotlib.font_manager import FontManager, fontManager, json_dump

    if not __import__("shutil").which("fc-list"):
        pytest.skip("needs fontconfig's fc-list")
    stale = FontManager.__new__(FontManager)
    stale.__dict__.update(fontManager.__dict__)
    stale.ttflist = [f for f in fontManager.ttflist if not f.name.startswith(("Noto", "Symbola"))]
    cache = tmp_path / f"fontlist-v{FontManager.__version__}.json"
    json_dump(stale, cache)
    code = "from bot.render.picture import font_families; print(','.join(font_families()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "MPLCONFIGDIR": str(tmp_path)})
    assert out.stdout.strip().split(",") == list(font_families())
    names = {f["name"] for f in json.loads(cache.read_text())["ttflist"]}
    assert "Noto Sans CJK JP" in names and "Symbola" in names


def test_the_bot_starts_without_importing_matplotlib():
    code = "import sys, bot.app, bot.__main__; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
