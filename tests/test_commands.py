"""Parsing `/journey …` and the one table of subcommands that dispatch, help and typos come from."""

import json

import pytest

from bot import arguments as c
from bot import commands
from bot.commands import parse


def test_subcommands():
    assert parse("") == c.Help()
    assert parse("help") == c.Help()
    assert parse("new Checkout redesign") == c.New("Checkout redesign")
    assert parse("new Checkout redesign --template buyer") == c.New("Checkout redesign", "buyer")
    assert parse("new --template buyer Onboarding") == c.New("Onboarding", "buyer")
    assert parse("new") == c.New("")
    assert parse("STATUS") == c.Status()
    assert parse("next") == c.Next()
    assert parse("dept Customer Support") == c.Dept("Customer Support")
    assert parse("dept") == c.Dept("")
    assert parse("stages Discover, Try, Buy") == c.Stages("Discover, Try, Buy")
    assert parse("export json") == c.Export("json")
    assert parse("export") == c.Export(None)  # asks which, privately
    assert parse("close") == c.Close()
    assert parse("export csv") == c.Export("csv")
    assert parse("export MD") == c.Export("md")
    assert parse("templates") == c.Templates()
    assert parse("vote") == c.Vote(3)
    assert parse("vote --votes 5") == c.Vote(5)
    assert parse("map") == c.Map("png")
    assert parse("map svg") == c.Map("svg")
    assert parse("new Blue --type blueprint") == c.New("Blue", map_type="blueprint")
    assert parse("new Tomorrow --future-of #12") == c.New("Tomorrow", map_type="future", future_of=12)


def test_titles_keep_apostrophes_and_decoded_entities():
    assert parse("new Let's fix &lt;checkout&gt; &amp; billing") == c.New("Let's fix <checkout> & billing")


@pytest.mark.parametrize(("text", "reason"), [
    ("frobnicate now", "don't know `/journey frobnicate`"),
    ("new X --colour red", "no option `--colour`"),
    ("new X --template", "`--template` needs a value"),
    ("export pdf", "`json`, `csv`, `md`"),
    ("new X --type dream", "Map types are"),
    ("new X --future-of abc", "number of a current-state workshop"),
    ("new X --future-of 3 --type blueprint", "leave out `--type`"),
    ("vote --votes 0", "from 1 to 20"),
    ("vote --votes many", "from 1 to 20"),
    ("map pdf", "picture"),
    ("next please", "takes no arguments"),
    ("close now", "takes no arguments"),
])
def test_bad_input_is_invalid_with_a_reason(text, reason):
    assert reason in parse(text).message


def test_unknown_subcommand_is_quoted_safely():
    msg = parse("<!channel>").message
    assert "<!" not in msg
    assert len(parse("x" * 500).message) < 200


# --- The table: dispatch, help and typos come from it ------------------------------------------------------


def test_every_name_and_alias_reaches_its_entry():
    for name, entry in commands.BY_NAME.items():
        assert commands.resolve(name)[0] in (entry, None), name  # None: it needs arguments
    assert parse("synthesise") == c.Synthesize()
    assert parse("department Sales") == c.Dept("Sales")
    assert commands.resolve("")[0] is commands.BY_NAME["help"]


def test_a_typo_gets_did_you_mean():
    assert parse("nwe Checkout").suggestion == "new"
    assert parse("stauts").suggestion == "status"
    assert parse("frobnicate").suggestion is None
    text = commands.invalid_message(parse("nwe Checkout"))["text"]
    assert "I don't know `/journey nwe`. Did you mean `/journey new`?" in text
    assert "Usage: `/journey new <title>" in text and "templates" not in text  # only the suggestion's usage
    text = commands.invalid_message(parse("frobnicate"))["text"]
    assert "`/journey help` lists every command" in text and "Usage" not in text


def test_an_error_shows_only_its_commands_usage():
    cmd = parse("vote --votes 0")
    assert cmd.command == "vote"
    text = commands.invalid_message(cmd)["text"]
    assert "Usage: `/journey vote [--votes 3]`" in text and "`/journey help vote`" in text
    assert "`status`" not in text and "export" not in text


def test_help_is_one_line_a_command_in_groups_and_fits_a_screen():
    msg = commands.help_message()
    text = "\n".join(b["text"]["text"] for b in msg["blocks"] if isinstance(b.get("text"), dict))
    lines = [line for line in text.splitlines() if line.startswith("`/journey ")]
    assert len(lines) == len(commands.TABLE)
    assert len(text.splitlines()) <= 32  # 25 commands in their groups: one laptop screen of Slack
    assert max(len(line) for line in lines) <= 70  # one line each, even in a narrow window
    for entry in commands.TABLE:
        assert any(line.startswith(f"`/journey {entry.name}`") for line in lines), entry.name
    assert "`/journey next` Close this step, post the next prompt 🔑" in text
    assert len({entry.group for entry in commands.TABLE}) == sum(1 for b in msg["blocks"]
                                                                 if b["type"] == "section") - 1


def test_help_for_one_command_has_its_detail():
    text = json.dumps(commands.help_message("validate"))
    assert "validate [top 3] [by <date>] [customers 5]" in text and "validate assign" in text
    assert "Only a facilitator" in text
    assert "Also `/journey synthesise`" in json.dumps(commands.help_message("synthesize"))
    assert "Did you mean `/journey vote`" in json.dumps(commands.help_message("vot"))
