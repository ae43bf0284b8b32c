"""Opportunities: `/journey opportunities` (the ranked list, each with a Rate button), `/journey opportunity <#>
value … effort … owner …`, the Rate button and its form, and `/journey map opportunities` (the 2×2 picture).

Every change goes through the inbox (the command and the click) or a form acting once per view, so a
redelivered request changes nothing twice; after the commit the canvas follows and a new owner is told."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import ids, journeymap
from bot import opportunities as rules
from bot.blocks import limits
from bot.blocks import opportunities as b
from bot.blocks.messages import build_slack_failed
from bot.handlers.common import Form, FormError, button, form, sorry, submitted, task
from bot.handlers.maps import prepare_names
from bot.handlers.outbox import canvas_changed
from bot.inbox import Request, Then
from bot.journeymap import build_channel_map, build_map
from bot.render.export import export_filename
from bot.services import Services
from bot.slack import error_code, post_message, share_ts, upload_file
from bot.workshop import departments

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest

log = logging.getLogger(__name__)


def register(app: App, svc: Services) -> None:
    button(app, svc, f"^{ids.OPPORTUNITY_RATE}$", _rate_clicked)
    form(app, svc, ids.OPPORTUNITY_VIEW, _rating_form)


# --- Commands ----------------------------------------------------------------------------------------------


def prepare(r: CommandRequest, cmd: a.Opportunities) -> None:
    """Names of the people the list names, and of a new owner, asked of Slack before the transaction."""
    prepare_names(r, cmd)
    if cmd.owner and cmd.owner not in r.names:
        r.names[cmd.owner] = departments.slack_name(r.svc.directory.user(cmd.owner))


def _change(cmd: a.Opportunities, name: str) -> object:
    given = getattr(cmd, name)
    return given if given is not None else (None if name in cmd.clear else rules.KEEP)


def opportunities(r: CommandRequest, cmd: a.Opportunities) -> None:
    departments.remember_names(session=r.s, team_id=r.team_id, names=r.names, now=r.svc.clock())
    if cmd.number is None:
        rules.number_waiting(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
        r.reply(b.build_opportunities_list(build_channel_map(session=r.s, team_id=r.team_id, channel_id=r.channel_id),
                                           viewer=r.user_id))
        return
    view = rules.find(session=r.s, team_id=r.team_id, channel_id=r.channel_id, number=cmd.number)
    if not cmd.changes:  # just that one, with its Rate button
        data = build_map(session=r.s, team_id=r.team_id, workshop_id=view.workshop_id)
        r.reply(b.build_opportunities_list(data, viewer=r.user_id, only=view.item_id))
        return
    rated = rules.rate(session=r.s, team_id=r.team_id, user_id=r.user_id, view=view, now=r.svc.clock(),
                       **{name: _change(cmd, name) for name in rules.FIELDS})
    r.reply(_told(r.s, r.team_id, rated))
    r.then += _after(r.svc, r.team_id, rated, r.user_id)


def _told(s: Session, team_id: str, rated: rules.Rated) -> dict:
    """What the person who changed it hears, with where it ranks now (read from the map as it now is)."""
    data = build_map(session=s, team_id=team_id, workshop_id=rated.view.workshop_id)
    ranked = journeymap.ranked_opportunities(data)
    rank = next((o["rank"] for o, _ in ranked if o["id"] == rated.view.item_id), None)
    return b.build_rated(rated, rank, sum(1 for o, _ in ranked if o["rank"] is not None))


def _after(svc: Services, team_id: str, rated: rules.Rated, by: str) -> Then:
    """After a change is committed: the canvas follows; someone newly made owner by another is told by DM."""
    then = canvas_changed(svc, team_id, rated.view.channel_id) if rated.changed else []
    owner = rated.view.owner
    if "owner" in rated.changed and owner and owner != by:
        then.append(task(_tell_owner, svc, owner, b.build_owner_told(rated, by)))
    return then


def _tell_owner(svc: Services, owner: str, message: dict) -> None:
    try:
        svc.client.chat_postMessage(channel=owner, **message)
    except SlackApiError as e:  # the rating is kept; only the note didn't arrive (say, a partner Slack won't DM)
        log.warning("telling an opportunity's new owner failed: %s", error_code(e))


# --- The Rate button and its form --------------------------------------------------------------------------


def _rate_clicked(svc: Services, s: Session, req: Request, action: dict) -> Then:
    """The form, for a facilitator or the opportunity's owner; anyone else is told who may."""
    view = rules.get(session=s, team_id=req.team_id, item_id=int(action.get("value") or 0))
    rules.require_may_change(session=s, team_id=req.team_id, view=view, user_id=req.user_id)
    modal = b.build_rating_modal(view, response_url=req.body.get("response_url"))
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=modal, on_error=sorry(req.respond))]


def _scale(f: Form, block: str, action: str) -> int | None:
    raw = f.value(block, action)
    if raw in (None, "", "none"):
        return None
    if not raw.isdigit() or int(raw) not in rules.SCALE:
        raise FormError(block, "Pick 1 to 5, or not rated.")
    return int(raw)


def _rating_form(svc: Services, ack: Ack, f: Form) -> None:
    try:
        value = _scale(f, ids.OPPORTUNITY_VALUE_BLOCK, ids.OPPORTUNITY_VALUE_INPUT)
        effort = _scale(f, ids.OPPORTUNITY_EFFORT_BLOCK, ids.OPPORTUNITY_EFFORT_INPUT)
    except FormError as e:
        ack(response_action="errors", errors={e.block: e.message})
        return
    owner = f.value(ids.OPPORTUNITY_OWNER_BLOCK, ids.OPPORTUNITY_OWNER_INPUT) or None

    def store(s: Session) -> tuple[rules.Rated, dict]:
        view = rules.get(session=s, team_id=f.team_id, item_id=int(f.meta.get("item_id") or 0))
        rated = rules.rate(session=s, team_id=f.team_id, user_id=f.user_id, view=view, now=svc.clock(),
                           value=value, effort=effort, owner=owner)
        return rated, _told(s, f.team_id, rated)

    stored = submitted(svc, ack, f, store, refusals_under=ids.OPPORTUNITY_VALUE_BLOCK)
    if stored is None:
        return
    rated, told = stored
    for run in _after(svc, f.team_id, rated, f.user_id):
        svc.outbox.submit(run)
    url = f.meta.get("response_url")
    if url:  # the list the Rate button was on shows the new ranking, with a line on what changed
        svc.outbox.submit(_show_again, svc, f.team_id, rated.view.workshop_id, f.user_id, url, told)


def _show_again(svc: Services, team_id: str, workshop_id: int, user_id: str, url: str, told: dict) -> None:
    with svc.session() as s:  # read when it runs: the ranking as it is now
        data = build_map(session=s, team_id=team_id, workshop_id=workshop_id)
    listing = b.build_opportunities_list(data, viewer=user_id)
    listing["blocks"] = (told["blocks"] + listing["blocks"])[: limits.MESSAGE_BLOCKS]
    # A response_url lasts 30 minutes: after that Slack refuses, and the old list stays as it was.
    Respond(response_url=url)(response_type="ephemeral", replace_original=True, **listing)


# --- The 2×2 picture ---------------------------------------------------------------------------------------


def post_quadrant(svc: Services, *, channel_id: str, data: dict, fmt: str, tell) -> None:
    """Outbox: the value/effort 2×2, uploaded like the map's picture, with the ranking in its thread."""
    from bot.render.opportunities import render_opportunities  # matplotlib loads on first use

    picture = render_opportunities(data, fmt)
    summary = b.build_quadrant_summary(data)
    try:
        file_id = upload_file(svc.client, channel=channel_id, content=picture,
                              filename=export_filename(data, fmt).removesuffix(f".{fmt}") + f"-opportunities.{fmt}", title=b.file_title(data),
                              comment=summary["text"])
        thread = share_ts(svc.client, file_id=file_id, channel=channel_id)
        post_message(svc.client, channel=channel_id, **({"thread_ts": thread} if thread else {}), **summary)
    except SlackApiError as e:
        tell(build_slack_failed("post the opportunities' 2×2", error_code(e),
                                retry=f"run `/journey map opportunities{' svg' if fmt == 'svg' else ''}` again"))

