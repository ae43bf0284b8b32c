"""The opportunities' value/effort 2×2, checked for real: the PNG decodes at the planned size; as matplotlib's
renderer draws it, every line of text stays inside its box, nothing leaves the canvas, no two texts overlap, and
no two dots overlap or leave their cell; 40 opportunities with long texts are all listed; more than fit are
counted; every script gets a glyph."""

from __future__ import annotations

import io
import itertools
import random
import re

import pytest
from PIL import Image

from bot.render.opportunities import build_figure, plan_opportunities, render_opportunities
from bot.render.picture import drawing
from tests.test_picture import script_fonts  # noqa: F401 - the fixture: skipped without the fonts, except in CI

WORDS = ("customers want clearer pricing faster checkout better support fewer steps on mobile payments saved carts "
         "reminders delivery times before paying").split()


def opp(n: int, text: str, value=None, effort=None, owner=None) -> dict:
    return {"id": n, "number": n, "text": text, "author": "U1", "department": "Sales",
            "created_at": "2026-11-22T10:00:00Z", "value": value, "effort": effort, "owner": owner,
            "owner_name": owner}


def workshop(*stages: tuple[str, list[dict]], title: str = "Checkout redesign") -> dict:
    return {"schema": "journey-map/1", "workshop": {"id": 7, "title": title}, "map_type": "current",
            "stages": [{"name": name, "opportunities": opps} for name, opps in stages]}


SMALL = workshop(("Awareness", [opp(1, "Show prices up front on the landing page", 5, 1, "Ana Lopez"),
                                opp(2, "Retry card payments in a full page", 4, 4)]),
                 ("Decision", [opp(3, "PayPal and Apple Pay", 2, 2), opp(4, "Rebuild checkout", 2, 5, "Ben"),
                               opp(5, "Live chat during checkout", 3, 3), opp(6, "Explain delivery times")]))


def forty(seed: int = 4) -> dict:
    """40 opportunities, long texts (up to 60 words), a few unrated, owners with long names."""
    rnd = random.Random(seed)
    opps = [opp(n, " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 60))),
                rnd.randint(1, 5) if n % 9 else None, rnd.randint(1, 5),
                rnd.choice([None, "Ana Lopez", "Bartholomew Featherstonehaugh-Wainwright the Third"]))
            for n in range(1, 41)]
    return workshop(("Awareness", opps[:20]), ("A stage with a long name " * 4, opps[20:]), title="Checkout " * 30)


CROWDED = workshop(("S", [opp(n, f"Everything in one cell, number {n}, said at length " * 3, 3, 3)
                          for n in range(1, 41)]))
MANY = workshop(("S", [opp(n, " ".join(WORDS), (n % 5) + 1, ((n * 7) % 5) + 1) for n in range(1, 151)]))
SCRIPTS = workshop(("認知", [opp(1, "料金体系が分かりにくく、最後の画面まで合計金額が表示されないので改善する", 5, 2, "佐藤さん"),
                             opp(2, "价格不透明，直到最后一步才显示总价", 4, 1)]),
                   ("الشراء", [opp(3, "إعادة المحاولة في صفحة كاملة عند فشل الدفع بالبطاقة", 2, 4, "سارة"),
                               opp(4, "결제가 실패했습니다 다시 시도", 1, 1), opp(5, "Chat 💬 with support 🙂 👍🏽", 4, 5)]),
                   title="チェックアウト改善 · تحسين الدفع")
HOSTILE = workshop(("<!channel>", [opp(1, "<@U123> $x^2$ \\n" + "𒀀" * 300, 5, 1, "<!here>"),
                                   opp(2, "a" * 5000, 1, 5), {"id": 3, "text": None, "value": "9", "effort": True},
                                   {"id": 4, "number": "x", "text": "odd", "value": 7, "effort": 0}]))
EMPTY = workshop()


def drawn(data: dict):
    with drawing():
        fig = build_figure(data)
        fig.canvas.draw()
    return fig, plan_opportunities(data), fig.canvas.get_renderer()


def extents(data: dict):
    """(gid, text, (x0, top, x1, bottom) from the top-left) of every text as the renderer drew it; the plan."""
    fig, plan, renderer = drawn(data)
    height = fig.bbox.height
    assert len(fig.texts) == len(plan.labels) > 0
    out = []
    for t in fig.texts:
        e = t.get_window_extent(renderer)
        out.append((t.get_gid(), t.get_text(), (e.x0, height - e.y1, e.x1, height - e.y0)))
    return out, plan, fig


def assert_layout(data: dict) -> None:
    texts, plan, fig = extents(data)
    assert (int(fig.bbox.width), int(fig.bbox.height)) == (plan.width, plan.height)
    for gid, text, (x0, top, x1, bottom) in texts:  # inside its box, and the box inside the canvas
        box = plan.boxes[gid.rsplit(":", 1)[0]]
        where = (gid, text[:40])
        assert box.left - 0.5 <= x0 and x1 <= box.right + 0.5, where
        assert box.top - 0.5 <= top and bottom <= box.bottom + 0.5, where
        assert 0 <= box.left and box.right <= plan.width and 0 <= box.top and box.bottom <= plan.height, where
    for (g1, t1, a), (g2, t2, b_) in itertools.combinations(texts, 2):  # no two texts overlap
        overlap_x = min(a[2], b_[2]) - max(a[0], b_[0])
        overlap_y = min(a[3], b_[3]) - max(a[1], b_[1])
        assert overlap_x <= 0.5 or overlap_y <= 0.5, (g1, t1[:30], g2, t2[:30])
    for m in plan.markers:
        assert m.px / 2 <= m.x <= plan.width - m.px / 2 and m.px / 2 <= m.y <= plan.height - m.px / 2
    for a, b_ in itertools.combinations(plan.dots, 2):  # dots side by side, never on top of each other
        assert ((a.x - b_.x) ** 2 + (a.y - b_.y) ** 2) ** 0.5 >= (a.d + b_.d) / 2, (a.number, b_.number)
    for d in plan.dots:  # each inside the cell of its value and effort
        cell = next(c for c in plan.cells.values() if c.left <= d.x <= c.right and c.top <= d.y <= c.bottom)
        assert cell.left <= d.x - d.d / 2 and d.x + d.d / 2 <= cell.right
        assert cell.top <= d.y - d.d / 2 and d.y + d.d / 2 <= cell.bottom


@pytest.mark.parametrize("data", [SMALL, forty(), forty(11), CROWDED, MANY, EMPTY],
                         ids=["small", "forty", "forty-other", "crowded-cell", "150", "empty"])
def test_nothing_leaves_the_canvas_or_its_box_and_nothing_overlaps(data, script_fonts):  # noqa: F811
    assert_layout(data)


def test_every_script_is_laid_out_the_same_way(script_fonts):  # noqa: F811
    assert_layout(SCRIPTS)
    assert_layout(HOSTILE)


def test_each_rated_opportunity_is_a_dot_in_the_cell_of_its_value_and_effort():
    plan = plan_opportunities(SMALL)
    where = {}
    for d in plan.dots:
        (effort, value), = [k for k, c in plan.cells.items() if c.left <= d.x <= c.right and c.top <= d.y <= c.bottom]
        where[d.number] = (value, effort)
    assert where == {1: (5, 1), 2: (4, 4), 3: (2, 2), 4: (2, 5), 5: (3, 3)}  # 6 is unrated: no dot
    cell_1_5 = plan.cells[(1, 5)]
    assert plan.cells[(5, 1)].left > cell_1_5.left and plan.cells[(5, 1)].top > cell_1_5.top  # effort →, value ↑
    names = {t.text for t in plan.labels if (t.gid or "").startswith("quadrant:")}
    assert {"Quick wins", "Big bets", "Fill-ins", "Money pits"} <= names


def test_the_legend_ranks_every_one_of_forty_and_says_the_unrated_come_last():
    data = forty()
    plan = plan_opportunities(data)
    rated = [o for st in data["stages"] for o in st["opportunities"] if o["value"] and o["effort"]]
    assert plan.hidden == 0 and sorted(plan.listed) == list(range(1, 41))
    unrated = [o["number"] for st in data["stages"] for o in st["opportunities"] if not o["value"]]
    assert plan.listed[-len(unrated):] == unrated  # last, in number order
    assert len(plan.dots) == len(rated)
    scores = [next(o["value"] / o["effort"] for st in data["stages"] for o in st["opportunities"] if o["number"] == n)
              for n in plan.listed[: len(rated)]]
    assert scores == sorted(scores, reverse=True)
    heading = " ".join(t.text for t in plan.labels if (t.gid or "").startswith("legend:"))
    assert "Not rated yet (no value or no effort): no place on the chart, ranked last" in heading


def test_more_than_fit_are_counted_never_cut_silently():
    plan = plan_opportunities(MANY)
    assert plan.hidden > 0 and len(plan.listed) + plan.hidden == 150
    assert any(t.text.startswith(f"+{plan.hidden} more: /journey opportunities lists them all") for t in plan.labels)
    assert plan.height <= 2400 and len(plan.dots) == 150


def test_png_decodes_at_the_planned_size_and_svg_keeps_its_text():
    png = render_opportunities(SMALL)
    plan = plan_opportunities(SMALL)
    assert Image.open(io.BytesIO(png)).size == (plan.width, plan.height)
    svg = render_opportunities(SMALL, "svg").decode()
    assert "Quick wins" in " ".join(re.findall(r">([^<>]+)</text>", svg))
    with pytest.raises(ValueError):
        render_opportunities(SMALL, "gif")


def test_an_empty_map_says_so():
    plan = plan_opportunities(EMPTY)
    said = " ".join(t.text for t in plan.labels)
    assert "No opportunities yet" in said and "0 rated" in said and plan.dots == []
