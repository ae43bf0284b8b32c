"""Keeping people's text, request bodies and response_urls out of the libraries' log lines.

Bolt and slack_sdk log some of what they handle at INFO and WARNING: Bolt a request whose signature fails ("…
body: {…}"), an unhandled request or middleware (with the body, or parts of it such as a typed value), slack_sdk's
webhook client a response_url it retries (a live credential for 30 minutes). The bot's own log lines never carry
them; `keep_private` fixes the libraries' by rewriting those lines, at the loggers that write them, so it holds
whatever handlers an operator configures.
"""

from __future__ import annotations

import logging
import re

# Lines of Bolt (and of the Socket Mode client, which logs through the App's logger) that go on to quote a request
# body, a payload or part of one: only what comes before it is kept.
_QUOTES_BODY = re.compile(
    r"^(Invalid request signature detected|Unhandled request|.* without providing a response for the request"
    r"|request body:|Received an unsupported data frame|Received an unexpected response for handshake)",
    re.IGNORECASE,
)
_TYPE = re.compile(r"""['"]type['"]: ['"]([a-z_]+)['"]""")
# A response_url, an incoming webhook or a Socket Mode URL is a credential: only its host is kept.
_URL = re.compile(r"\b((?:https?|wss?)://[^/\s'\"]+)/[^\s'\")]*")


class Redact(logging.Filter):
    """Rewrites a record's message before any handler sees it; it never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return True  # DEBUG is for a developer's own machine
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports that itself when a handler formats it
            return True
        head = _QUOTES_BODY.match(message)
        if head:
            kind = _TYPE.search(message)
            message = head.group(1).rstrip(" (:") + (f" (type {kind.group(1)})" if kind else "") + " [body not logged]"
        record.msg, record.args = _URL.sub(r"\1/…", message), None
        return True


REDACT = Redact()
# "bot.bolt" is the App's logger: Bolt gives each logger it makes for its middleware and listeners (slack_bolt.*) a
# copy of that logger's filters when the App is built, and Socket Mode logs through it. Bolt's `respond` goes
# through slack_sdk's webhook client, which logs the URL it retries at INFO.
LOGGERS = ("bot.bolt", "slack_sdk.webhook.client")


def keep_private() -> None:
    """Put the filter on the loggers that could carry private data, before the App is built (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if REDACT not in logger.filters:
            logger.addFilter(REDACT)
