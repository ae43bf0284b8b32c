"""The table of subcommands, end to end: help, typos and who may run what, as people see them in Slack."""

from __future__ import annotations

import pytest

from bot import commands
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR

# Arguments that make each facilitator command reach its rule.
ARGS = {"stages": "A, B", "vote": "", "validate": "", "nudge": "", "next": "", "close": "", "synthesize": "",
        "ai": "off", "merge": "1 2", "unmerge": "1", "reopen": "1", "review": ""}


def test_help_and_a_typo(bot):
    bot.ws.command(ANA, CHANNEL, "help")
    said = bot.last_said_to(ANA)
    assert "*Run a workshop*" in said and "`/journey export`" in said
    bot.ws.command(ANA, CHANNEL, "help export")
    assert "`/journey export [json|csv|md]`" in bot.last_said_to(ANA) and "Anyone can run it" in bot.last_said_to(ANA)
    bot.ws.command(ANA, CHANNEL, "nwe Checkout")
    assert "Did you mean `/journey new`?" in bot.last_said_to(ANA)
    bot.ws.command(ANA, CHANNEL, "map pdf")
    said = bot.last_said_to(ANA)
    assert "Usage: `/journey map [wide] [svg] [nocanvas]`" in said and "`status`" not in said


@pytest.mark.parametrize("name", sorted(e.name for e in commands.TABLE if e.who == commands.FACILITATOR))
def test_what_help_says_only_a_facilitator_can_do_refuses_anyone_else(bot, name):
    bot.ws.command(FACILITATOR, CHANNEL, "new Who may")
    bot.ws.command(BEN, CHANNEL, f"{name} {ARGS[name]}".strip())
    said = bot.last_said_to(BEN)
    assert "Only the facilitator" in said or "Only a facilitator" in said, said
    assert "Nothing was changed" in said
