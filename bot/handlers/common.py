"""Small pieces every handler uses to answer people."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient


def ephemeral(respond: Respond, message: dict, *, replace: bool = False) -> None:
    """Answer through the request's response_url: works even where the bot isn't in the channel."""
    respond(response_type="ephemeral", replace_original=replace, **message)


def whisper(client: WebClient, *, channel: str, user: str, message: dict, thread_ts: str | None = None) -> None:
    """chat.postEphemeral, for answers to events (which carry no response_url)."""
    kwargs: dict[str, Any] = {"channel": channel, "user": user, **message}
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    client.chat_postEphemeral(**kwargs)
