"""The opportunities' value/effort 2×2 (`/journey map opportunities`), drawn from the one map model.

Effort runs left to right, value bottom to top, each 1–5; lines at 3 split it into quick wins (high value, low
effort), big bets, fill-ins and money pits. Each rated opportunity is a numbered dot in the cell of its value and
effort; dots sharing a cell sit side by side (smaller when many do), never on top of each other. The texts are in
a legend beside the chart, ranked by value over effort with the unrated last (saying so), so 40 opportunities with
long texts stay readable: it takes more columns, then more height, and past that counts what it leaves out.

It shares the map picture's fonts, measuring, wrapping, cleaning and drawing (bot/render/picture.py): planned in
pixels (`plan_opportunities`, which tests check), then drawn by the same `draw`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from functools import cache

from bot.journeymap import ranked_opportunities, score
from bot.opportunities import EFFORT_WORDS, QUADRANTS, VALUE_WORDS, quadrant
from bot.render.picture import (
    DPI,
    FAINT,
    INK,
    LRM,
    MUTED,
    Box,
    Label,
    Marker,
    Measure,
    Rect,
    Stroke,
    clean,
    clip_lines,
    directed,
    draw,
    drawing,
    is_rtl,
    shorten_to,
    wrap,
)
from bot.render.picture import _lock as _drawing_lock  # one lock for every matplotlib drawing

COLOURS = {  # quadrant: (its background, its dots)
    "quick_win": ("#e3f4e8", "#2f7d4f"), "big_bet": ("#e4ecfa", "#2b5fa8"),
    "fill_in": ("#f6f1e0", "#8a6a1f"), "money_pit": ("#fbe7e4", "#b83228"),
}
ON_A_LINE = "#627d98"  # value or effort 3: on a dividing line, between two quadrants
UNRATED = "#e4e9ee"  # with a grey edge and dark number: no quadrant


def colour_of(value: int | None, effort: int | None) -> str:
    if not value or not effort:
        return UNRATED
    q = quadrant(value, effort)
    return COLOURS[q][1] if q else ON_A_LINE


# --- Sizes, in pixels ------------------------------------------------------------------------------------------

MARGIN = 40
TITLE_PX, SUBTITLE_PX = 34, 18
CELL = 168  # one value × effort cell: the chart is 5 × 5 of them
BAND = 46  # inside the chart, above and below the cells: the quadrants' names, where no dot goes
NAME_PX, SAYS_PX, TICK_PX, AXIS_PX, KEY_PX = 19, 15, 15, 16, 14
DOT, DOT_PX = 30, 14  # a dot's diameter and its number's size, when a cell has room
MIN_DOT = 16
LEGEND_GAP = 48  # between the chart and the legend
COLUMN_W, COLUMN_GAP = 440, 24
BADGE, BADGE_PX = 26, 13
TEXT_PX, META_PX, HEAD_PX = 16, 14, 20
TEXT_LINES = 2
ENTRY_GAP = 10
MAX_COLUMNS = 3
MAX_HEIGHT = 2400  # past this the legend says how many it leaves out (`/journey opportunities` lists them all)


@cache
def _font(px: float, bold: bool = False) -> Measure:
    return Measure(px, bold=bold)


def _line(m: Measure) -> float:
    """A line of people's text: the font's line, and room for scripts whose glyphs stand taller (CJK, Arabic)."""
    return m.pitch + 0.2 * m.size_px


@dataclass
class Dot:
    number: int | None
    x: float  # its centre
    y: float
    d: float  # its diameter


@dataclass
class QuadrantPlan:
    """Everything to draw, in pixels from the top-left corner (what picture.draw reads), and where it is."""
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    strokes: list[Stroke] = field(default_factory=list)
    # Where each line of text must stay: its gid without the last part ("legend:4:1" → "legend:4").
    boxes: dict[str, Box] = field(default_factory=dict)
    frame: Box | None = None  # the chart: the cells and the bands above and below them
    cells: dict[tuple[int, int], Box] = field(default_factory=dict)  # (effort, value) → its cell
    dots: list[Dot] = field(default_factory=list)
    listed: list[int | None] = field(default_factory=list)  # the numbers the legend shows, in its order
    hidden: int = 0  # opportunities the legend leaves out ("+N more")


def _rating(o: dict) -> tuple[int, int] | None:
    """(value, effort) when both are rated 1–5; anything else (missing, out of range, not a number) is unrated."""
    v, e = o.get("value"), o.get("effort")
    ok = [isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 5 for x in (v, e)]
    return (v, e) if all(ok) else None


def _opportunities(data: dict) -> list[tuple[dict, str]]:
    """The map's opportunities, ranked, each with a checked rating and score (the map model's, or from a file)."""
    stages = [{**st, "opportunities": [{**o, "score": score(*_rating(o)) if _rating(o) else None,
                                        "number": _number(o), "id": k} for k, o in enumerate(st.get("opportunities")
                                                                                          or [])]}
              for st in data.get("stages") or []]
    return ranked_opportunities({"stages": stages})


def _number(o: dict) -> int | None:
    n = o.get("number")
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _badge(plan: QuadrantPlan, x: float, y: float, d: float, px: float, number: int | None, colour: str,
           gid: str, role: str) -> None:
    """A numbered dot centred on (x, y): the number fits inside it (smaller type for long numbers)."""
    text = str(number) if number is not None else "?"
    px = min(px, d / 1.45)
    while px > 7 and _font(px, True)(text) > d * 0.8:
        px -= 0.5
    m = _font(px, True)
    unrated = colour == UNRATED
    plan.markers.append(Marker("o", colour, x, y, d, role, edge=FAINT if unrated else "white"))
    plan.boxes[gid] = Box(x - d / 2, y - d / 2, x + d / 2, y + d / 2)
    plan.labels.append(Label(x, y + (m.ascent - m.descent) / 2, text, px, MUTED if unrated else "white", True,
                             "center", gid=f"{gid}:0"))


def plan_opportunities(data: dict) -> QuadrantPlan:
    ranked = _opportunities(data)
    rated = [(o, st) for o, st in ranked if o["score"] is not None]
    unrated = [(o, st) for o, st in ranked if o["score"] is None]
    plan = QuadrantPlan(width=0, height=0)
    left = MARGIN

    # The gutter left of the chart: the value scale, and the names of the axes.
    tick_m, axis_m = _font(TICK_PX), _font(AXIS_PX, True)
    value_ticks = {v: f"{v} · {w}" for v, w in VALUE_WORDS.items()}
    gutter = max(max(tick_m(t) for t in value_ticks.values()), axis_m("Value ↑"), axis_m("Effort →")) + 16
    frame_left = left + gutter
    chart_w = 5 * CELL

    # Title and what the picture shows.
    title_m, sub_m = _font(TITLE_PX, True), _font(SUBTITLE_PX)
    y = float(MARGIN)
    title = clean((data.get("workshop") or {}).get("title")) or "Journey map"
    subtitle = (f"Opportunities by value and effort · {len(rated)} rated"
                + (f" · {len(unrated)} not rated yet" if unrated else "")
                + " · numbers as in /journey opportunities (3 is O3)")
    title_label = Label(left, y + title_m.ascent, "", TITLE_PX, INK, True, gid="title:0")
    sub_label = Label(left, y + _line(title_m) + sub_m.ascent, "", SUBTITLE_PX, MUTED, gid="subtitle:0")
    plan.labels += [title_label, sub_label]
    y += _line(title_m) + sub_m.pitch + 18

    # The chart: quadrants, cells, the lines at 3, the quadrants' names in the bands.
    top = y
    frame = plan.frame = Box(frame_left, top, frame_left + chart_w, top + 2 * BAND + 5 * CELL)
    mid_x, mid_y = frame_left + 2.5 * CELL, top + BAND + 2.5 * CELL
    halves = {"quick_win": Box(frame.left, frame.top, mid_x, mid_y), "big_bet": Box(mid_x, frame.top, frame.right, mid_y),
              "fill_in": Box(frame.left, mid_y, mid_x, frame.bottom),
              "money_pit": Box(mid_x, mid_y, frame.right, frame.bottom)}
    for key, box in halves.items():
        plan.rects.append(Rect(box, COLOURS[key][0]))
    for e in range(1, 6):
        for v in range(1, 6):
            x0, y0 = frame_left + (e - 1) * CELL, top + BAND + (5 - v) * CELL
            plan.cells[(e, v)] = Box(x0, y0, x0 + CELL, y0 + CELL)
    for k in range(1, 5):  # the cells' edges, faint
        x, yy = frame_left + k * CELL, top + BAND + k * CELL
        plan.strokes.append(Stroke([(x, top + BAND), (x, frame.bottom - BAND)], "#d9e2ec", 1.0))
        plan.strokes.append(Stroke([(frame_left, yy), (frame.right, yy)], "#d9e2ec", 1.0))
    plan.strokes.append(Stroke([(mid_x, frame.top), (mid_x, frame.bottom)], "#829ab1", 2.0))
    plan.strokes.append(Stroke([(frame.left, mid_y), (frame.right, mid_y)], "#829ab1", 2.0))
    plan.rects.append(Rect(frame, "none", "#9fb3c8"))
    name_m, says_m = _font(NAME_PX, True), _font(SAYS_PX)
    for key, box in halves.items():
        name, says = QUADRANTS[key]
        band = Box(box.left, box.top, box.right, box.top + BAND) if key in ("quick_win", "big_bet") else Box(
            box.left, box.bottom - BAND, box.right, box.bottom)
        plan.boxes[f"quadrant:{key}"] = band
        base = band.top + (BAND + name_m.ascent - name_m.descent) / 2
        x = band.left + 12
        plan.labels.append(Label(x, base, name, NAME_PX, COLOURS[key][1], True, gid=f"quadrant:{key}:0"))
        x += name_m(name) + 10
        if x + says_m(says) <= band.right - 12:
            plan.labels.append(Label(x, base, says, SAYS_PX, MUTED, gid=f"quadrant:{key}:1"))

    # The scales: value down the gutter, effort under the chart; the axes' names.
    for v, text in value_ticks.items():
        cell = plan.cells[(1, v)]
        plan.boxes[f"vtick:{v}"] = Box(left, cell.top, frame_left - 8, cell.bottom)
        plan.labels.append(Label(frame_left - 10, (cell.top + cell.bottom) / 2 + (tick_m.ascent - tick_m.descent) / 2,
                                 text, TICK_PX, MUTED, ha="right", gid=f"vtick:{v}:0"))
    plan.boxes["vaxis"] = Box(left, frame.top, frame_left - 8, frame.top + BAND)
    plan.labels.append(Label(left, frame.top + (BAND + axis_m.ascent - axis_m.descent) / 2, "Value ↑", AXIS_PX,
                             INK, True, gid="vaxis:0"))
    ticks_top = frame.bottom + 6
    for e, word in EFFORT_WORDS.items():
        cell = plan.cells[(e, 1)]
        plan.boxes[f"etick:{e}"] = Box(cell.left, ticks_top, cell.right, ticks_top + tick_m.pitch)
        plan.labels.append(Label((cell.left + cell.right) / 2, ticks_top + tick_m.ascent, f"{e} · {word}", TICK_PX,
                                 MUTED, ha="center", gid=f"etick:{e}:0"))
    plan.boxes["eaxis"] = Box(left, ticks_top, frame_left - 8, ticks_top + axis_m.pitch)
    plan.labels.append(Label(left, ticks_top + axis_m.ascent, "Effort →", AXIS_PX, INK, True, gid="eaxis:0"))
    y = ticks_top + max(tick_m.pitch, axis_m.pitch) + 10

    # The key: what the dots' colours mean.
    key_m = _font(KEY_PX)
    key = ("Each dot is an opportunity, numbered as in the list beside; its colour is its quadrant's, grey-blue "
           "on a dividing line (value or effort 3). Ranked by value over effort.")
    lines = wrap(key, chart_w + gutter, key_m)
    plan.boxes["key"] = Box(left, y, frame.right, y + len(lines) * key_m.pitch)
    for k, line in enumerate(lines):
        plan.labels.append(Label(left, y + k * key_m.pitch + key_m.ascent, line, KEY_PX, MUTED, gid=f"key:{k}"))
    chart_bottom = y + len(lines) * key_m.pitch

    _place_dots(plan, rated)

    # The ranked legend beside the chart.
    legend_left = frame.right + LEGEND_GAP
    bottom, columns = _legend(plan, rated, unrated, legend_left, top, chart_bottom)
    plan.width = round(legend_left + columns * COLUMN_W - COLUMN_GAP + MARGIN)
    plan.height = round(max(chart_bottom, bottom) + MARGIN)
    inner = plan.width - 2 * MARGIN
    plan.boxes["title"] = plan.boxes["subtitle"] = Box(left, MARGIN, left + inner, top)
    title_label.text = directed(shorten_to(title, inner, title_m), is_rtl(title))
    sub_label.text = shorten_to(subtitle, inner, sub_m)
    return plan


def _place_dots(plan: QuadrantPlan, rated: list[tuple[dict, str]]) -> None:
    """Each rated opportunity's dot in its cell; dots sharing a cell sit side by side in rows, best ranked
    first, shrinking when many share it so they stay inside the cell and never overlap."""
    by_cell: dict[tuple[int, int], list[dict]] = {}
    for o, _ in rated:
        value, effort = _rating(o)
        by_cell.setdefault((effort, value), []).append(o)
    for (effort, value), group in by_cell.items():
        cell = plan.cells[(effort, value)]
        n = len(group)
        across = math.isqrt(n - 1) + 1  # the smallest square grid that holds them
        rows = -(-n // across)
        pitch = min(DOT + 8, (CELL - 8) / max(across, rows))
        d = max(MIN_DOT, min(DOT, pitch - 3))
        cx, cy = (cell.left + cell.right) / 2, (cell.top + cell.bottom) / 2
        for k, o in enumerate(group):
            row, col = divmod(k, across)
            in_row = min(across, n - row * across)
            x = cx + (col - (in_row - 1) / 2) * pitch
            yy = cy + (row - (rows - 1) / 2) * pitch
            plan.dots.append(Dot(_number(o), x, yy, d))
            _badge(plan, x, yy, d, DOT_PX, _number(o), colour_of(value, effort), f"dot:{len(plan.dots) - 1}", "point")


@dataclass
class _Entry:
    kind: str  # "opportunity", "heading" or "more"
    lines: list[str]
    meta: str = ""
    rtl: bool = False
    number: int | None = None
    colour: str = UNRATED

    @property
    def height(self) -> float:
        if self.kind != "opportunity":
            return len(self.lines) * _font(META_PX, True).pitch + ENTRY_GAP
        return len(self.lines) * _line(_font(TEXT_PX)) + _line(_font(META_PX)) + ENTRY_GAP


def _meta(o: dict, stage: str, rated: bool) -> str:
    parts = [f"value {o['value']} · effort {o['effort']} · score {o['score']:g}"] if rated else ["not rated yet"]
    owner = clean(o.get("owner_name") or o.get("owner"))
    parts += ([f"owner {owner}"] if owner else []) + ([clean(stage)] if clean(stage) else [])
    return f" {LRM}· ".join(parts)  # each part its own run: two right-to-left names keep their order


def _legend(plan: QuadrantPlan, rated: list, unrated: list, left: float, top: float,
            chart_bottom: float) -> tuple[float, int]:
    """The opportunities, ranked, in up to three columns beside the chart (then taller, up to MAX_HEIGHT, then
    "+N more"). Returns where the legend ends and how many columns it takes."""
    text_x = BADGE + 10
    text_w = COLUMN_W - COLUMN_GAP - text_x
    text_m, meta_m, head_m = _font(TEXT_PX), _font(META_PX), _font(META_PX, True)
    entries: list[_Entry] = []
    for group, is_rated in ((rated, True), (unrated, False)):
        if not is_rated and group:
            entries.append(_Entry("heading", wrap("Not rated yet (no value or no effort): no place on the chart, "
                                                  "ranked last", COLUMN_W - COLUMN_GAP, head_m)))
        for o, stage in group:
            text = clean(o.get("text")) or "—"
            lines = clip_lines(wrap(text, text_w, text_m) or ["—"], TEXT_LINES, text_w, text_m)
            value_effort = _rating(o) if is_rated else None
            entries.append(_Entry("opportunity", lines, shorten_to(_meta(o, stage, is_rated), text_w, meta_m),
                                  is_rtl(text), _number(o),
                                  colour_of(*value_effort) if value_effort else UNRATED))
    head_y = top
    start = head_y + _font(HEAD_PX, True).pitch + 8
    heading = "Ranked by value over effort" if entries else "No opportunities yet"
    if not entries:
        entries.append(_Entry("heading", wrap("Add them as “idea: …” lines in a stage's thread, then rate them with "
                                              "/journey opportunities.", COLUMN_W - COLUMN_GAP, head_m)))
    plan.boxes["legendhead"] = Box(left, head_y, left + COLUMN_W - COLUMN_GAP, start)
    plan.labels.append(Label(left, head_y + _font(HEAD_PX, True).ascent,
                             shorten_to(heading, COLUMN_W - COLUMN_GAP, _font(HEAD_PX, True)), HEAD_PX, INK, True,
                             gid="legendhead:0"))
    room, cap = chart_bottom - start, MAX_HEIGHT - MARGIN - start
    while _flow(entries, room) < len(entries) and room < cap:  # taller than the chart, up to the cap
        room = min(room + _line(text_m), cap)
    shown = _flow(entries, room)
    if shown < len(entries):  # what doesn't fit is counted, not cut silently
        more = _Entry("more", [""])  # one line, as its text will be
        while shown and _flow([*entries[:shown], more], room) < shown + 1:
            shown -= 1
        left_out = sum(1 for e in entries[shown:] if e.kind == "opportunity")
        more.lines = wrap(f"+{left_out} more: /journey opportunities lists them all", COLUMN_W - COLUMN_GAP, head_m)
        entries = [*entries[:shown], more]
        plan.hidden = left_out
    bottom = start
    column, y = 0, start
    for n, e in enumerate(entries):
        if y + e.height - ENTRY_GAP > start + room and y > start:
            column, y = column + 1, start
        x = left + column * COLUMN_W
        box = Box(x, y, x + COLUMN_W - COLUMN_GAP, y + e.height - ENTRY_GAP)
        plan.boxes[f"legend:{n}"] = box
        if e.kind == "opportunity":
            first = y + _line(text_m) / 2
            _badge(plan, x + BADGE / 2, first, BADGE, BADGE_PX, e.number, e.colour, f"badge:{n}", "legend")
            plan.listed.append(e.number)
            tx = x + text_x
            for k, line in enumerate(e.lines):
                base = y + k * _line(text_m) + 0.1 * TEXT_PX + text_m.ascent
                plan.labels.append(Label(box.right if e.rtl else tx, base, directed(line, e.rtl), TEXT_PX, INK,
                                         ha="right" if e.rtl else "left", gid=f"legend:{n}:{k}"))
            base = y + len(e.lines) * _line(text_m) + 0.1 * META_PX + meta_m.ascent
            plan.labels.append(Label(tx, base, directed(e.meta, False), META_PX, MUTED,
                                     gid=f"legend:{n}:{len(e.lines)}"))
        else:
            for k, line in enumerate(e.lines):
                plan.labels.append(Label(x, y + k * head_m.pitch + head_m.ascent, line, META_PX,
                                         MUTED if e.kind == "heading" else INK, True, gid=f"legend:{n}:{k}"))
        y += e.height
        bottom = max(bottom, y - ENTRY_GAP)
    return bottom, column + 1


def _flow(entries: list[_Entry], room: float) -> int:
    """How many entries fit in MAX_COLUMNS columns of `room` px, in order."""
    column, used = 0, 0.0
    for n, e in enumerate(entries):
        if used + e.height - ENTRY_GAP > room and used > 0:
            column, used = column + 1, 0.0
            if column == MAX_COLUMNS:
                return n
        used += e.height
    return len(entries)


def render_opportunities(data: dict, fmt: str = "png") -> bytes:
    """The 2×2 as PNG (for Slack) or SVG (its text editable)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown picture format {fmt!r}")
    with _drawing_lock, drawing():
        fig = build_figure(data)
        buf = io.BytesIO()
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
        fig.savefig(buf, format=fmt, dpi=DPI, facecolor="white", **extra)
        return buf.getvalue()


def build_figure(data: dict):
    """The matplotlib Figure of the 2×2, to be drawn inside `drawing()`; each line of text carries a gid whose
    last part numbers it and whose rest names its box in `plan_opportunities(...).boxes`."""
    return draw(plan_opportunities(data))

