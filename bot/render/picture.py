"""The journey map as a picture (PNG for Slack, SVG for people who want to edit it), drawn with matplotlib.

Input is the map model (`bot.journeymap.build_map`), so the picture shows exactly what the exports hold. matplotlib is
imported on first use, not at start-up, and rendering is serialised (matplotlib keeps some global state).

Two layouts. "default" is sized to the map: a column per stage, each lane as tall as its fullest cell, within a
cap that keeps the picture landscape where it can be (Slack previews a picture within a fixed height, so a wide
picture previews larger). "wide" is exactly 1920×1080 for a slide: the lanes share the height by what they hold.

The picture is planned first (`plan_map`: every box, line of text and marker, in pixels from the top-left
corner, measured with the fonts that will draw it) and drawn after (`build_figure`), so tests can check the
plan against what matplotlib's renderer does.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
import unicodedata
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from bot.text import plain

log = logging.getLogger(__name__)

DPI = 100  # every size below is in pixels; a font of n px is n * 72 / DPI points

# --- Fonts -----------------------------------------------------------------------------------------------------

# Tried glyph by glyph in this order (matplotlib's font fallback); each comes from a Debian package (.ci/run
# installs them, the README names them). Noto Color Emoji is left out on purpose: it holds bitmaps at one size,
# which matplotlib cannot scale ("invalid pixel size"); Symbola draws emoji as outlines, in one colour.
SCRIPT_FONTS: tuple[tuple[str, str, str], ...] = (
    ("Noto Sans", "fonts-noto-core", "Latin, Greek, Cyrillic"),
    # Before the CJK font, whose ✓ is drawn for full-width text (too big beside Latin) and which has no ✗.
    ("Noto Sans Symbols2", "fonts-noto-core", "symbols"),
    ("Noto Sans CJK JP", "fonts-noto-cjk", "Japanese, Chinese, Korean"),
    ("Noto Sans Arabic", "fonts-noto-core", "Arabic"),
    ("Noto Sans Hebrew", "fonts-noto-core", "Hebrew"),
    ("Symbola", "fonts-symbola", "emoji and symbols"),
)
BUNDLED_FAMILY = "DejaVu Sans"  # ships with matplotlib: the picture always renders, missing glyphs as boxes

_lock = threading.Lock()
_font_lock = threading.Lock()
_families: tuple[str, ...] | None = None


def font_families() -> tuple[str, ...]:
    """The fallback list the picture draws with: the script fonts this machine has, then matplotlib's own."""
    global _families
    with _font_lock:
        if _families is None:
            from matplotlib.font_manager import fontManager

            wanted = [family for family, _, _ in SCRIPT_FONTS]
            known = set(fontManager.get_font_names())
            if any(f not in known for f in wanted):
                _add_fonts_from_fontconfig([f for f in wanted if f not in known])
                known = set(fontManager.get_font_names())
            missing = [(f, pkg, what) for f, pkg, what in SCRIPT_FONTS if f not in known]
            if missing:
                log.warning("The map picture has no font for %s: such text shows as boxes. Install the Debian "
                            "packages %s.", ", ".join(what for _, _, what in missing),
                            " ".join(sorted({pkg for _, pkg, _ in missing})))
            _families = tuple(f for f in wanted if f in known) + (BUNDLED_FAMILY,)
            fm_log = logging.getLogger("matplotlib.font_manager")
            if not any(isinstance(f, _DropFontWeightNotes) for f in fm_log.filters):
                fm_log.addFilter(_DropFontWeightNotes())
        return _families


def missing_fonts() -> list[tuple[str, str]]:
    """(family, Debian package) of each script font the picture would like and this machine lacks."""
    have = set(font_families())
    return [(f, pkg) for f, pkg, _ in SCRIPT_FONTS if f not in have]


def _add_fonts_from_fontconfig(families: list[str]) -> None:
    """matplotlib lists the system's fonts once and caches the list, so fonts installed after its first run stay
    unseen: ask fontconfig where they are, add them, and save matplotlib's list so later processes see them."""
    from pathlib import Path

    import matplotlib
    from matplotlib.font_manager import FontManager, fontManager, json_dump

    if shutil.which("fc-list") is None:
        return
    try:  # one call for every font fontconfig knows: a few dozen milliseconds
        out = subprocess.run(["fc-list", "--format", "%{family}\t%{file}\n"], capture_output=True, text=True,
                             timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return
    wanted = set(families)
    paths = sorted({path for names, _, path in (row.partition("\t") for row in out.splitlines())
                    if wanted & set(names.split(","))})  # a collection (.ttc) is listed once per face
    added = False
    for path in paths:
        try:
            fontManager.addfont(path)  # every face of a collection
            added = True
        except (OSError, RuntimeError, ValueError) as e:  # an unreadable file: the next one may do
            log.info("Skipping font %s: %s", path, e)
    if added:  # the file matplotlib reads at import (it locks it while writing)
        try:
            json_dump(fontManager, Path(matplotlib.get_cachedir(), f"fontlist-v{FontManager.__version__}.json"))
        except OSError as e:
            log.info("Could not update matplotlib's font list: %s", e)


@contextmanager
def _quiet():
    # People write emoji and scripts a machine may have no font for; matplotlib warns per glyph and draws a box,
    # which is the best it can do.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        warnings.filterwarnings("ignore", message="Matplotlib currently does not support")
        yield


class _DropFontWeightNotes(logging.Filter):
    """The symbol and emoji fonts have no bold; bold text falls back to their regular glyphs, as it should, and
    matplotlib's findfont logs a warning for each size it looks up. Only that note is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("findfont: Failed to find font weight")


# --- Measuring text --------------------------------------------------------------------------------------------

RLM, LRM = "\u200f", "\u200e"  # invisible marks that set a line's direction for the shaper (libraqm)


def _needs_shaping(word: str) -> bool:
    """Scripts whose letters change shape and width with their neighbours (Arabic, Indic, Thai, …), combining
    marks and emoji sequences: measured as whole words, the way they are drawn."""
    for ch in word:
        o = ord(ch)
        if (0x0600 <= o < 0x1100 or 0x1700 <= o < 0x18B0 or 0xFB50 <= o < 0xFE00 or 0xFE70 <= o < 0xFF00
                or 0x1F3FB <= o <= 0x1F3FF or unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf")):
            return True
    return False


class Measure:
    """Width in pixels of a line of text in the picture's fonts (the whole fallback list), from matplotlib's own
    font engine, so wrapping follows what will be drawn (a line of w's is much wider than a line of i's).

    Laying out a string costs a fraction of a millisecond, so each character's advance is measured once and
    lines are summed; words in scripts that are shaped (their letters join) are measured whole, once each.
    A small margin covers kerning. `ascent` and `descent` are those matplotlib gives every line of this font."""

    SAFETY = 1.02
    # Widths by (fonts, size, weight), kept between pictures: the next map mostly reuses the same characters.
    _known: dict[tuple, tuple[dict[str, float], dict[str, float]]] = {}

    def __init__(self, size_px: float, *, bold: bool = False):
        from matplotlib.font_manager import FontProperties, fontManager, get_font

        weight = "bold" if bold else "normal"
        families = font_families()
        with _quiet():
            paths = [fontManager.findfont(FontProperties(family=f, weight=weight), fallback_to_default=False)
                     for f in families]
        self._font = get_font(paths)
        self.size_px = size_px
        self._pt = size_px * 72 / DPI
        self._chars, self._words = self._known.setdefault((families, size_px, bold), ({}, {}))
        if len(self._words) > 100_000:  # people's words: keep the cache bounded in a long-running bot
            self._words.clear()
        self.ascent, self.descent = self._vertical_metrics()

    def _vertical_metrics(self) -> tuple[float, float]:
        # The same tables, in the same order, as matplotlib's Text uses for the height of a line.
        head = self._font.get_sfnt_table("head")
        for table, asc, desc in (("OS/2", "sTypoAscender", "sTypoDescender"), ("hhea", "ascent", "descent")):
            t = self._font.get_sfnt_table(table)
            if t is not None and head is not None:
                scale = self.size_px / head["unitsPerEm"]
                return t[asc] * scale, -t[desc] * scale
        return self.size_px * 0.95, self.size_px * 0.25

    @property
    def pitch(self) -> float:
        """Height of one line: matplotlib's box of a line drawn with "normal" line spacing."""
        return self.ascent + self.descent

    def _shaped(self, text: str) -> float:
        from matplotlib.ft2font import LoadFlags

        with _quiet():
            self._font.set_size(self._pt, DPI)
            self._font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)  # as drawn: see `drawing`
        return self._font.get_width_height()[0] / 64  # FreeType's 26.6 fixed point

    def _char(self, ch: str) -> float:
        width = self._chars.get(ch)
        if width is None:
            width = self._chars[ch] = self._shaped(ch)
        return width

    def _word(self, word: str) -> float:
        width = self._words.get(word)
        if width is None:
            width = self._shaped(word) if _needs_shaping(word) else sum(self._char(ch) for ch in word)
            self._words[word] = width
        return width

    def word(self, word: str) -> float:
        """A word's width without the safety margin: lines are sums of words and spaces."""
        return self._word(word)

    @property
    def space(self) -> float:
        return self._char(" ")

    def __call__(self, text: str) -> float:
        text = text.replace(RLM, "").replace(LRM, "")
        words = text.split(" ")
        return (sum(self._word(w) for w in words if w) + (len(words) - 1) * self._char(" ")) * self.SAFETY


# --- Text: cleaning, direction, wrapping -----------------------------------------------------------------------

def clean(text: str | None) -> str:
    """One line of a person's text: mentions inert, whitespace folded, at most two combining marks per letter
    (text stacked with dozens of them would be drawn far above and below its line), no skin-tone modifiers (a
    one-colour emoji font cannot show them and draws a swatch beside the emoji instead)."""
    folded = " ".join(plain(text or "").split())
    if folded.isascii() and folded.isprintable():  # most text: nothing to drop
        return folded
    out: list[str] = []
    marks = 0
    for ch in folded:
        if 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue
        if unicodedata.combining(ch):
            marks += 1
            if marks > 2:
                continue
        else:
            marks = 0
        if unicodedata.category(ch) == "Cc":
            continue
        out.append(ch)
    return "".join(out)


def is_rtl(text: str) -> bool:
    """Whether the text reads right to left: its first letter with a direction decides (like HTML's dir=auto)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def directed(line: str, rtl: bool) -> str:
    """A line marked with its paragraph's direction, so a right-to-left item's line that starts with a Latin word
    (or the reverse) is still laid out in the item's direction."""
    if rtl:
        return RLM + line
    return LRM + line if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line) else line


def _breaks_anywhere(word: str) -> bool:
    """Chinese and Japanese have no spaces between words: a line may break between any two characters."""
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in word)


def _longest_prefix(word: str, max_px: float, measure) -> int:
    """How many characters of `word` fit in `max_px` (at least one, so wrapping always advances)."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(word[:mid]) <= max_px:
            lo = mid
        else:
            hi = mid - 1
    return lo


def wrap(text: str, max_px: float, measure: Measure, *, first_px: float | None = None) -> list[str]:
    """Greedy word wrap by measured width (the first line may be narrower: `first_px`). A word wider than a line
    is broken between characters; text without spaces (Chinese, Japanese) fills each line."""
    lines: list[str] = []
    line = ""
    width = 0.0  # of `line`, summed word by word as Measure does, without its safety margin
    safety = measure.SAFETY

    def room() -> float:
        return first_px if first_px is not None and not lines else max_px

    for word in text.split():
        candidate = width + (measure.space if line else 0.0) + measure.word(word)
        if candidate * safety <= room():
            line, width = (f"{line} {word}" if line else word), candidate
            continue
        if line and _breaks_anywhere(word):
            prefix = f"{line} "
            cut = _longest_prefix(word, room() - measure(prefix), measure) if measure(prefix + word[0]) <= room() else 0
            if cut:
                lines.append(prefix + word[:cut])
                word, line = word[cut:], ""
        if line:
            lines.append(line)
            line = ""
        while measure(word) > room():
            cut = _longest_prefix(word, room(), measure)
            lines.append(word[:cut])
            word = word[cut:]
        line, width = word, measure.word(word)
    if line:
        lines.append(line)
    return lines


def clip_lines(lines: list[str], max_lines: int, max_px: float, measure) -> list[str]:
    """At most `max_lines`, the last one ending in "…" when text was cut."""
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and measure(last + "…") > max_px:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


def shorten_to(text: str, max_px: float, measure) -> str:
    """One line of at most `max_px`, ending in "…" when cut."""
    if measure(text) <= max_px:
        return text
    return clip_lines(wrap(text, max_px, measure) or [""], 1, max_px, measure)[0]


# --- Layouts ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    name: str
    margin: int
    label_w: int  # the lane-name column
    col_w: tuple[int, int]  # a stage column's narrowest and widest, when the picture is sized to the map
    target_w: int  # the columns share about this width, within col_w, when the picture is sized to the map
    canvas: tuple[int, int] | None  # fixed size, or None: sized to the map
    title_px: int
    subtitle_px: int
    card_name_px: int
    card_text_px: int
    card_w: int
    card_rows: int
    objective_lines: int
    stage_px: int
    label_px: int
    item_px: int
    item_lines: int  # an item longer than this ends in "…"
    legend_px: int
    emotion_h: int
    gap: int  # between blocks of the header


LAYOUTS = {
    "default": Layout("default", margin=40, label_w=210, col_w=(340, 520), target_w=2400, canvas=None,
                      title_px=46, subtitle_px=21, card_name_px=19, card_text_px=17, card_w=340, card_rows=2,
                      objective_lines=2, stage_px=24, label_px=21, item_px=19, item_lines=4, legend_px=18,
                      emotion_h=180, gap=14),
    # A slide seen full-screen at 1920×1080: nothing smaller than 15 px.
    "wide": Layout("wide", margin=28, label_w=158, col_w=(120, 640), target_w=0, canvas=(1920, 1080),
                   title_px=36, subtitle_px=17, card_name_px=17, card_text_px=15, card_w=320, card_rows=1,
                   objective_lines=1, stage_px=20, label_px=17, item_px=16, item_lines=3, legend_px=15,
                   emotion_h=122, gap=8),
}

INK, MUTED, FAINT = "#102a43", "#486581", "#9fb3c8"
MAP_TYPE_LABELS = {"current": "Current-state journey map", "future": "Future-state journey map",
                   "blueprint": "Service blueprint"}
STAGE_COLOURS = ["#1d4e89", "#2a6f97", "#2c7da0", "#468faf", "#1f6f8b", "#255f85"]
# Departments: Tableau's ten categorical colours, readable on white; the grey is kept for "other departments".
DEPARTMENT_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                      "#ff9da7"]
OTHER_DEPARTMENTS = "#bab0ac"
VOTES_COLOUR = "#9b2226"
VALIDATION = {  # status: (mark, colour, what it means)
    "confirmed": ("✓", "#2f855a", "confirmed by customers"),
    "partly": ("≈", "#b7791f", "partly confirmed"),
    "not_confirmed": ("✗", "#c53030", "not confirmed"),
    "pending": ("?", "#5a67d8", "being checked with customers"),
}


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    tint: str


def lanes_for(map_type: str) -> list[Lane]:
    lanes = [
        Lane("touchpoints", "Touchpoints", "#f4f6f8"),
        Lane("emotion", "Emotion", "#ffffff"),
        Lane("pain_points", "Pain points", "#fdf0ef"),
        Lane("opportunities", "Opportunities", "#eef8f0"),
    ]
    if map_type == "blueprint":
        lanes += [Lane("frontstage", "Frontstage", "#f1f0fb"), Lane("backstage", "Backstage / support", "#f6f3ee")]
    return lanes


# --- The plan: what goes where ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Label:
    """One line of text; `y` is its baseline."""
    x: float
    y: float
    text: str
    px: float
    colour: str = INK
    bold: bool = False
    ha: str = "left"
    gid: str | None = None


@dataclass
class Rect:
    box: Box
    face: str
    edge: str = "none"


@dataclass
class Marker:
    shape: str  # matplotlib's marker code: "s" square, "o" circle
    colour: str
    x: float  # centre
    y: float
    px: float
    role: str  # "cell", "legend" or "emotion"
    edge: str = "white"


@dataclass
class Stroke:
    """A line through points."""
    points: list[tuple[float, float]]
    colour: str
    width: float  # px


@dataclass
class Plan:
    """Everything to draw, in pixels from the top-left corner."""
    layout: Layout
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    strokes: list[Stroke] = field(default_factory=list)
    cells: dict[tuple[str, int], Box] = field(default_factory=dict)
    # Where each line of text must stay: its gid without the last part ("cell:pain_points:2:5" → "cell:pain_points:2").
    boxes: dict[str, Box] = field(default_factory=dict)
    hidden: dict[tuple[str, int], int] = field(default_factory=dict)  # items left out of a cell ("+N more")
    emotion: Box | None = None
    stages: list[dict] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)  # the key's entries, as text
    departments: dict[str, str] = field(default_factory=dict)  # department → colour
    department_names: dict[str, str] = field(default_factory=dict)  # casefolded → as first written
    other_departments: set[str] = field(default_factory=set)  # past the palette: one grey
    overflow: bool = False  # a fixed-size picture whose content runs past its bottom
    shown_pains: list[Entry] = field(default_factory=list)  # the pain points drawn (not under "+N more")
    previous: str | None = None  # the key's name for the earlier emotion curve ("previous review, 2027-02-01")


@dataclass
class Piece:
    """Part of a pain point's lead: its number, the votes' dot and count, its validation mark, a department's
    square. The dot is a marker, not "●": the fonts that have that glyph draw it as big as a letter."""
    kind: str  # "text", "dot" or "square"
    text: str  # a square's department
    colour: str
    width: float


@dataclass
class Entry:
    """An item of a cell, wrapped. The first line's text starts `first` px from the line's start (after the lead),
    the next lines `indent` px; the start is the right end when the item reads right to left."""
    lines: list[str]
    rtl: bool
    lead: list[Piece] = field(default_factory=list)
    first: float = 0.0
    indent: float = 0.0


def _departments_of(p: dict) -> list[str]:
    """Who raised a pain point: `departments` (variants merged into it) where the export has it, else the
    department of whoever wrote it."""
    names = p.get("departments")
    if not isinstance(names, list):
        names = [p.get("department")]
    seen: dict[str, str] = {}
    for name in names:
        if isinstance(name, str) and clean(name):
            seen.setdefault(clean(name).casefold(), clean(name))
    return list(seen.values())


def _numbers(stages: list[dict]) -> dict[int, int]:
    """Each pain point's number (keyed by id() of its dict): the export's `number`, else its place in map order."""
    out: dict[int, int] = {}
    n = 0
    for st in stages:
        for p in st.get("pain_points", []):
            n += 1
            number = p.get("number")
            out[id(p)] = number if isinstance(number, int) and not isinstance(number, bool) else n
    return out


def _department_colours(plan: Plan, stages: list[dict]) -> None:
    """A colour per department, by how many pain points it raised (then by name); past the palette, the rest
    share one grey ("other departments"). "Sales" and "sales" are one department, named as first written."""
    counts: Counter = Counter()
    for st in stages:
        for p in st.get("pain_points", []):
            for d in _departments_of(p):
                counts[d.casefold()] += 1
                plan.department_names.setdefault(d.casefold(), d)
    ranked = [plan.department_names[k] for k in sorted(counts, key=lambda k: (-counts[k], k))]
    if len(ranked) <= len(DEPARTMENT_COLOURS) + 1:  # then the grey can be a department's own colour
        plan.departments = dict(zip(ranked, [*DEPARTMENT_COLOURS, OTHER_DEPARTMENTS], strict=False))
        return
    coloured, others = ranked[: len(DEPARTMENT_COLOURS)], ranked[len(DEPARTMENT_COLOURS):]
    plan.departments = {**dict(zip(coloured, DEPARTMENT_COLOURS, strict=True)),
                        **dict.fromkeys(others, OTHER_DEPARTMENTS)}
    plan.other_departments = set(others)


class _Fonts:
    """The measures a plan needs, one per (size, weight)."""

    def __init__(self):
        self._m: dict[tuple[float, bool], Measure] = {}

    def __call__(self, px: float, bold: bool = False) -> Measure:
        key = (px, bold)
        if key not in self._m:
            self._m[key] = Measure(px, bold=bold)
        return self._m[key]


EMPTY_STAGE = {"name": "No stages yet", "touchpoints": [], "pain_points": [], "opportunities": [],
               "frontstage": [], "backstage": [], "emotion_average": None, "emotion_spread": None}


# A slide is one size whatever the map holds: its type grows, by one of these factors, while everything still shows.
SLIDE_SCALES = (1.375, 1.1875)


def plan_map(data: dict, layout: str = "default") -> Plan:
    """Where everything goes, in pixels from the top-left corner."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown picture layout {layout!r}")
    lay = LAYOUTS[layout]
    plan = _plan(data, lay)
    if not lay.canvas or any(plan.hidden.values()) or plan.overflow:  # a full slide: bigger type would cut more
        return plan
    for scale in SLIDE_SCALES:
        bigger = _plan(data, _scaled(lay, scale))
        if not (any(bigger.hidden.values()) or bigger.overflow):
            return bigger
    return plan


def _scaled(lay: Layout, f: float) -> Layout:
    sizes = ("title_px", "subtitle_px", "card_name_px", "card_text_px", "stage_px", "label_px", "item_px",
             "legend_px", "label_w", "card_w", "emotion_h")
    return replace(lay, **{k: round(getattr(lay, k) * f) for k in sizes})


def _plan(data: dict, lay: Layout) -> Plan:
    fonts = _Fonts()
    stages = data["stages"] or [EMPTY_STAGE]
    lanes = lanes_for(data["map_type"])
    n = len(stages)
    if lay.canvas:
        width = lay.canvas[0]
        col_w = (width - 2 * lay.margin - lay.label_w) / n
    else:
        col_w = min(lay.col_w[1], max(lay.col_w[0], (lay.target_w - 2 * lay.margin - lay.label_w) / n))
        width = round(2 * lay.margin + lay.label_w + n * col_w)
    plan = Plan(layout=lay, width=width, height=0, stages=stages)
    inner = width - 2 * lay.margin
    left = lay.margin
    pad = round(lay.item_px * 0.6)

    y = _header(plan, data, fonts, float(lay.margin), inner)

    # Stage names, up to two lines each.
    stage_m = fonts(lay.stage_px, True)
    names = [clip_lines(wrap(clean(st.get("name")) or "—", col_w - 2 * pad, stage_m), 2, col_w - 2 * pad, stage_m)
             for st in stages]
    # Each stage's metrics (NPS 32 · CSAT 4.1), a small line under its name.
    metric_m = fonts(round(lay.item_px * 0.8))
    figures = [shorten_to(metrics_line(st), col_w - 2 * pad, metric_m) for st in stages]
    metric_h = metric_m.pitch if any(figures) else 0
    stage_h = max(len(lines) for lines in names) * stage_m.pitch + metric_h + 2 * pad
    for c, lines in enumerate(names):
        x = left + lay.label_w + c * col_w
        plan.boxes[f"stage:{c}"] = Box(x, y, x + col_w, y + stage_h)
        plan.rects.append(Rect(plan.boxes[f"stage:{c}"], STAGE_COLOURS[c % len(STAGE_COLOURS)], "white"))
        top = y + (stage_h - len(lines) * stage_m.pitch - metric_h) / 2
        for k, line in enumerate(lines):
            plan.labels.append(Label(x + col_w / 2, top + k * stage_m.pitch + stage_m.ascent,
                                     directed(line, is_rtl(line)), lay.stage_px, "white", bold=True, ha="center",
                                     gid=f"stage:{c}:{k}"))
        if figures[c]:
            plan.labels.append(Label(x + col_w / 2, top + len(lines) * stage_m.pitch + metric_m.ascent, figures[c],
                                     metric_m.size_px, "#d9e8f5", ha="center", gid=f"stage:{c}:metrics"))
    y += stage_h

    # What each cell holds, wrapped; and the key, which goes at the bottom: the lanes share what height is left.
    numbers = _numbers(stages)
    _department_colours(plan, stages)
    contents = {lane.key: [_entries(plan, st, lane.key, numbers, col_w - 2 * pad, fonts) for st in stages]
                for lane in lanes if lane.key != "emotion"}
    previous = previous_averages(data, stages)
    plan.previous = f"previous review, {clean(str(data['previous'].get('date') or ''))}" if previous else None
    # Room for the key of everything; it is made once the cells are filled, of what they show.
    _, legend_h, _ = _legend(plan, [e for column in contents.get("pain_points", []) for e in column], fonts, inner)

    # Lane heights: what the fullest stage needs, within the cap; past it, lanes share fairly.
    item_m, label_m = fonts(lay.item_px), fonts(lay.label_px, True)
    item_gap = round(lay.item_px * 0.35)
    label_lines = {lane.key: wrap(lane.label, lay.label_w - 2 * pad, label_m) for lane in lanes}
    floor = {key: max(len(label_lines[key]) * label_m.pitch, 2 * item_m.pitch) + 2 * pad for key in contents}
    need = {key: max(floor[key], *(_cell_height(col, item_m.pitch, item_gap) + 2 * pad for col in cols))
            for key, cols in contents.items()}
    fixed = y + lay.emotion_h + lay.gap + legend_h + lay.margin
    # The default picture may grow to 0.6 of its width (1800 px at least) before lanes are cut: a map of many
    # stages stays landscape (Slack previews within a fixed height) and as much text as a first render can draw
    # in about a second; a map of few stages may grow taller rather than cut a busy lane.
    budget = (lay.canvas[1] if lay.canvas else max(width * 0.6, 1800)) - fixed
    heights = _share(need, floor, budget, stretch=bool(lay.canvas))

    for index, lane in enumerate(lanes):
        h = lay.emotion_h if lane.key == "emotion" else heights[lane.key]
        plan.boxes[f"lane:{index}"] = Box(left, y, left + lay.label_w, y + h)
        plan.rects.append(Rect(plan.boxes[f"lane:{index}"], "#e4e9ee", "#d5dbe1"))
        lines = label_lines[lane.key]
        top = y + (h - len(lines) * label_m.pitch) / 2
        for k, line in enumerate(lines):
            plan.labels.append(Label(left + pad, top + k * label_m.pitch + label_m.ascent, line, lay.label_px,
                                     "#243b53", bold=True, gid=f"lane:{index}:{k}"))
        if lane.key == "emotion":
            plan.emotion = plan.boxes["emotion"] = Box(left + lay.label_w, y, left + lay.label_w + n * col_w, y + h)
            _emotion(plan, stages, plan.emotion, col_w, fonts, previous)
        else:
            for c in range(n):
                x = left + lay.label_w + c * col_w
                box = Box(x, y, x + col_w, y + h)
                plan.cells[(lane.key, c)] = plan.boxes[f"cell:{lane.key}:{c}"] = box
                plan.rects.append(Rect(box, lane.tint, "#d5dbe1"))
                _fill_cell(plan, lane.key, c, box, contents[lane.key][c], pad, item_gap, fonts)
        y += h

    y += lay.gap
    legend, legend_h, plan.legend = _legend(plan, plan.shown_pains, fonts, inner)
    _place_legend(plan, legend, left, y, fonts)
    plan.height = round(lay.canvas[1] if lay.canvas else y + legend_h + lay.margin)
    plan.overflow = y + legend_h > plan.height
    plan.boxes["legend"] = Box(left, y, width - lay.margin, y + legend_h)
    header = Box(left, lay.margin, width - lay.margin, plan.boxes["stage:0"].top)
    for region in ("title", "subtitle", "objective"):
        plan.boxes[region] = header
    return plan


def _share(need: dict[str, float], floor: dict[str, float], budget: float, *, stretch: bool) -> dict[str, float]:
    """Heights for the lanes: each gets what it needs if all fit in `budget`; else the lanes that need little get
    it and the others share the rest equally (never below their floor). With `stretch`, spare height is shared."""
    total = sum(need.values())
    if total <= budget:
        extra = (budget - total) / len(need) if stretch and need else 0.0
        return {k: v + extra for k, v in need.items()}
    out: dict[str, float] = {}
    left = budget
    order = sorted(need, key=lambda k: need[k])
    for i, key in enumerate(order):
        out[key] = max(floor[key], min(need[key], left / (len(order) - i)))
        left -= out[key]
    return out


def _cell_height(entries: list[Entry], pitch: float, gap: float) -> float:
    if not entries:
        return pitch
    return sum(len(e.lines) for e in entries) * pitch + (len(entries) - 1) * gap


def _gap_before(prev: Piece | None, piece: Piece, space: float) -> float:
    if prev is None:
        return 0.0
    if prev.kind == "dot":  # the votes' dot and their count read as one: ●3
        return space * 0.15
    if piece.kind == "dot":
        return space * 0.8
    if piece.kind == "square":
        return space * 0.5 if prev.kind == "text" else 0.0
    return space if prev.kind == "text" else space * 0.3


def _entries(plan: Plan, stage: dict, key: str, numbers: dict[int, int], text_w: float, fonts: _Fonts) -> list[Entry]:
    """The items of one cell, wrapped to its width. Only as many as the tallest cell the picture can have could
    show are wrapped: the rest (a big workshop's thousands) count towards "+N more" as one-line placeholders."""
    lay = plan.layout
    m = fonts(lay.item_px)
    space = m(" ")
    out: list[Entry] = []
    cap = lay.canvas[1] if lay.canvas else max(plan.width * 0.6, 1800)  # no lane is taller than the picture
    gap = round(lay.item_px * 0.35)

    lines_so_far = [0, 0]  # (entries, lines) counted so far

    def full() -> bool:
        for e in out[lines_so_far[0]:]:
            lines_so_far[0] += 1
            lines_so_far[1] += len(e.lines)
        return bool(out) and lines_so_far[1] * m.pitch + (len(out) - 1) * gap > cap

    items = stage.get(key, [])
    if key != "pain_points":
        bullet = m("• ")
        for n, item in enumerate(items):
            if full():
                return out + [Entry(["…"], False) for _ in items[n:]]
            text = clean(item.get("text")) or "—"
            lines = clip_lines(wrap(text, text_w - bullet, m) or ["—"], lay.item_lines, text_w - bullet, m)
            out.append(Entry(["• " + lines[0], *lines[1:]], is_rtl(text), indent=bullet))
        return out
    bold = fonts(lay.item_px, True)
    step = lay.item_px * 0.62 * 1.3  # a department's square and the space after it
    for n, p in enumerate(items):
        if full():
            return out + [Entry(["…"], False) for _ in items[n:]]
        number, votes = f"#{numbers[id(p)]}", p.get("votes")
        lead = [Piece("text", number, VOTES_COLOUR, bold(number))]
        if isinstance(votes, int) and votes > 0:
            lead += [Piece("dot", "", VOTES_COLOUR, lay.item_px * 0.66), Piece("text", str(votes), VOTES_COLOUR,
                                                                             bold(str(votes)))]
        status = (p.get("validation") or {}).get("status")
        if status in VALIDATION:
            mark, colour, _ = VALIDATION[status]
            lead.append(Piece("text", mark, colour, bold(mark)))
        depts = [plan.department_names.get(d.casefold(), d) for d in _departments_of(p)]
        used = _lead_width(lead, space)
        fit = len(depts) if used + space + len(depts) * step <= text_w else max(
            0, int((text_w - used - space - bold(f"+{len(depts)}")) // step))
        lead += [Piece("square", d, plan.departments.get(d, OTHER_DEPARTMENTS), step) for d in depts[:fit]]
        if fit < len(depts):
            more = f"+{len(depts) - fit}"
            lead.append(Piece("text", more, MUTED, bold(more)))
        first = _lead_width(lead, space) + space
        text = clean(p.get("text")) or "—"
        if text_w - first >= text_w * 0.3:
            lines = wrap(text, text_w, m, first_px=text_w - first)
        else:  # a long lead in a narrow column: the text starts on the next line
            lines = ["", *wrap(text, text_w, m)]
        out.append(Entry(clip_lines(lines, lay.item_lines, text_w, m), is_rtl(text), lead, first=first))
    return out


def _lead_width(lead: list[Piece], space: float) -> float:
    total, prev = 0.0, None
    for piece in lead:
        total += _gap_before(prev, piece, space) + piece.width
        prev = piece
    return total


def _fill_cell(plan: Plan, key: str, column: int, box: Box, entries: list[Entry], pad: float, gap: float,
               fonts: _Fonts) -> None:
    """The entries that fit in the cell, then "+N more" for the rest: nothing is cut without saying so."""
    lay = plan.layout
    m = fonts(lay.item_px)
    room = box.height - 2 * pad
    shown, used = 0, 0.0
    for i, e in enumerate(entries):
        h = len(e.lines) * m.pitch + (gap if i else 0)
        more = (m.pitch + gap) if i < len(entries) - 1 else 0.0  # room to say what is left out
        if used + h + more > room + 0.01:
            break
        shown, used = i + 1, used + h
    plan.hidden[(key, column)] = len(entries) - shown
    if key == "pain_points":
        plan.shown_pains += entries[:shown]
    gid = f"cell:{key}:{column}"
    count = 0

    def line(x: float, y: float, text: str, colour: str = INK, bold: bool = False, ha: str = "left") -> None:
        nonlocal count
        plan.labels.append(Label(x, y, text, lay.item_px, colour, bold, ha, gid=f"{gid}:{count}"))
        count += 1

    x0, x1 = box.left + pad, box.right - pad
    y = box.top + pad
    if not entries:
        line(x0, y + m.ascent, "—", FAINT)
        return
    space = m(" ")
    for e in entries[:shown]:
        for k, text in enumerate(e.lines):
            base = y + m.ascent
            if k == 0:  # the lead: number, votes, mark, departments
                offset, prev = 0.0, None
                for piece in e.lead:
                    offset += _gap_before(prev, piece, space)
                    if piece.kind == "text":
                        line(x1 - offset if e.rtl else x0 + offset, base, piece.text, piece.colour, True,
                             "right" if e.rtl else "left")
                    else:  # a square's width holds the space after it; a dot is as wide as it is drawn
                        centre = offset + (piece.width / 2.6 if piece.kind == "square" else piece.width / 2)
                        plan.markers.append(Marker("s" if piece.kind == "square" else "o", piece.colour,
                                                   x1 - centre if e.rtl else x0 + centre, base - m.size_px * 0.36,
                                                   lay.item_px * 0.62, "cell"))
                    offset += piece.width
                    prev = piece
            offset = e.first if k == 0 else e.indent
            if text:
                if e.rtl:
                    line(x1 - offset, base, directed(text, True), ha="right")
                else:
                    line(x0 + offset, base, directed(text, False))
            y += m.pitch
        y += gap
    if shown < len(entries):
        line(x0, y + m.ascent, f"+{len(entries) - shown} more", MUTED)


def _header(plan: Plan, data: dict, fonts: _Fonts, y: float, inner: float) -> float:
    """Title, what kind of map it is, the personas as cards, the objectives. Returns where the header ends."""
    lay = plan.layout
    left = lay.margin
    ws = data["workshop"]
    title_m = fonts(lay.title_px, True)
    title = shorten_to(clean(ws.get("title")) or "Journey map", inner, title_m)
    plan.labels.append(Label(left, y + title_m.ascent, directed(title, is_rtl(title)), lay.title_px, INK, True,
                             gid="title:0"))
    y += title_m.pitch
    from bot.templates import load_templates

    participants = len(data.get("participants") or [])
    template = load_templates().get(data.get("template"))
    subtitle = (f"{MAP_TYPE_LABELS.get(data['map_type'], 'Journey map')} · "
                f"{template.name if template else clean(data.get('template'))} · workshop #{ws['id']} · "
                f"{participants} participant{'s' if participants != 1 else ''}")
    if data.get("future_of"):
        subtitle += f" · improves on workshop #{data['future_of']}"
    sub_m = fonts(lay.subtitle_px)
    plan.labels.append(Label(left, y + sub_m.ascent, directed(shorten_to(subtitle, inner, sub_m), False),
                             lay.subtitle_px, MUTED, gid="subtitle:0"))
    y += sub_m.pitch + lay.gap
    y = _persona_cards(plan, data.get("personas") or [], fonts, y, inner) + lay.gap

    text_m, head_m = fonts(lay.card_text_px), fonts(lay.card_text_px, True)
    objectives = [o for o in (clean(o.get("text")) for o in data.get("objectives") or []) if o]
    head = "Objective: " if len(objectives) <= 1 else "Objectives: "
    head_w = head_m(head)
    text = " · ".join(objectives) or "not set yet"
    lines = clip_lines(wrap(text, inner, text_m, first_px=inner - head_w), lay.objective_lines, inner, text_m)
    plan.labels.append(Label(left, y + text_m.ascent, head, lay.card_text_px, "#243b53", True, gid="objective:head"))
    for k, line in enumerate(lines):
        plan.labels.append(Label(left + (head_w if k == 0 else 0), y + text_m.ascent, directed(line, False),
                                 lay.card_text_px, "#243b53" if objectives else FAINT, gid=f"objective:{k}"))
        y += text_m.pitch
    return y + lay.gap


def _persona_cards(plan: Plan, personas: list[dict], fonts: _Fonts, y: float, inner: float) -> float:
    """Each persona as a card: its name, and the first line of its description. Returns where the cards end."""
    lay = plan.layout
    name_m, text_m = fonts(lay.card_name_px, True), fonts(lay.card_text_px)
    gap, pad, accent = 12, 10, 5
    per_row = max(1, int((inner + gap) // (lay.card_w + gap)))
    room = per_row * lay.card_rows
    cards: list[tuple[str, str, bool]] = []  # name, first line, muted
    shown = personas if len(personas) <= room else personas[: room - 1]
    for p in shown:
        first = next((ln for ln in (p.get("description") or "").splitlines() if ln.strip()), "")
        cards.append((clean(p.get("name")) or "—", clean(first), False))
    if len(shown) < len(personas):
        more = len(personas) - len(shown)
        cards.append((f"+{more} more persona{'s' if more != 1 else ''}", "in the report and the exports", True))
    if not cards:
        cards.append(("Persona", "not named yet", True))
    # A full row of cards stretches to the width.
    card_w = (inner - (per_row - 1) * gap) / per_row if len(cards) >= per_row else lay.card_w
    card_h = name_m.pitch + text_m.pitch + 2 * pad
    for i, (name, first, muted) in enumerate(cards):
        r, c = divmod(i, per_row)
        x, top = lay.margin + c * (card_w + gap), y + r * (card_h + gap)
        plan.boxes[f"persona:{i}"] = Box(x, top, x + card_w, top + card_h)
        plan.rects.append(Rect(plan.boxes[f"persona:{i}"], "#f0f4f8", "#d9e2ec"))
        plan.rects.append(Rect(Box(x, top, x + accent, top + card_h), FAINT if muted else STAGE_COLOURS[0]))
        x0, x1 = x + accent + pad, x + card_w - pad
        rows = ((name, name_m, lay.card_name_px, True, MUTED if muted else INK),
                (first, text_m, lay.card_text_px, False, MUTED))
        for k, (text, m, px, bold, colour) in enumerate(rows):
            if text:
                line = shorten_to(text, x1 - x0, m)
                rtl = is_rtl(line)
                plan.labels.append(Label(x1 if rtl else x0, top + pad + k * name_m.pitch + m.ascent,
                                         directed(line, rtl), px, colour, bold, "right" if rtl else "left",
                                         gid=f"persona:{i}:{k}"))
    rows_used = (len(cards) + per_row - 1) // per_row
    return y + rows_used * card_h + (rows_used - 1) * gap


def _emotion(plan: Plan, stages: list[dict], box: Box, col_w: float, fonts: _Fonts,
             previous: list[float | None] | None = None) -> None:
    """The emotion curve: each stage's average rating (1–5) as a dot coloured red to green, its spread as a bar,
    the value beside it; a scale on the left, a grid behind. After a review, the curve it started from is drawn
    behind, lighter and dashed, with hollow dots (`previous`: each stage's average then)."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize, to_hex

    lay = plan.layout
    small, value = fonts(lay.item_px * 0.8), fonts(lay.item_px * 0.85, True)
    colour_of = colormaps["RdYlGn"]
    norm = Normalize(vmin=1, vmax=5)

    def y_of(rating: float) -> float:  # 0.5 … 5.5 spans the lane
        return box.bottom - (rating - 0.5) / 5 * box.height

    for level in range(1, 6):
        plan.strokes.append(Stroke([(box.left, y_of(level)), (box.right, y_of(level))], "#eef2f5", 0.8))
        plan.labels.append(Label(box.left + 6, y_of(level) + small.ascent * 0.4, str(level), small.size_px,
                                 "#627d98", gid=f"emotion:scale{level}"))
    for c in range(1, len(stages)):
        x = box.left + c * col_w
        plan.strokes.append(Stroke([(x, box.top), (x, box.bottom)], "#d5dbe1", 0.8))
    if previous:
        _previous_curve(plan, previous, box, col_w, y_of)
    curve: list[tuple[float, float]] = []
    dot = lay.item_px * 1.25
    for c, st in enumerate(stages):
        x = box.left + (c + 0.5) * col_w
        avg, spread = st.get("emotion_average"), st.get("emotion_spread")
        if avg is None:
            curve.append((float("nan"), float("nan")))
            plan.labels.append(Label(x, box.top + box.height / 2 + small.ascent * 0.4, "no ratings", small.size_px,
                                     FAINT, ha="center", gid=f"emotion:{c}"))
            continue
        avg = min(5.0, max(1.0, float(avg)))
        curve.append((x, y_of(avg)))
        if spread:
            top, bottom = y_of(min(5.5, avg + spread)), y_of(max(0.5, avg - spread))
            cap = dot * 0.35
            for points in ([(x, top), (x, bottom)], [(x - cap, top), (x + cap, top)],
                           [(x - cap, bottom), (x + cap, bottom)]):
                plan.strokes.append(Stroke(points, "#9fb3c8", 1.6))
        plan.markers.append(Marker("o", to_hex(colour_of(norm(avg))), x, y_of(avg), dot, "emotion", edge="#243b53"))
        text = f"{avg:.1f}" + (f" ±{spread:.1f}" if spread else "")
        # Beside the dot, above it; below it near the top of the scale, so it stays in the lane.
        y = y_of(avg) - dot * 0.45 if avg < 4.5 else y_of(avg) + dot * 0.45 + value.ascent
        plan.labels.append(Label(x + dot * 0.6, y, text, value.size_px, "#243b53", True, gid=f"emotion:{c}"))
    # The curve joins neighbouring rated stages; an unrated stage breaks it.
    segment: list[tuple[float, float]] = []
    for point in [*curve, (float("nan"), float("nan"))]:
        if point[0] != point[0]:  # NaN
            if len(segment) > 1:
                plan.strokes.append(Stroke(segment, "#829ab1", 2.6))
            segment = []
        else:
            segment.append(point)


# --- After a review: the earlier curve, and metrics per stage ---------------------------------------------------

PREVIOUS_COLOUR = "#8fa3b8"


def previous_averages(data: dict, stages: list[dict]) -> list[float | None] | None:
    """Each stage's emotion average in the snapshot the latest review compared with (by name, else by place);
    None when the map has not been reviewed or the snapshot had no ratings."""
    before = (data.get("previous") or {}).get("stages") or []
    by_name = {clean(st.get("name")).casefold(): st for st in before if isinstance(st, dict)}
    out: list[float | None] = []
    for c, st in enumerate(stages):
        then = by_name.get(clean(st.get("name")).casefold()) or (before[c] if c < len(before) else None)
        avg = then.get("emotion_average") if isinstance(then, dict) else None
        out.append(float(avg) if isinstance(avg, int | float) and not isinstance(avg, bool) else None)
    return out if any(v is not None for v in out) else None


def metrics_line(stage: dict) -> str:
    """"NPS 32 · CSAT 4.1": a stage's latest figures."""
    return " · ".join(f"{clean(m.get('name'))} {clean(str(m.get('text') if m.get('text') is not None else m.get('value')))}"
                      for m in stage.get("metrics") or [] if isinstance(m, dict))


def _dashes(points: list[tuple[float, float]], dash: float, gap: float) -> list[list[tuple[float, float]]]:
    """A polyline cut into dashes (the strokes are plain lines: a dashed one is drawn as its dashes)."""
    out: list[list[tuple[float, float]]] = []
    on, left, current = True, dash, [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        done = 0.0
        while length - done > left:
            done += left
            point = (x0 + (x1 - x0) * done / length, y0 + (y1 - y0) * done / length)
            if on:
                out.append([*current, point])
            current, on, left = [point], not on, gap if on else dash
        left -= length - done
        if on:
            current.append((x1, y1))
    if on and len(current) > 1:
        out.append(current)
    return out


def _previous_curve(plan: Plan, previous: list[float | None], box: Box, col_w: float, y_of) -> None:
    dot = plan.layout.item_px * 0.8
    segment: list[tuple[float, float]] = []
    for c, avg in enumerate([*previous, None]):
        if avg is None:
            if len(segment) > 1:
                plan.strokes += [Stroke(d, PREVIOUS_COLOUR, 2.0) for d in _dashes(segment, 9.0, 6.0)]
            segment = []
            continue
        point = (box.left + (c + 0.5) * col_w, y_of(min(5.0, max(1.0, avg))))
        segment.append(point)
        plan.markers.append(Marker("o", "white", *point, dot, "emotion", edge=PREVIOUS_COLOUR))


# --- The key ---------------------------------------------------------------------------------------------------

@dataclass
class _KeyItem:
    x: float
    row: int
    kind: str  # "text", "square" or "circle"
    text: str
    colour: str
    bold: bool
    width: float


def _legend(plan: Plan, pains: list[Entry], fonts: _Fonts, inner: float) -> tuple[list[_KeyItem], float, list[str]]:
    """The key, flowed into lines: it explains every marker on these pain points and the emotion curve (and
    nothing else). Returns its items, its height and its entries as text."""
    lay = plan.layout
    m, bold = fonts(lay.legend_px), fonts(lay.legend_px, True)
    texts: list[str] = []
    groups: list[list[tuple[str, str, str, bool]]] = []  # each kept on one line: (kind, text, colour, bold)
    if pains:
        groups.append([("text", "Pain points:", INK, True), ("text", "#7", VOTES_COLOUR, True),
                       ("text", "its number", INK, False)])
        if any(piece.kind == "dot" for e in pains for piece in e.lead):
            groups.append([("dot", "", VOTES_COLOUR, False), ("text", "3", VOTES_COLOUR, True),
                           ("text", "votes", INK, False)])
        marks = {piece.text for e in pains for piece in e.lead[1:] if piece.kind == "text"}
        for mark, colour, meaning in VALIDATION.values():
            if mark in marks:
                groups.append([("text", mark, colour, True), ("text", meaning, INK, False)])
        if any(piece.text.startswith("+") for e in pains for piece in e.lead[1:]):
            groups.append([("text", "+2", MUTED, True), ("text", "more departments", INK, False)])
        raised = {piece.text for e in pains for piece in e.lead if piece.kind == "square"}
        named = [(d, c) for d, c in plan.departments.items() if d in raised and d not in plan.other_departments]
        others = len(raised & plan.other_departments)
        entries = [[("square", "", c, False), ("text", d, INK, False)] for d, c in named]
        if others:
            entries.append([("square", "", OTHER_DEPARTMENTS, False),
                            ("text", f"{others} other department{'s' if others != 1 else ''}", INK, False)])
        if entries:
            groups.append([("text", "Raised by:", INK, True), *entries[0]])
            groups += entries[1:]
    groups.append([("text", "Emotion:", INK, True), ("circle", "", "#d73027", False),
                   ("circle", "", "#fee08b", False), ("circle", "", "#1a9850", False),
                   ("text", "average rating, 1 bad to 5 good", INK, False)])
    groups.append([("text", "±1.0", INK, True), ("text", "and bar: how far people's ratings spread", INK, False)])
    if plan.previous:
        groups.append([("text", "– – –", PREVIOUS_COLOUR, True), ("text", plan.previous, INK, False)])

    space, marker = m(" "), lay.legend_px * 0.62
    items: list[_KeyItem] = []
    x, row = 0.0, 0
    for group in groups:
        sized = []
        for kind, text, colour, is_bold in group:
            if kind == "text":
                measure = bold if is_bold else m
                text = shorten_to(text, inner / 3, measure)
                sized.append((kind, text, colour, is_bold, measure(text)))
            else:
                sized.append((kind, text, colour, is_bold, marker * (0.9 if kind == "dot" else 1.15)))
        width = sum(s[-1] for s in sized) + space * (len(sized) - 1)
        if x and x + width > inner:
            x, row = 0.0, row + 1
        for kind, text, colour, is_bold, w in sized:
            items.append(_KeyItem(x, row, kind, text, colour, is_bold, w))
            x += w + (space * 0.15 if kind == "dot" else space)
        x += space * 2
        texts.append(" ".join(s[1] for s in sized if s[0] == "text"))
    return items, (row + 1) * m.pitch, texts


def _place_legend(plan: Plan, items: list[_KeyItem], left: float, y: float, fonts: _Fonts) -> None:
    lay = plan.layout
    m = fonts(lay.legend_px)
    for n, item in enumerate(items):
        base = y + item.row * m.pitch + m.ascent
        if item.kind == "text":
            plan.labels.append(Label(left + item.x, base, directed(item.text, False), lay.legend_px, item.colour,
                                     item.bold, gid=f"legend:{n}"))
        else:
            plan.markers.append(Marker("s" if item.kind == "square" else "o", item.colour,
                                       left + item.x + item.width / 2, base - lay.legend_px * 0.36,
                                       lay.legend_px * 0.62, "legend"))


# --- Drawing ---------------------------------------------------------------------------------------------------

def picture_size(data: dict, layout: str = "default") -> tuple[int, int]:
    """Pixel size of the rendered PNG for this map."""
    plan = plan_map(data, layout)
    return plan.width, plan.height


def render_map(data: dict, fmt: str = "png", layout: str = "default") -> bytes:
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown picture format {fmt!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown picture layout {layout!r}")
    with _lock, drawing():
        fig = build_figure(data, layout)
        buf = io.BytesIO()
        # zlib level 3 instead of 6: about a tenth of a second less per map for a slightly larger file.
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
        fig.savefig(buf, format=fmt, dpi=DPI, facecolor="white", **extra)
        return buf.getvalue()


@contextmanager
def drawing():
    """matplotlib's settings while a map is drawn (a figure from `build_figure` is drawn inside it):
    - no hinting: FreeType's hinting of these fonts takes half the drawing time, and at these sizes antialiased
      text reads as well without it; the text is measured unhinted too, so wrapping matches;
    - SVG text stays text: editable, searchable."""
    from matplotlib import rc_context

    with _quiet(), rc_context({"text.hinting": "no_hinting", "svg.fonttype": "none"}):
        yield


def build_figure(data: dict, layout: str = "default"):
    """The matplotlib Figure of the map, to be drawn inside `drawing()`. Each line of text carries a gid whose
    last part numbers it and whose rest names its box in `plan_map(...).boxes` ("cell:<lane>:<column>:<n>",
    "stage:<column>:<n>", "persona:<card>:<n>", "emotion:…", "legend:<n>", …)."""
    with _quiet():
        return draw(plan_map(data, layout))


def draw(plan: Plan):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    families = list(font_families())
    # Half a pixel of slack: Agg truncates the figure's size in pixels, and 1210.0 may come out as 1209.99.
    width_in, height_in = (plan.width + 0.5) / DPI, (plan.height + 0.5) / DPI
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # a canvas of its own: no pyplot, no global figure manager

    def fx(x: float) -> float:
        return x / (width_in * DPI)

    def fy(y: float) -> float:
        return 1 - y / (height_in * DPI)

    for r in plan.rects:
        b = r.box
        fig.add_artist(Rectangle((fx(b.left), fy(b.bottom)), b.width / (width_in * DPI), b.height / (height_in * DPI),
                                 transform=fig.transFigure, facecolor=r.face, edgecolor=r.edge,
                                 linewidth=0.8 if r.edge != "none" else 0))
    strokes: dict[tuple[str, float], list] = {}
    for st in plan.strokes:
        strokes.setdefault((st.colour, st.width), []).append([(fx(x), fy(y)) for x, y in st.points])
    for (colour, width), lines in strokes.items():  # one artist per colour and width
        fig.add_artist(LineCollection(lines, colors=colour, linewidths=width * 72 / DPI, transform=fig.transFigure,
                                      capstyle="round"))
    for t in plan.labels:
        # "normal" line spacing: a line's box is the font's ascent and descent around its baseline, as planned
        # (a number would centre the box on the line's ink instead).
        fig.text(fx(t.x), fy(t.y), t.text, fontsize=t.px * 72 / DPI, color=t.colour, fontfamily=families,
                 fontweight="bold" if t.bold else "normal", ha=t.ha, va="baseline", linespacing="normal",
                 parse_math=False, gid=t.gid)
    groups: dict[tuple[str, str, float, str], list[tuple[float, float]]] = {}
    for mk in plan.markers:
        groups.setdefault((mk.shape, mk.colour, mk.px, mk.edge), []).append((fx(mk.x), fy(mk.y)))
    for (shape, colour, px, edge), points in groups.items():  # one artist per colour: cheap to draw
        xs, ys = zip(*points, strict=True)
        fig.add_artist(Line2D(xs, ys, transform=fig.transFigure, linestyle="none", marker=shape,
                              markersize=px * 72 / DPI, markerfacecolor=colour, markeredgecolor=edge,
                              markeredgewidth=0.6 if edge == "white" else 1.0, zorder=3))
    return fig
