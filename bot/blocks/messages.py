"""Pure builders for what the bot says about itself: it couldn't finish something, its database is busy, Slack
refused a call someone is waiting for. Each feature's messages are in its own module here (workshop, replies,
maps, followups, digests, synthesis, reminders, help)."""

from __future__ import annotations

from bot import text as t
from bot.blocks.kit import note


def build_sorry() -> dict:
    return note(
        "Sorry, something went wrong on my side and I couldn't finish that. Nothing you'd already given is lost; "
        "please try again in a moment."
    )


def build_busy() -> dict:
    return note("Sorry, I couldn't take that just now (my database isn't answering), so nothing happened. "
                "Please try again in a minute.")


def build_slack_failed(what: str, error: str, *, retry: str) -> dict:
    """Slack refused a call the person is waiting for: what failed, that nothing is lost, and what to do."""
    hint = {
        "not_in_channel": f"Invite me with `/invite @Journey Workshop`, then {retry}.",
        "channel_not_found": f"I can't see this channel. Invite me with `/invite @Journey Workshop`, then {retry}.",
        "is_archived": "This channel is archived.",
        "ratelimited": f"Slack is rate-limiting me; {retry} in a minute.",
    }.get(error, retry[0].upper() + retry[1:] + ".")
    return note(f"⚠️ I couldn't {what} (`{t.show(error, 60)}`); nothing is lost. {hint}")
