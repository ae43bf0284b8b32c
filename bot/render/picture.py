"""The journey map as a picture (PNG for Slack, SVG for people who want to edit it), drawn with matplotlib.

Input is the map model (`bot.journeymap.build_map`), so the picture shows exactly what the exports hold. matplotlib is
imported on first use, not at start-up, and rendering is serialised (matplotlib keeps some global state).
"""

from __future__ import annotations

import io
import textwrap
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from bot.text import plain

# Sizes in inches; the picture is (LABEL_W + columns * COL_W + 2 * MARGIN) wide.
DPI = 110
MARGIN = 0.3
LABEL_W = 1.7
COL_W = 2.9
HEADER_H = 1.55
STAGE_H = 0.6
LANE_H = 2.4
EMOTION_H = 1.9
ITEM_FONT = 11.5
MAX_LINES_PER_ITEM = 3

MAP_TYPE_LABELS = {"current": "Current-state journey map", "future": "Future-state journey map",
                   "blueprint": "Service blueprint"}
STAGE_COLOURS = ["#1d4e89", "#2a6f97", "#2c7da0", "#468faf", "#1f6f8b", "#255f85"]

_lock = threading.Lock()


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    tint: str


def lanes_for(map_type: str) -> list[Lane]:
    lanes = [
        Lane("touchpoints", "Touchpoints", "#f4f6f8"),
        Lane("emotion", "Emotion\n(1–5)", "#ffffff"),
        Lane("pain_points", "Pain points\n●n votes\n✓ ≈ ✗ checked\nwith customers", "#fdf0ef"),
        Lane("opportunities", "Opportunities", "#eef8f0"),
    ]
    if map_type == "blueprint":
        lanes += [Lane("frontstage", "Frontstage", "#f1f0fb"), Lane("backstage", "Backstage /\nsupport", "#f6f3ee")]
    return lanes


def picture_size(data: dict) -> tuple[int, int]:
    """Pixel size of the rendered PNG for this map."""
    w, h = _size_in(data)
    return round(w * DPI), round(h * DPI)


def _size_in(data: dict) -> tuple[float, float]:
    columns = max(1, len(data["stages"]))
    lanes = lanes_for(data["map_type"])
    height = HEADER_H + STAGE_H + sum(EMOTION_H if ln.key == "emotion" else LANE_H for ln in lanes)
    return LABEL_W + columns * COL_W + 2 * MARGIN, height + 2 * MARGIN


class Measure:
    """Width in pixels of a line of text in the picture's font, from matplotlib's own font engine, so wrapping
    follows what will be drawn (a line of w's is much wider than a line of i's).

    Shaping a whole string costs about a third of a millisecond, so each character's advance is measured once
    and lines are summed, with a small margin for kerning and shaping."""

    SAFETY = 1.04

    def __init__(self, size: float = ITEM_FONT):
        from matplotlib.font_manager import FontProperties, findfont, get_font

        self._font = get_font(findfont(FontProperties(family="DejaVu Sans")))
        self._size = size
        self._advance: dict[str, float] = {}

    def _char(self, ch: str) -> float:
        width = self._advance.get(ch)
        if width is None:
            self._font.set_size(self._size, DPI)
            self._font.set_text(ch, 0.0)
            width = self._advance[ch] = self._font.get_width_height()[0] / 64  # FreeType's 26.6 fixed point
        return width

    def __call__(self, text: str) -> float:
        return sum(self._char(ch) for ch in text) * self.SAFETY


def wrap(text: str, max_px: float, measure) -> list[str]:
    """Greedy word wrap by measured width; a word wider than a line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= max_px:
            line = candidate
            continue
        if line:
            lines.append(line)
        while measure(word) > max_px:  # break a long word where it stops fitting
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > max_px:
                cut = max(1, int(cut * 0.8)) if measure(word[: int(cut * 0.8)]) > max_px else cut - 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def fit_items(texts: list[str], *, max_px: float, max_lines: int, measure) -> tuple[list[str], int]:
    """Wrapped bullet lines for as many items as fit in `max_lines`, and how many items were left out.

    Each item takes at most MAX_LINES_PER_ITEM lines. When items are left out the last line is kept free for
    "+N more", so nothing is cut without saying so.
    """
    indent = measure("• ")
    out: list[str] = []
    for n, text in enumerate(texts):
        lines = wrap(" ".join(plain(text).split()) or "—", max_px - indent, measure) or ["—"]
        if len(lines) > MAX_LINES_PER_ITEM:
            lines = lines[:MAX_LINES_PER_ITEM]
            last = lines[-1]
            while last and measure(last + "…") > max_px - indent:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
        lines = ["• " + lines[0]] + ["  " + ln for ln in lines[1:]]
        rest = len(texts) - n - 1
        room = max_lines - len(out) - (1 if rest else 0)
        if len(lines) > room:
            return out, len(texts) - n
        out.extend(lines)
    return out, 0


VALIDATION_MARKS = {"pending": "? ", "confirmed": "✓ ", "partly": "≈ ", "not_confirmed": "✗ "}


def _cell_texts(stage: dict, key: str) -> list[str]:
    if key == "pain_points":  # ranked by votes already; show the dots and what customers said
        return [(f"●{p['votes']} " if p.get("votes") else "")
                + VALIDATION_MARKS.get((p.get("validation") or {}).get("status"), "") + p["text"]
                for p in stage.get(key, [])]
    return [i["text"] for i in stage.get(key, [])]


def render_map(data: dict, fmt: str = "png") -> bytes:
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown picture format {fmt!r}")
    with _lock, _quiet_glyphs():
        fig = build_figure(data)
        buf = io.BytesIO()
        # zlib level 3 instead of 6: about a tenth of a second less per map for a slightly larger file.
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
        fig.savefig(buf, format=fmt, dpi=DPI, facecolor="white", **extra)
        return buf.getvalue()


@contextmanager
def _quiet_glyphs():
    # People write emoji; the bundled font has none and matplotlib warns per glyph. The box it draws is fine.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        warnings.filterwarnings("ignore", message="Matplotlib currently does not support")
        yield


def cell_box(column: int, lane_index: int, map_type: str) -> tuple[float, float, float, float]:
    """A lane cell's (left, top, right, bottom) in pixels from the picture's top-left corner."""
    lanes = lanes_for(map_type)
    top = MARGIN + HEADER_H + STAGE_H + sum(EMOTION_H if ln.key == "emotion" else LANE_H for ln in lanes[:lane_index])
    h = EMOTION_H if lanes[lane_index].key == "emotion" else LANE_H
    left = MARGIN + LABEL_W + column * COL_W
    return left * DPI, top * DPI, (left + COL_W) * DPI, (top + h) * DPI


def build_figure(data: dict):
    """The matplotlib Figure of the map (cell texts carry gid "cell:<lane index>:<column>")."""
    with _quiet_glyphs():
        return _build_figure(data)


def _build_figure(data: dict):
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    rcParams["svg.fonttype"] = "none"  # SVG text stays text: editable, searchable
    rcParams["font.family"] = "DejaVu Sans"
    stages = data["stages"] or [{"name": "No stages yet", "touchpoints": [], "pain_points": [], "opportunities": [],
                                 "emotion_average": None, "emotion_spread": None}]
    lanes = lanes_for(data["map_type"])
    width_px, height_px = picture_size(data)
    # Half a pixel of slack: Agg truncates the figure's size in pixels, and 1210.0 may come out as 1209.99.
    width_in, height_in = (width_px + 0.5) / DPI, (height_px + 0.5) / DPI
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # a canvas of its own: no pyplot, no global figure manager

    def fx(x_in: float) -> float:  # inches from the left → figure fraction
        return x_in / width_in

    def fy(y_in: float) -> float:  # inches from the top → figure fraction
        return 1 - y_in / height_in

    def text(x_in: float, y_in: float, s: str, **kw) -> None:
        fig.text(fx(x_in), fy(y_in), s, parse_math=False, **kw)

    def box(x_in: float, y_in: float, w_in: float, h_in: float, colour: str, edge: str = "#d5dbe1") -> None:
        fig.add_artist(Rectangle((fx(x_in), fy(y_in + h_in)), w_in / width_in, h_in / height_in,
                                 transform=fig.transFigure, facecolor=colour, edgecolor=edge, linewidth=0.8))

    # Header: title, map type, persona(s), objective(s).
    ws = data["workshop"]
    text(MARGIN, MARGIN + 0.05, textwrap.shorten(plain(ws["title"]), 110), fontsize=22, fontweight="bold",
         va="top", color="#102a43")
    from bot.templates import load_templates

    participants = len(data["participants"])
    template = load_templates().get(data["template"])
    subtitle = (f"{MAP_TYPE_LABELS.get(data['map_type'], 'Journey map')} · {template.name if template else data['template']} · "
                f"workshop #{ws['id']} · {participants} participant{'s' if participants != 1 else ''}")
    if data.get("future_of"):
        subtitle += f" · improves on workshop #{data['future_of']}"
    text(MARGIN, MARGIN + 0.5, subtitle, fontsize=12, va="top", color="#486581")
    header_width = int((width_in - 2 * MARGIN) * 72 / (11 * 0.55))
    personas = "; ".join(p["name"] + (f" — {p['description']}" if p["description"] else "") for p in data["personas"])
    objectives = "; ".join(o["text"] for o in data["objectives"])
    text(MARGIN, MARGIN + 0.82, textwrap.shorten("Persona: " + (plain(personas) or "not named yet"), header_width),
         fontsize=11, va="top", color="#243b53")
    text(MARGIN, MARGIN + 1.1, textwrap.shorten("Objective: " + (plain(objectives) or "not set yet"), header_width),
         fontsize=11, va="top", color="#243b53")

    # Stage header row.
    top = MARGIN + HEADER_H
    for n, st in enumerate(stages):
        x = MARGIN + LABEL_W + n * COL_W
        box(x, top, COL_W, STAGE_H, STAGE_COLOURS[n % len(STAGE_COLOURS)], edge="white")
        name = textwrap.shorten(plain(st["name"]), 28, placeholder="…")
        text(x + COL_W / 2, top + STAGE_H / 2, name, fontsize=14, fontweight="bold", color="white",
             ha="center", va="center")

    # Lanes.
    y = top + STAGE_H
    measure = Measure(ITEM_FONT)
    max_px = (COL_W - 0.3) * DPI
    max_lines = int((LANE_H - 0.25) * 72 / (ITEM_FONT * 1.25))
    for lane_index, lane in enumerate(lanes):
        h = EMOTION_H if lane.key == "emotion" else LANE_H
        box(MARGIN, y, LABEL_W, h, "#e4e9ee")
        text(MARGIN + 0.12, y + h / 2, lane.label, fontsize=13, fontweight="bold", color="#243b53", va="center")
        if lane.key == "emotion":
            _emotion_curve(fig, stages, rect=(fx(MARGIN + LABEL_W), fy(y + h), len(stages) * COL_W / width_in,
                                              h / height_in), Normalize=Normalize)
        else:
            for n, st in enumerate(stages):
                x = MARGIN + LABEL_W + n * COL_W
                box(x, y, COL_W, h, lane.tint)
                lines, more = fit_items(_cell_texts(st, lane.key), max_px=max_px, max_lines=max_lines, measure=measure)
                if more:
                    lines.append(f"+{more} more")
                text(x + 0.12, y + 0.14, "\n".join(lines) if lines else "—", fontsize=ITEM_FONT, va="top",
                     color="#102a43" if lines else "#9fb3c8", linespacing=1.25, gid=f"cell:{lane_index}:{n}")
        y += h
    return fig


def _emotion_curve(fig, stages: list[dict], *, rect: tuple[float, float, float, float], Normalize) -> None:
    from matplotlib import colormaps

    ax = fig.add_axes(rect)
    n = len(stages)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks([])
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.tick_params(axis="y", labelsize=9, colors="#627d98", length=0, pad=-14)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_facecolor("#ffffff")
    for level in range(1, 6):
        ax.axhline(level, color="#eef2f5", linewidth=0.8, zorder=0)
    for i in range(1, n):
        ax.axvline(i - 0.5, color="#d5dbe1", linewidth=0.8, zorder=0)
    cmap, norm = colormaps["RdYlGn"], Normalize(vmin=1, vmax=5)
    xs = list(range(n))
    ys = [st["emotion_average"] if st["emotion_average"] is not None else float("nan") for st in stages]
    ax.plot(xs, ys, color="#829ab1", linewidth=2.2, zorder=2)
    for x, st in zip(xs, stages, strict=True):
        avg, spread = st["emotion_average"], st.get("emotion_spread")
        if avg is None:
            ax.text(x, 3, "no ratings", ha="center", va="center", fontsize=10, color="#9fb3c8", parse_math=False)
            continue
        if spread:
            ax.errorbar(x, avg, yerr=spread, color="#bcccdc", capsize=5, linewidth=1.2, zorder=1)
        ax.scatter([x], [avg], s=200, color=cmap(norm(avg)), edgecolors="#243b53", linewidths=1, zorder=3)
        label = f"{avg:.1f}" + (f" ±{spread:.1f}" if spread else "")
        ax.text(x + 0.09, avg + 0.18, label, fontsize=10.5, color="#243b53", va="bottom", parse_math=False)
