"""Mermaid's `journey` syntax, checked the way Mermaid's own parser reads it.

The lexer rules are those of mermaid's journey.jison, tried in order with the first match winning (Jison's
default); the grammar is `journey (NL | title | section | taskName taskData)*`. On top, what renders: a title,
every task inside a section, and every score a whole number from 1 to 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RULES = [
    ("NL", r"\n+"),
    (None, r"\s+"),
    (None, r"#[^\n]*"),
    (None, r"%%[^\n]*"),
    ("journey", r"journey"),
    ("title", r"title\s[^#\n;]+"),
    ("section", r"section\s[^#:\n;]+"),
    ("taskName", r"[^#:\n;]+"),
    ("taskData", r":[^#\n;]+"),
    (":", r":"),
    ("INVALID", r"."),
]
_COMPILED = [(kind, re.compile(rx, re.IGNORECASE)) for kind, rx in RULES]


class MermaidError(ValueError):
    pass


@dataclass
class Journey:
    title: str | None = None
    sections: list[tuple[str, list[tuple[str, int, list[str]]]]] = field(default_factory=list)


def tokens(source: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(source):
        for kind, rx in _COMPILED:
            m = rx.match(source, pos)
            if m:
                if kind is not None:
                    out.append((kind, m.group(0)))
                pos = m.end()
                break
    return out


def parse(source: str) -> Journey:
    toks = tokens(source)
    if not toks or toks[0][0] != "journey":
        raise MermaidError("a journey diagram starts with `journey`")
    j = Journey()
    i = 1
    while i < len(toks):
        kind, text = toks[i]
        if kind == "NL":
            i += 1
        elif kind == "title":
            j.title = text[6:]
            i += 1
        elif kind == "section":
            j.sections.append((text[8:], []))
            i += 1
        elif kind == "taskName" and i + 1 < len(toks) and toks[i + 1][0] == "taskData":
            if not j.sections:
                raise MermaidError(f"task {text.strip()!r} outside any section")
            parts = toks[i + 1][1][1:].split(":")
            score = parts[0].strip()
            if not re.fullmatch(r"[1-5]", score):
                raise MermaidError(f"task {text.strip()!r} has score {score!r}; scores are 1 to 5")
            actors = [a.strip() for a in parts[1].split(",")] if len(parts) > 1 else []
            j.sections[-1][1].append((text.strip(), int(score), actors))
            i += 2
        else:
            raise MermaidError(f"unexpected {kind} {text!r}")
    if not j.title:
        raise MermaidError("no title")
    return j
