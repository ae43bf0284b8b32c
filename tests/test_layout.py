"""The shape of the code, checked: what may import what, and how large a module may grow."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_bot_never_imports_the_fake_slack_but_to_start_the_sandbox():
    users = {str(p.relative_to(ROOT)) for p in modules("bot")
             if any(m == "fakeslack" or m.startswith("fakeslack.") for m in imports(p))}
    assert users == {"bot/__main__.py"}


def test_the_fake_slack_knows_nothing_of_the_bot():
    """Its Block Kit limits are its own, from Slack's documentation: a wrong limit in the bot's builders shows."""
    users = {str(p.relative_to(ROOT)) for p in modules("fakeslack")
             if any(m == "bot" or m.startswith("bot.") for m in imports(p))}
    assert users == set()
