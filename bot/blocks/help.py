"""Pure builders for `/journey help` and for commands that couldn't be read. The content comes from the table of
subcommands (bot/commands.py); these only lay it out."""

from __future__ import annotations

from bot import text as t
from bot.blocks.kit import context, header, message, note, section

INTRO = ("I lead your team through a customer journey mapping workshop in this channel: objectives, personas, "
         "stages, then each stage's touchpoints, emotions, pain points and opportunities. "
         "Answer each prompt *in its thread*.")


def _line(usage: str, summary: str, facilitator: bool) -> str:
    return f"`/journey {usage}` {'Facilitator: ' if facilitator else ''}{summary}"


def build_help(groups: list[tuple[str, list[tuple[str, str, bool]]]]) -> dict:
    """One line a command, grouped: (heading, [(usage, summary, facilitator only)])."""
    blocks = [header("Journey Workshop Bot"), section(INTRO)]
    for heading, lines in groups:
        blocks.append(section(f"*{heading}*\n" + "\n".join(_line(*line) for line in lines)))
    blocks.append(context("`/journey help <command>` shows a command's options and examples, e.g. "
                          "`/journey help action`."))
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


def build_unknown(problem: str, *, suggestion: str | None, usage_line: str) -> dict:
    """An unknown subcommand: what it looks like, if anything, and every subcommand."""
    guess = f" Did you mean `/journey {t.show(suggestion, 30)}`?" if suggestion else ""
    return note(f"{problem}{guess}\n{usage_line}")
