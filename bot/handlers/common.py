"""Small pieces every handler uses: the durable listener, buttons and forms, and answering people."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks.kit import note, plain_error
from bot.blocks.messages import build_sorry
from bot.inbox import Request, Then, first_time
from bot.services import Services
from bot.storage import repo
from bot.text import clean
from bot.workshop.access import Refusal
from bot.workspace import actor_team_of, installation_of

log = logging.getLogger(__name__)
T = TypeVar("T")


def durable(svc: Services, kind: str) -> Callable[..., None]:
    """A Bolt listener that stores the request in the inbox (if one of its routes wants it) and only then
    acknowledges it: an ack is a promise; if the database can't take it, the error makes Slack send it again."""

    def listener(ack: Ack, body: dict, context: BoltContext) -> None:
        where = installation_of(body)
        svc.inbox.take(kind, body, team_id=where.team_id, enterprise_id=where.enterprise_id,
                       bot_user_id=where.bot_user_id or context.bot_user_id)
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


def answer(svc: Services, req: Request, message: dict) -> Callable[[], None]:
    """A task answering whoever clicked: privately where the click came from, or, for a click on the Home tab
    (which has no response_url), in their DM with the app."""
    if req.body.get("response_url"):
        return task(ephemeral, req.respond, message)
    return task(svc.client.chat_postMessage, channel=req.user_id, **message)


def sorry(respond: Respond) -> Callable[[BaseException], None]:
    """An `on_error` that tells the person something went wrong (the failure itself is logged)."""
    return lambda _e: ephemeral(respond, build_sorry())


def whisper(client: WebClient, *, channel: str, user: str, message: dict, thread_ts: str | None = None) -> None:
    """chat.postEphemeral, for answers to events (which carry no response_url)."""
    kwargs: dict[str, Any] = {"channel": channel, "user": user, **message}
    if thread_ts:
        kwargs["thread_ts"] = thread_ts
    client.chat_postEphemeral(**kwargs)


# --- Buttons -----------------------------------------------------------------------------------------------

Click = Callable[[Services, Session, Request, dict], Then]  # the rule, in the inbox's transaction → Slack calls


def clicked(body: dict) -> dict:
    """The action a block_actions payload carries."""
    return (body.get("actions") or [{}])[0]


def action_key(body: dict) -> str:
    """A click's identity: the same click redelivered or replayed carries the same trigger_id and action_ts."""
    action = clicked(body)
    team = installation_of(body).team_id
    return (f"action:{team}:{body.get('trigger_id')}:{action.get('action_id')}:{action.get('action_ts')}"
            if action.get("action_ts") or body.get("trigger_id") else f"action:{team}:{body_digest(body)}")


def button(app: App, svc: Services, pattern: str, click: Click,
           prepare: Callable[[Services, Request], Any] | None = None) -> None:
    """Clicks whose action_id matches `pattern`: stored before the ack, then `prepare` (Slack look-ups) and the
    rule in the inbox's transaction. A refusal changes nothing and is told to whoever clicked."""
    regex = re.compile(pattern)
    app.action(regex)(durable(svc, "action"))

    def apply(s: Session, req: Request, prepared: Any) -> Then:
        try:
            with s.begin_nested():
                note_partner(s, svc, req)
                if prepare is not None:  # what was looked up goes to the rule
                    return click(svc, s, req, clicked(req.body), prepared)  # type: ignore[call-arg]
                return click(svc, s, req, clicked(req.body))
        except Refusal as r:
            return [answer(svc, req, note(str(r)))]

    svc.inbox.route("action", key=action_key, matches=lambda body: bool(regex.match(clicked(body).get("action_id", ""))),
                    apply=apply, prepare=(lambda req: prepare(svc, req)) if prepare else None)


def note_partner(s: Session, svc: Services, req: Request) -> None:
    """Someone from another workspace (a partner organisation's, in a Slack Connect channel) who clicks: their
    workspace goes on their profile, so the export names it even if they only rate or vote."""
    team = actor_team_of(req.body)
    if team and req.user_id and team != req.team_id and req.team_id != req.enterprise_id:
        repo.save_user_teams(session=s, team_id=req.team_id, teams={req.user_id: team}, now=svc.clock())


# --- Forms -------------------------------------------------------------------------------------------------


class FormError(Exception):
    """What is wrong with one field of a form, shown under it."""

    def __init__(self, block: str, message: str):
        super().__init__(message)
        self.block, self.message = block, message


class _AlreadyHandled(Exception):
    """This very submission was stored before (Slack delivered it twice): roll back, and just ack."""


@dataclass(frozen=True)
class Form:
    """A submitted modal."""

    team_id: str
    user_id: str
    view: dict
    meta: dict  # its private_metadata
    user_team: str | None = None  # the submitter's own workspace (a partner's, in a Slack Connect channel)

    def value(self, block: str, action: str) -> str | None:
        field = self.view["state"]["values"].get(block, {}).get(action, {})
        if "selected_option" in field:
            return (field["selected_option"] or {}).get("value")
        for key in ("selected_user", "selected_date"):
            if key in field:
                return field[key]
        value = field.get("value")
        return clean(value) if isinstance(value, str) else value  # a form's JSON can carry NUL or a lone surrogate


def submitted(svc: Services, ack: Ack, form: Form, store: Callable[[Session], T], *, refusals_under: str) -> T | None:
    """A submission whose errors must travel in the ack (the one listener that works before acking): `store` runs
    in a transaction that also records the view id, so a submission delivered twice acts once. Acks, and returns
    what `store` returned (never None), or None when there is nothing more to do (refused, invalid, or handled
    before). A refusal is shown under the `refusals_under` block."""
    try:
        with svc.session() as s:
            result = store(s)
            if not first_time(s, f"view:{form.team_id}:{form.view.get('id')}", now=svc.clock()):
                raise _AlreadyHandled
    except _AlreadyHandled:
        ack()
        return None
    except FormError as e:
        ack(response_action="errors", errors={e.block: e.message})
        return None
    except Refusal as r:
        ack(response_action="errors", errors={refusals_under: plain_error(str(r))})
        return None
    ack()
    return result


def form(app: App, svc: Services, callback_id: str,
         handle: Callable[[Services, Ack, Form], None]) -> None:
    """A modal's submission listener: who submitted what, from which workspace, with its private_metadata."""

    @app.view(callback_id)
    def listener(ack: Ack, body: dict, view: dict) -> None:
        # The installation's workspace (view.app_installed_team_id), not the submitter's (team.id): in a Slack
        # Connect channel a partner's form is about our workshop.
        handle(svc, ack, Form(team_id=installation_of(body).team_id, user_id=body["user"]["id"], view=view,
                              meta=json.loads(view.get("private_metadata") or "{}"), user_team=actor_team_of(body)))

