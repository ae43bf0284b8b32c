"""The Block Kit pieces every builder uses. People's text always passes through `text.show` (mrkdwn: sections,
context, a message's fallback `text`) or `text.show_plain` (plain_text: headers, buttons), so it can never ping
anyone or become a link; these pieces keep each part inside Slack's limits."""

from __future__ import annotations

from bot import text as t
from bot.blocks import limits

EMOTION_FACES = {1: "😖", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": t.fit(text, limits.SECTION_TEXT)}}


def context(*texts: str) -> dict:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t.fit(x, limits.SECTION_TEXT)} for x in texts[: limits.CONTEXT_ELEMENTS]],
    }


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": t.shorten(text, limits.HEADER_TEXT), "emoji": True}}


def message(fallback: str, blocks: list[dict]) -> dict:
    """`fallback` is mrkdwn (Slack formats it in notifications and where blocks can't show): people's text in it
    goes through `text.show`, never `show_plain`."""
    return {"text": t.fit(fallback, limits.FALLBACK_TEXT), "blocks": blocks[: limits.MESSAGE_BLOCKS]}


def note(text: str) -> dict:
    """A one-paragraph message (refusals, confirmations). `text` is already safe mrkdwn."""
    return message(text, [section(text)])


def plain_error(message: str) -> str:
    """A refusal shown under a modal input: plain text, no mrkdwn, within Slack's limit for field errors."""
    return t.shorten(t.plain(message).replace("*", "").replace("`", ""), 150)
