"""`/journey`: the listener stores and acks; the inbox then parses the command, runs its `prepare` from the
table in bot/commands.py (Slack look-ups, before any transaction), then its handler in the inbox's transaction,
and leaves the replies to the outbox. The handlers live with their feature (workshop, maps, follow-ups, digests,
synthesis)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlmodel import Session

from bot import commands
from bot.blocks.kit import note
from bot.blocks.messages import build_sorry
from bot.handlers.common import body_digest, durable, ephemeral, task
from bot.inbox import Request, Then
from bot.services import Services
from bot.workshop.access import Refusal

log = logging.getLogger(__name__)


def command_key(body: dict) -> str:
    """A slash command's identity: its trigger_id is unique per invocation, so a replay is recognised."""
    return f"command:{body.get('team_id')}:{body.get('trigger_id') or body_digest(body)}"


def register(app: App, svc: Services) -> None:
    app.command(svc.settings.slash_command)(durable(svc, "command"))
    svc.inbox.route("command", key=command_key, prepare=lambda req: _prepare(svc, req),
                    apply=lambda s, req, ready: _apply(s, ready))


class CommandRequest:
    """One `/journey` invocation, as its handler sees it: `prepare` fills in what Slack had to be asked (before
    the transaction), the handler runs with the transaction's session `s` and leaves its Slack calls in `then`."""

    def __init__(self, svc: Services, req: Request):
        body = req.body
        self.svc = svc
        self.text: str = body.get("text", "")
        self.team_id: str = req.team_id
        self.channel_id: str = body["channel_id"]
        self.user_id: str = body["user_id"]
        self.trigger_id: str | None = body.get("trigger_id")
        self.respond = req.respond
        self.bot_user_id = req.bot_user_id
        self.entry, self.cmd = commands.resolve(self.text)
        self.members: list[str] = []  # the channel's people, for the commands that need them
        self.visible: frozenset[str] = frozenset()  # conversations whose workshops this person may see
        self.names: dict[str, str | None] = {}  # Slack's names of people a map names, looked up before
        self.s: Session | None = None
        self.then: Then = []

    def later(self, fn: Callable, *args, on_error: Callable[[BaseException], None] | None = None, **kwargs) -> None:
        """A Slack call for after the commit."""
        self.then.append(task(fn, *args, on_error=on_error, **kwargs))

    def sorry(self, _error: BaseException) -> None:
        ephemeral(self.respond, build_sorry())

    def reply(self, message: dict) -> None:
        self.later(ephemeral, self.respond, message)

    def tell(self, message: dict) -> None:
        """Called from inside an outbox task: answer right away."""
        ephemeral(self.respond, message)

    def zone_of(self) -> Callable[[str], ZoneInfo]:
        """user id → time zone, from what `prepare` looked up (no Slack call inside the transaction)."""
        return self.svc.zone_of(self.s, self.team_id)

    def today(self) -> date:
        """Today where the person who typed the command is."""
        return self.svc.clock().astimezone(self.zone_of()(self.user_id)).date()

    def members_of_channel(self) -> list[str]:
        exclude = {self.bot_user_id} if self.bot_user_id else set()
        return self.svc.directory.channel_humans(self.channel_id, exclude=exclude) or []


def _prepare(svc: Services, req: Request) -> CommandRequest:
    r = CommandRequest(svc, req)
    if r.entry is not None and r.entry.prepare is not None:
        r.entry.prepare(r, r.cmd)
    return r


def _apply(s: Session, r: CommandRequest) -> Then:
    r.s, r.then = s, []
    try:
        with s.begin_nested():  # a refusal leaves nothing behind
            commands.handle(r, r.entry, r.cmd)
    except Refusal as refusal:
        r.then = [task(ephemeral, r.respond, note(str(refusal)))]
    return r.then
