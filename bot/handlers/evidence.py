""""Add to journey map": the message shortcut (stored in the inbox before its ack, like every request) and the
form it opens; the rules are bot/evidence.py.

The shortcut's trigger_id lasts 3 seconds, and finding where a message may go takes Slack look-ups (its permalink,
who may see its conversation and each workshop's), so the form opens at once with a "looking up" view, and the
look-ups then fill it in (views.update). The submission is checked again (people may have joined a channel
meanwhile) before the ack, like every form whose errors travel in the ack."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import evidence, ids
from bot import text as t
from bot.blocks import evidence as b
from bot.blocks.kit import plain_error
from bot.handlers.common import Form, FormError, body_digest, durable, ephemeral, form, submitted, task
from bot.handlers.home import refresh_home
from bot.handlers.outbox import refresh_canvas
from bot.inbox import Request, Then
from bot.journeymap import QUOTED
from bot.services import Services
from bot.slack import error_code
from bot.storage import repo
from bot.workshop import departments
from bot.workspace import installation_of

log = logging.getLogger(__name__)
FIELDS = {"text": ids.ADD_TO_MAP_TEXT_BLOCK, "workshop": ids.ADD_TO_MAP_WORKSHOP_BLOCK,
          "kind": ids.ADD_TO_MAP_KIND_BLOCK, "stage": ids.ADD_TO_MAP_STAGE_BLOCK, "pain": ids.ADD_TO_MAP_PAIN_BLOCK}
MAX_NAMED = 20  # mentions in a message turned into names for the form
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def is_shortcut(body: dict) -> bool:
    return body.get("type") == "message_action" and body.get("callback_id") == ids.ADD_TO_MAP_SHORTCUT


def shortcut_key(body: dict) -> str:
    """A shortcut's identity: its trigger_id is unique per use, so a redelivery or replay is one request."""
    team = installation_of(body).team_id
    return f"shortcut:{team}:{body['trigger_id']}" if body.get("trigger_id") else f"shortcut:{team}:{body_digest(body)}"


def register(app: App, svc: Services) -> None:
    app.shortcut(ids.ADD_TO_MAP_SHORTCUT)(durable(svc, "shortcut"))  # Socket Mode; over HTTP the front door stores it
    svc.inbox.route("shortcut", key=shortcut_key, matches=is_shortcut, apply=lambda s, req, _ready: _used(svc, s, req))
    form(app, svc, ids.ADD_TO_MAP_VIEW, _submitted)


def _used(svc: Services, _s: Session, req: Request) -> Then:
    """Open the form right away (the trigger expires in 3 seconds); the look-ups fill it in after."""
    return [task(open_form, svc, req)]


# --- The form --------------------------------------------------------------------------------------------------


def open_form(svc: Services, req: Request) -> None:
    body = req.body
    try:
        opened = svc.client.views_open(trigger_id=body.get("trigger_id"), view=b.build_loading())["view"]
    except SlackApiError as e:
        log.warning("views.open for Add to journey map failed: %s", error_code(e))
        if body.get("response_url"):
            ephemeral(req.respond, b.build_form_failed(error_code(e)))
        return
    view = _form(svc, req)
    try:
        svc.client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as e:  # the person closed it meanwhile: nothing to do
        log.warning("views.update for Add to journey map failed: %s", error_code(e))


def _form(svc: Services, req: Request) -> dict:
    """The form for this message and person, or why nothing can be filed from it (Slack look-ups, then reads)."""
    body, user = req.body, req.user_id or ""
    message = body.get("message") or {}
    channel_id = (body.get("channel") or {}).get("id") or ""
    source = evidence.Source(channel_id, message.get("ts") or body.get("message_ts") or "",
                             evidence.author_of(message))
    try:
        permalink = svc.client.chat_getPermalink(channel=channel_id, message_ts=source.ts)["permalink"]
        source = evidence.Source(source.channel_id, source.ts, source.author, evidence.link(permalink))
    except SlackApiError as e:
        source = evidence.Source(source.channel_id, source.ts, source.author, None, error_code(e))
    with svc.session() as s:
        ready, waiting = evidence.candidates(session=s, team_id=req.team_id, user_id=user, channel_id=channel_id)
        waiting_names = [(w.id, w.title) for w in waiting]
    offered, refusals = [], []
    for ws in ready:
        if len(offered) >= evidence.MAX_OFFERED:
            break
        if ws.channel_id != channel_id and not svc.directory.can_see(ws.channel_id, user):
            continue  # a workshop they may not see isn't mentioned at all
        reason = _refused(svc, source.channel_id, ws.channel_id)
        (refusals.append(reason) if reason else offered.append(ws))
    if not offered:
        if refusals:
            return b.build_nothing_to_file(refusals[0])
        return b.build_nothing_to_file("waiting" if waiting_names else "none", waiting=waiting_names)
    with svc.session() as s:
        choices = evidence.choices(session=s, team_id=req.team_id, workshops=offered)
    here = next((w.id for w in offered if w.channel_id == channel_id), None)
    return b.build_form(choices=choices, source=source, text=_prefill(svc, message), channel_workshop=here,
                        not_offered=len(refusals), response_url=body.get("response_url"))


def _refused(svc: Services, source_channel: str, target_channel: str) -> str | None:
    """Why a message of one conversation may not go on a map of another (Slack look-ups; see bot/evidence.py)."""
    if source_channel == target_channel:
        return None
    return evidence.copy_refused(svc.directory.audience(source_channel), svc.directory.audience(target_channel),
                                 same=False, in_workspace=svc.directory.is_member_of_workspace,
                                 ignore=[u for u in (svc.directory.bot_user(),) if u])


def _prefill(svc: Services, message: dict) -> str:
    """The message's text for the form, as people read it: mentions as names, links with their address, nothing
    that could ping anyone (a plain_text input shows it as typed anyway)."""
    text = t.message_text(message)
    for user in list(dict.fromkeys(_MENTION.findall(text)))[:MAX_NAMED]:
        name = departments.slack_name(svc.directory.user(user))
        if name:
            text = text.replace(f"<@{user}>", f"<@{user}|{name}>")
    return t.plain(text).strip()


# --- The submission --------------------------------------------------------------------------------------------


def _value(f: Form, block: str, action: str) -> tuple[int, int] | None:
    """A "<workshop id>:<id or number>" option's two numbers."""
    raw = f.value(block, action) or ""
    left, _, right = raw.partition(":")
    return (int(left), int(right)) if left.isdigit() and right.isdigit() else None


def _submitted(svc: Services, ack: Ack, f: Form) -> None:
    source = evidence.Source.from_meta(f.meta.get("src") or {})
    raw_ws = f.value(ids.ADD_TO_MAP_WORKSHOP_BLOCK, ids.ADD_TO_MAP_WORKSHOP_INPUT) or ""
    if not raw_ws.isdigit() or int(raw_ws) not in (f.meta.get("ws") or []):
        ack(response_action="errors", errors={ids.ADD_TO_MAP_WORKSHOP_BLOCK: "Pick one of the workshops offered."})
        return
    workshop_id = int(raw_ws)
    stage, pain = (_value(f, ids.ADD_TO_MAP_STAGE_BLOCK, ids.ADD_TO_MAP_STAGE_INPUT),
                   _value(f, ids.ADD_TO_MAP_PAIN_BLOCK, ids.ADD_TO_MAP_PAIN_INPUT))
    kind = f.value(ids.ADD_TO_MAP_KIND_BLOCK, ids.ADD_TO_MAP_KIND_INPUT) or ""
    uses_stage = kind in evidence.ITEM_KINDS or (kind == "quote" and pain is None)
    if stage is not None and stage[0] != workshop_id and uses_stage:
        ack(response_action="errors", errors={ids.ADD_TO_MAP_STAGE_BLOCK: "That stage is in another workshop than "
                                                                          "the one you chose."})
        return
    if pain is not None and pain[0] != workshop_id and kind in QUOTED:
        ack(response_action="errors", errors={ids.ADD_TO_MAP_PAIN_BLOCK: "That pain point is in another workshop "
                                                                         "than the one you chose."})
        return
    # Checked again now: people may have joined the workshop's conversation since the form opened.
    with svc.session() as s:
        ws = repo.workshop(session=s, team_id=f.team_id, workshop_id=workshop_id)
    if ws is None or not svc.directory.can_see(ws.channel_id, f.user_id):
        ack(response_action="errors", errors={ids.ADD_TO_MAP_WORKSHOP_BLOCK: "You can't see that workshop (any "
                                                                             "more). Nothing was filed."})
        return
    reason = _refused(svc, source.channel_id, ws.channel_id)
    if reason:
        ack(response_action="errors", errors={ids.ADD_TO_MAP_WORKSHOP_BLOCK: b.WHY_NOT_HERE[reason]})
        return
    person = source.author if (source.author or "").startswith(("U", "W")) else None
    svc.warm(person, f.user_id)  # their names, for the map

    def store(s: Session) -> evidence.Filed:
        try:
            filed = evidence.file(
                session=s, team_id=f.team_id, user_id=f.user_id, workshop_id=workshop_id, kind=kind,
                text=f.value(ids.ADD_TO_MAP_TEXT_BLOCK, ids.ADD_TO_MAP_TEXT_INPUT) or "",
                stage_id=stage[1] if stage else None, pain_number=pain[1] if pain else None, source=source,
                now=svc.clock())
        except evidence.Unfiled as u:
            raise FormError(FIELDS[u.field], plain_error(str(u))) from None
        cached = svc.directory.cache_only()
        departments.remember_names(session=s, team_id=f.team_id, now=svc.clock(), names={
            u: departments.slack_name(cached.user(u)) for u in (person, f.user_id) if u})
        return filed

    filed = submitted(svc, ack, f, store, refusals_under=ids.ADD_TO_MAP_WORKSHOP_BLOCK)
    if filed is None:
        return
    svc.outbox.submit(_confirm, svc, f.meta.get("ru"), f.user_id, b.build_filed(filed))
    refresh_canvas(svc, f.team_id, filed.channel_id)
    refresh_home(svc, f.team_id, f.user_id)


def _confirm(svc: Services, response_url: str | None, user_id: str, message: dict) -> None:
    """Where they used the shortcut, only to them (its response_url lasts 30 minutes); else in their DM."""
    if response_url:
        from slack_bolt import Respond

        answer = Respond(response_url=response_url)(response_type="ephemeral", replace_original=False, **message)
        if getattr(answer, "status_code", 200) == 200:
            return
    svc.client.chat_postMessage(channel=user_id, **message)
