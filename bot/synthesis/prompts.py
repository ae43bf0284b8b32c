"""Prompts are files in prompts/: a header (name, version, output schema, placeholders) and the text with named
placeholders. All are loaded and checked at start-up, so a broken prompt fails start-up, not a workshop."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from bot.synthesis import schemas

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
# Every prompt the model synthesis uses: name → the pydantic model its answer must match.
REQUIRED = {
    "cluster_pain_points": schemas.Clusters,
    "summarize_stages": schemas.StageSummaries,
    "suggest_opportunities": schemas.Suggestions,
    "validation_guide": schemas.ValidationGuides,
    "classify_line": schemas.LineKind,
}


class PromptError(Exception):
    """A prompt file is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    output: type
    placeholders: frozenset[str]
    text: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def render(self, **values: object) -> str:
        given = set(values)
        if given != self.placeholders:
            raise PromptError(f"{self.label}: placeholders {sorted(self.placeholders)}, given {sorted(given)}")
        return self.text.format(**{k: str(v) for k, v in values.items()})


def _parse(path: Path) -> Prompt:
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n") or "\n---\n" not in raw[4:]:
        raise PromptError(f"{path.name}: needs a header between --- lines")
    head, text = raw[4:].split("\n---\n", 1)
    fields = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    name = fields.get("name")
    if name != path.stem:
        raise PromptError(f"{path.name}: header name {name!r} must match the file name")
    if name not in REQUIRED:
        raise PromptError(f"{path.name}: not a prompt the synthesis knows")
    if fields.get("output") != REQUIRED[name].__name__:
        raise PromptError(f"{path.name}: output must be {REQUIRED[name].__name__}")
    if not fields.get("version", "").isdigit():
        raise PromptError(f"{path.name}: version must be a number")
    declared = frozenset(p.strip() for p in fields.get("placeholders", "").split(",") if p.strip())
    used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    if used != declared:
        raise PromptError(f"{path.name}: the text uses {sorted(used)} but the header declares {sorted(declared)}")
    return Prompt(name, int(fields["version"]), REQUIRED[name], declared, text.strip())


def load_prompts(directory: Path = PROMPTS_DIR) -> dict[str, Prompt]:
    prompts = {}
    for name in REQUIRED:
        path = directory / f"{name}.md"
        if not path.exists():
            raise PromptError(f"prompts/{name}.md is missing")
        prompts[name] = _parse(path)
    return prompts
