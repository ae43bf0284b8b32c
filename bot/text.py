"""Pure text rules: how people's answers are split and typed, and how their text is shown safely in Slack."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.storage.models import ItemKind


# Slack escapes &, < and > in message and command text; mention tokens stay as <...>.
def from_slack(text: str) -> str:
    """Slack's wire text to what the person typed (entities decoded; mention tokens kept as Slack wrote them)."""
    return clean(html.unescape(text or ""))


def message_text(msg: dict) -> str:
    """What a message says, as Slack clients show it: its `text`, or, when that is empty (some clients and
    apps send only blocks), the text of its rich_text blocks: sections, lists, quotes, preformatted text, links,
    mentions and emoji, in Slack's wire form (mentions as <@U…>, links as <url|label>)."""
    text = from_slack(msg.get("text") or "")
    if text.strip():
        return text
    lines: list[str] = []
    for block in msg.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "rich_text":
            for element in block.get("elements") or []:
                lines.extend(_rich_element_lines(element))
    return clean("\n".join(lines).strip("\n"))


def _rich_element_lines(element: dict) -> list[str]:
    kind = element.get("type")
    inner = element.get("elements") or []
    if kind == "rich_text_list":
        ordered = element.get("style") == "ordered"
        start = int(element.get("offset") or 0)
        indent = "  " * int(element.get("indent") or 0)
        return [f"{indent}{f'{start + n}.' if ordered else '-'} {' '.join(_rich_element_lines(section)).strip()}"
                for n, section in enumerate(inner, 1) if isinstance(section, dict)]
    text = "".join(_rich_inline(e) for e in inner if isinstance(e, dict))
    return text.removesuffix("\n").split("\n")  # a section before a list ends with its line break


def _rich_inline(e: dict) -> str:
    kind = e.get("type")
    if kind == "text":
        return e.get("text") or ""
    if kind == "link":
        url, label = e.get("url") or "", e.get("text")
        return f"<{url}|{label}>" if label and label != url else f"<{url}>"
    if kind == "user":
        return f"<@{e.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{e.get('channel_id', '')}>"
    if kind == "usergroup":
        return f"<!subteam^{e.get('usergroup_id', '')}>"
    if kind == "broadcast":
        return f"<!{e.get('range', 'here')}>"
    if kind == "emoji":
        code = e.get("unicode")
        try:
            return "".join(chr(int(part, 16)) for part in code.split("-")) if code else f":{e.get('name', '')}:"
        except ValueError:
            return f":{e.get('name', '')}:"
    if kind == "date":
        return e.get("fallback") or ""
    if kind == "color":
        return e.get("value") or ""
    return e.get("text") or ""


# NUL can't be stored by PostgreSQL and a lone surrogate can't be encoded as UTF-8 by any driver: either one would
# make the whole reply fail to store, so they are dropped and the rest of the text kept.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(text: str) -> str:
    """Text without NUL bytes and lone surrogates (JSON can carry both; no database or UTF-8 encoder takes them)."""
    return _UNSTORABLE.sub("", text)


_BULLET = re.compile(r"^\s*(?:[-*•‣◦]|\d{1,3}[.)])\s+")


def split_lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with leading bullets stripped, numbered by their position in the reply."""
    out = []
    for no, raw in enumerate(text.splitlines()):
        line = _BULLET.sub("", raw).strip()
        if line:
            out.append((no, line))
    return out


_PREFIXES: list[tuple[str, str]] = [
    ("pain point", ItemKind.PAIN_POINT),
    ("painpoint", ItemKind.PAIN_POINT),
    ("pain", ItemKind.PAIN_POINT),
    ("touchpoint", ItemKind.TOUCHPOINT),
    ("tp", ItemKind.TOUCHPOINT),
    ("opportunity", ItemKind.OPPORTUNITY),
    ("idea", ItemKind.OPPORTUNITY),
    ("emotion", "emotion"),
    ("frontstage", ItemKind.FRONTSTAGE),
    ("backstage", ItemKind.BACKSTAGE),
    ("support", ItemKind.BACKSTAGE),
]
_BLUEPRINT_ONLY = {ItemKind.FRONTSTAGE, ItemKind.BACKSTAGE}
_PREFIX_RE = re.compile(
    r"^\*?(" + "|".join(re.escape(p) for p, _ in _PREFIXES) + r")\s*:\*?\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_PREFIX_KIND = dict(_PREFIXES)
_EMOTION_RE = re.compile(r"^([1-5])(?:\s*/\s*5)?(?:\s*[-–—:,.]?\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class StageLine:
    """One line of a stage-walk reply, typed by its prefix."""

    kind: str  # an ItemKind, or "emotion", or "invalid"
    text: str
    score: int | None = None
    problem: str | None = None


def parse_stage_line(line: str, *, blueprint: bool = False) -> StageLine:
    """Type a stage-walk line by its prefix; `frontstage:`, `backstage:` and `support:` only count on blueprints."""
    m = _PREFIX_RE.match(line)
    if not m:
        return StageLine(ItemKind.UNSORTED, line)
    kind = _PREFIX_KIND[m.group(1).lower()]
    if kind in _BLUEPRINT_ONLY and not blueprint:
        return StageLine(ItemKind.UNSORTED, line)
    rest = m.group(2).strip()
    if kind != "emotion":
        if not rest:
            return StageLine("invalid", line, problem=f"`{m.group(1)}:` needs some text after it.")
        return StageLine(kind, rest)
    e = _EMOTION_RE.match(rest)
    if not e:
        return StageLine(
            "invalid",
            line,
            problem="An emotion is a number from 1 (very negative) to 5 (very positive), "
            "then an optional note, e.g. `emotion: 2 had to call support twice`.",
        )
    return StageLine("emotion", (e.group(2) or "").strip(), score=int(e.group(1)))


_PERSONA_SPLIT = re.compile(r"\s+[—–-]\s+|\s*[—–]\s*|:\s+|:$")


_PERSONA_START = re.compile(r"^\*?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){0,3}\*?(?:\s+[—–-]\s+|\s*[—–]\s*|:\s+)\S")
# A line like `Budget: tight` under a persona is a detail of it, not a persona called Budget: the words persona
# templates use for a persona's attributes.
_PERSONA_DETAIL = re.compile(
    r"^\*?(?:age|budget|background|behaviou?rs?|channels?|context|devices?|dislikes?|education|experience|fears?|"
    r"frustrations?|goals?|income|industry|jobs?(?: to be done)?|likes?|location|motivations?|needs?|"
    r"pains?(?: points?)?|quote|role|segment|size|skills?|tasks?|team|tech(?:nology)?|tools?|wants?)\*?\s*[:—–-]",
    re.IGNORECASE)


def parse_personas(text: str) -> list[tuple[str, str]]:
    """A persona reply may name several: each line `Name — description` (or `Name: description`) starts one; other
    lines add detail to the persona before them."""
    lines = [line for _, line in split_lines(text)]
    groups: list[list[str]] = []
    for line in lines:
        if not groups or (_PERSONA_START.match(line) and not _PERSONA_DETAIL.match(line)):
            groups.append([line])
        else:
            groups[-1].append(line)
    out = [parse_persona("\n".join(g)) for g in groups]
    return [(name, description) for name, description in out if name]


def parse_persona(text: str) -> tuple[str, str]:
    """A persona reply: first line `Name — description` (or `Name: description`); further lines add detail."""
    lines = [line for _, line in split_lines(text)]
    if not lines:
        return "", ""
    first, more = lines[0], lines[1:]
    parts = _PERSONA_SPLIT.split(first, maxsplit=1)
    name = parts[0].strip().strip("*_").strip()
    description = parts[1].strip() if len(parts) > 1 else ""
    description = "\n".join(p for p in [description, *more] if p)
    return name, description


# --- Showing people's text in Slack ----------------------------------------------------------------

# The <...> tokens Slack gives meaning to: <@U1|name>, <#C1|name>, <!channel>, <!subteam^S1|@team>,
# <!date^…|fallback>, and links <https://x>, <https://x|label> (any scheme: mailto:, tel:, slack:…); and anything
# else with a label, <…|label>, which reads as a masked link too. A plain <word> is left as typed.
_TOKEN = re.compile(r"<([@#!]|[A-Za-z][A-Za-z0-9+.-]*:|(?=[^<>]*\|))([^<>|]*)(?:\|([^<>]*))?>")


def _token_to_plain(m: re.Match) -> str:
    kind, ref, label = m.group(1), m.group(2), m.group(3)
    if kind in ("@", "#"):
        return kind + (label or ref)
    if kind == "!":
        if ref.startswith("subteam^"):
            return label or "@team"
        if ref.startswith("date^"):
            return label or ""
        return "@" + ref  # <!channel>, <!here>, <!everyone>
    # A link: it reads as its label with the address beside it, so a label can't hide where it goes.
    url = kind + ref
    if not url:
        return label
    shown = ref if kind in ("mailto:", "tel:") else url
    if not label or label in (url, shown) or label == ref.removeprefix("//").rstrip("/"):
        return shown
    return f"{label} ({shown})"


def plain(text: str) -> str:
    """Text with every Slack token turned into inert words: mentions and broadcasts notify no one, and a link
    reads as `label (https://…)`."""
    text = text or ""
    while True:  # a token around another (<!date^1|<https://x|y>>) only matches once the inner one is words
        words = _TOKEN.sub(_token_to_plain, text)
        if words == text:
            return words
        text = words


def escape_mrkdwn(text: str) -> str:
    """Escape a person's text for a mrkdwn field (and a message's fallback `text`, which Slack also reads as
    mrkdwn) so it can never ping anyone or become a link: tokens become words, and no < > & is left to form one."""
    t = plain(text)
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary where one is near, with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def show(text: str, limit: int = 300) -> str:
    """A person's text, inert and shortened, ready for a mrkdwn field."""
    return escape_mrkdwn(shorten(plain(text), limit))


def show_plain(text: str, limit: int) -> str:
    """A person's text for a plain_text field (headers, buttons, options): inert and shortened, no escaping needed.
    Never for a message's fallback `text` or a file comment: those are mrkdwn, use `show`."""
    return shorten(plain(text), limit)


def fit(text: str, limit: int = 3000) -> str:
    """Keep a built mrkdwn string inside a Block Kit text limit (the builder already escaped its parts)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
