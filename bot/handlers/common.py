"""Small pieces every handler uses: the durable listener, and answering people."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import Services

log = logging.getLogger(__name__)


def durable(svc: Services, kind: str) -> Callable[..., None]:
    """A Bolt listener that stores the request in the inbox (if one of its routes wants it) and only then
    acknowledges it: an ack is a promise; if the database can't take it, the error makes Slack send it again."""

    def listener(ack: Ack, body: dict, context: BoltContext) -> None:
        svc.inbox.take(kind, body, team_id=context.team_id or "", enterprise_id=context.enterprise_id,
                       bot_user_id=context.bot_user_id)
        ack()

    return listener


def body_digest(body: dict) -> str:
    """A stable identity for a payload that carries none of Slack's ids."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def task(fn: Callable[..., Any], *args: Any, on_error: Callable[[BaseException], None] | None = None,
         lane: str | None = None, **kwargs: Any) -> Callable[[], None]:
    """A Slack call to make after the transaction commits; `on_error` hears about a failure (already logged).
    `lane="confirmations"`: a reply's ✅ and private hints, sent on a queue of their own (see Services)."""

    def run() -> None:
        try:
            fn(*args, **kwargs)
        except Exception as e:
            if on_error is None:
                raise
            log.warning("%s failed: %s", getattr(fn, "__name__", "task"), type(e).__name__)
            try:
                on_error(e)
            except Exception:  # telling the user is best effort; the failure itself is logged
                log.warning("could not tell the user about a failed task", exc_info=True)

    run.__name__ = getattr(fn, "__name__", "task")
    run.lane = lane  # type: ignore[attr-defined]
    return run


def ephemeral(respond: Respond, message: dict, *, replace: bool = False) -> None:
    """Answer through the request's response_url: works even where the bot isn't in the channel."""
    respond(response_type="ephemeral", replace_original=replace, **message)


def whisper(client: WebClient, *, channel: str, user: str, message: dict, thread_ts: str | None = None) -> None:
    """chat.postEphemeral, for answers to events (which carry no response_url)."""
    kwargs: dict[str, Any] = {"channel": channel, "user": user, **message}
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    client.chat_postEphemeral(**kwargs)
