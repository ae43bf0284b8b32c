"""Pure builders for `/journey help` and for commands that couldn't be read. The content comes from the table of
subcommands (bot/commands.py); these only lay it out."""

from __future__ import annotations

from bot import text as t
from bot.blocks.kit import context, header, message, note, section

INTRO = ("I lead your team through a customer journey mapping workshop in this channel. "
         "Answer each prompt *in its thread*.")
FACILITATOR_MARK = "🔑"


def _line(name: str, brief: str, facilitator: bool) -> str:
    return f"`/journey {name}` {brief}{' ' + FACILITATOR_MARK if facilitator else ''}"


def build_help(groups: list[tuple[str, list[tuple[str, str, bool]]]]) -> dict:
    """One short line a command, grouped, so the whole list fits a screen: (heading, [(name, brief, facilitator
    only)])."""
    blocks = [header("Journey Workshop Bot"), section(INTRO)]
    for heading, lines in groups:
        blocks.append(section(f"*{heading}*\n" + "\n".join(_line(*line) for line in lines)))
    blocks.append(context(f"{FACILITATOR_MARK} facilitators only. `/journey help <command>` shows a command's "
                          "options and examples, e.g. `/journey help action`."))
    return message("Journey Workshop Bot: `/journey help <command>` for one command", blocks)


def build_command_help(*, usage: str, summary: str, detail: str, facilitator: bool,
                       aliases: tuple[str, ...] = ()) -> dict:
    """One command in detail."""
    who = "Only a facilitator of the workshop can run it." if facilitator else "Anyone can run it."
    also = f" Also `/journey {'`, `/journey '.join(aliases)}`." if aliases else ""
    return message(f"/journey {usage}", [
        section(f"`/journey {usage}`\n{summary}" + (f"\n{detail}" if detail else "")),
        context(who + also),
    ])


def build_invalid(problem: str, *, usage: str, name: str) -> dict:
    """A known subcommand whose arguments couldn't be read: what was wrong, and its usage only."""
    return note(f"{problem}\nUsage: `/journey {usage}` (`/journey help {name}` has more).")


def build_unknown(problem: str, *, suggestion: str | None, usage: str | None) -> dict:
    """An unknown subcommand: what it looks like, with that one's usage, if anything does; else where the list is."""
    if suggestion and usage:
        return note(f"{problem} Did you mean `/journey {t.show(suggestion, 30)}`?\nUsage: `/journey {usage}`")
    return note(f"{problem} `/journey help` lists every command.")
