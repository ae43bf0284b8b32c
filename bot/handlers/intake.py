"""The HTTP front door's share of handling: what the bot processes later (events, the slash command, button
clicks, message shortcuts) is stored in the inbox the moment the server has checked Slack's signature, and
acknowledged, without Bolt's per-request context and listener matching. That is most of what a Slack app receives, and all its
processing needs is the payload. Bolt still handles the rest (forms, whose errors travel in the ack; Slack's URL
and SSL checks) and everything in Socket Mode, through listeners that store the same way (common.durable).

The workspace is the installation's, resolved in bot/workspace.py like every other listener's (as Bolt's
`context.team_id`: `authorizations[0]`, never the actor's own in a shared channel; an org-wide install's org)."""

from __future__ import annotations

import json

from bot.services import Services
from bot.workspace import installation_of


def intake(svc: Services, parsed: dict, raw: str) -> bool:
    """Store a signed, parsed request if the inbox processes its kind; False to leave it to Bolt. Raises
    InboxUnavailable when the database can't take it (the caller answers with an error)."""
    kind, body = _kind_of(svc, parsed)
    if kind is None:
        return False
    if kind != "event" and not svc.inbox.handles(kind, body):
        return False  # a click no route knows: Bolt answers it (unhandled)
    where = installation_of(body)
    svc.inbox.take(kind, body, team_id=where.team_id, enterprise_id=where.enterprise_id,
                   bot_user_id=where.bot_user_id, raw=raw if kind == "event" else None)  # an event nobody handles is acknowledged, not stored
    return True


def _kind_of(svc: Services, parsed: dict) -> tuple[str | None, dict]:
    if parsed.get("type") == "event_callback":
        return ("event", parsed) if isinstance(parsed.get("event"), dict) else (None, parsed)
    if parsed.get("command") == svc.settings.slash_command and not parsed.get("ssl_check"):
        return "command", parsed
    if "payload" in parsed:
        payload = json.loads(parsed["payload"])
        if payload.get("type") == "block_actions" and payload.get("actions"):
            return "action", payload
        if payload.get("type") == "message_action":  # a message shortcut ("Add to journey map")
            return "shortcut", payload
    return None, parsed
