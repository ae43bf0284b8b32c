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


# Modules that may be longer, each one cohesive thing: the inbox (accepting, processing and the group-commit
# writer of one queue, whose logic the fault suite pins down), the tables (DESIGN: one models module) and the map
# picture (one layout planned in pixels, then drawn; its own issue's work), and the subcommands' typed arguments
# (one small dataclass and parser per subcommand of the command table: it grows by one of each per command).
LONG_BUT_COHESIVE = {"bot/inbox.py", "bot/storage/models.py", "bot/render/picture.py", "bot/arguments.py"}


def test_no_module_of_the_bot_grows_past_about_400_lines():
    long = {str(p.relative_to(ROOT)) for p in modules("bot")
            if "migrations" not in p.parts and len(p.read_text(encoding="utf-8").splitlines()) > 400}
    assert long <= LONG_BUT_COHESIVE, f"split these by concern: {sorted(long - LONG_BUT_COHESIVE)}"


QUERY_BUILDERS = {"select", "update", "delete", "insert", "exists", "col", "func", "or_", "and_", "tuple_"}


def query_builders(path: Path) -> set[str]:
    """What a file imports from SQLAlchemy or SQLModel to build queries with."""
    return {a.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel")
            for a in node.names if a.name in QUERY_BUILDERS}


def test_feature_modules_ask_storage_rather_than_querying():
    """Queries live in bot/storage/ (DESIGN 5); the two queues whose rows only they touch, the inbox and the
    reminders (schedule and dispatcher), keep theirs."""
    own_queries = {"bot/inbox.py", "bot/reminders/schedule.py", "bot/reminders/dispatcher.py"}
    querying = {str(p.relative_to(ROOT)) for p in modules("bot") if "storage" not in p.parts and query_builders(p)}
    assert querying <= own_queries, sorted(querying - own_queries)
