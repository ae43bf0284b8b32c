"""Journey templates: one TOML file per template in this folder (name = file stem)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

DEFAULT_TEMPLATE = "buyer"


@dataclass(frozen=True)
class TemplateStage:
    name: str
    hint: str | None


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    stages: tuple[TemplateStage, ...]


@cache
def load_templates() -> dict[str, Template]:
    out: dict[str, Template] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        key = entry.name.removesuffix(".toml")
        stages = tuple(TemplateStage(s["name"], s.get("hint")) for s in data.get("stages", []))
        out[key] = Template(key, data["name"], data.get("description", ""), stages)
    return out


def template_name(key: str) -> str:
    """A template's display name; the key itself for a template no longer shipped."""
    tpl = load_templates().get(key)
    return tpl.name if tpl else key
