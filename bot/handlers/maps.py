"""The map's commands (vote, map, export) and the ballot's Vote buttons."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import canvases, ids, journeymap, merges, voting
from bot.blocks import maps as b
from bot.blocks.messages import build_slack_failed
from bot.handlers.common import button, ephemeral, task
from bot.handlers.outbox import canvas_changed, create_canvas, post_ballots, refresh_canvas, store
from bot.inbox import Request, Then
from bot.journeymap import build_channel_map
from bot.render.export import EXPORTERS, export_filename
from bot.services import Services
from bot.slack import error_code, post_message, share_ts, upload_file
from bot.storage import repo
from bot.workshop import departments
from bot.workshop.access import NO_WORKSHOP, Refusal

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest

log = logging.getLogger(__name__)


def register(app: App, svc: Services) -> None:
    button(app, svc, f"^{ids.VOTE}$", _vote)
    button(app, svc, f"^({ids.VOTE_MERGE_FIRST}|{ids.VOTE_AS_IS})$", _vote_after_offer)
    button(app, svc, ids.EXPORT_FORMAT_PATTERN, _export_chosen, prepare=_names_for_click)


# --- Commands ----------------------------------------------------------------------------------------------


def vote(r: CommandRequest, cmd: a.Vote) -> None:
    """Near-duplicates nobody has merged split the votes for one problem: the facilitator is offered to merge them
    first (or to vote as is) before the ballot goes out."""
    ws = voting.workshop_to_vote_on(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id)
    alike = merges.near_duplicates(session=r.s, team_id=r.team_id, workshop_id=ws.id)
    if alike and not voting.has_round(session=r.s, team_id=r.team_id, workshop_id=ws.id):
        r.reply(b.build_merge_offer(alike, cmd.votes))
        return
    pages = voting.open_vote(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                             votes=cmd.votes, now=r.svc.clock())
    r.later(post_ballots, r.svc, team_id=r.team_id, channel_id=r.channel_id, pages=pages, tell=r.tell)


def _vote_after_offer(svc: Services, s: Session, req: Request, action: dict) -> Then:
    channel_id = (req.body.get("channel") or {}).get("id") or ""
    offer = json.loads(action.get("value") or "{}")
    merged = []
    if action.get("action_id") == ids.VOTE_MERGE_FIRST:
        for numbers in offer.get("merge", []):
            try:
                with s.begin_nested():
                    merged.append(merges.merge(session=s, team_id=req.team_id, channel_id=channel_id,
                                               user_id=req.user_id, numbers=tuple(numbers), statement="",
                                               now=svc.clock(), source="vote"))
            except Refusal:
                continue  # one changed since the offer (deleted, merged already): the rest still merge
    pages = voting.open_vote(session=s, team_id=req.team_id, channel_id=channel_id, user_id=req.user_id,
                             votes=int(offer.get("votes", 3)), now=svc.clock())
    tell = lambda message: ephemeral(req.respond, message)  # noqa: E731
    return [task(ephemeral, req.respond, b.build_merged_before_vote(merged), replace=True),
            task(post_ballots, svc, team_id=req.team_id, channel_id=channel_id, pages=pages, tell=tell)]


def merge(r: CommandRequest, cmd: a.Merge) -> None:
    done = merges.merge(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                        numbers=cmd.numbers, statement=cmd.statement, now=r.svc.clock())
    r.later(post_message, r.svc.client, channel=r.channel_id, on_error=r.sorry, **b.build_merged(done, r.user_id))
    r.then += map_changed(r.svc, r.s, r.team_id, done.workshop_id)


def unmerge(r: CommandRequest, cmd: a.Unmerge) -> None:
    split = merges.unmerge(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                           number=cmd.number)
    r.later(post_message, r.svc.client, channel=r.channel_id, on_error=r.sorry, **b.build_unmerged(split, r.user_id))
    r.then += map_changed(r.svc, r.s, r.team_id, split.workshop_id)


def prepare_names(r: CommandRequest, cmd: object) -> None:
    """Before a map or export: ask Slack for the names of the people it names that the bot doesn't know yet."""
    with r.svc.session() as s:
        ws = repo.latest_workshop(session=s, team_id=r.team_id, channel_id=r.channel_id)
        missing = departments.unnamed(session=s, team_id=r.team_id, user_ids=journeymap.people(
            session=s, team_id=r.team_id, workshop_id=ws.id)) if ws else []
    r.names = {u: departments.slack_name(r.svc.directory.user(u)) for u in missing}


def _named_map(r: CommandRequest) -> dict:
    departments.remember_names(session=r.s, team_id=r.team_id, names=r.names, now=r.svc.clock())
    return build_channel_map(session=r.s, team_id=r.team_id, channel_id=r.channel_id)


def show_map(r: CommandRequest, cmd: a.Map) -> None:
    """The picture and its summary; the first time a channel's map is drawn, its canvas too (unless `nocanvas`
    or CANVAS_WITH_FIRST_MAP=false), made once the picture is posted so it links to it."""
    data = _named_map(r)
    if cmd.view == "opportunities":  # the value/effort 2×2
        from bot.handlers.opportunities import post_quadrant

        r.later(post_quadrant, r.svc, channel_id=r.channel_id, data=data, fmt=cmd.format, tell=r.tell)
        return
    make_canvas = (cmd.canvas and r.svc.settings.canvas_with_first_map and canvases.claim_first(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, workshop_id=data["workshop"]["id"],
        user_id=r.user_id, now=r.svc.clock()))
    r.later(_post_map, r.svc, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, data=data,
            fmt=cmd.format, layout=cmd.layout, tell=r.tell, make_canvas=make_canvas)


def canvas(r: CommandRequest, cmd: a.Canvas) -> None:
    """The channel's canvas shows its latest workshop's map: made now, or (made before) brought up to date."""
    _named_map(r)  # the names Slack gave people, remembered for the canvas
    plan = canvases.plan_canvas(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                now=r.svc.clock())
    if plan.making:
        r.reply(b.build_canvas_making())
    elif not plan.make:
        r.reply(b.build_canvas_updated())
        r.then += canvas_changed(r.svc, r.team_id, r.channel_id)
    else:
        r.later(create_canvas, r.svc, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                workshop_id=plan.workshop_id, tell=r.tell)


def export(r: CommandRequest, cmd: a.Export) -> None:
    if cmd.format is None:  # ask which, privately: nothing lands in the channel by surprise
        repo_ws = repo.latest_workshop(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
        if repo_ws is None:
            raise Refusal(NO_WORKSHOP)
        r.reply(b.build_export_choice())
        return
    data = _named_map(r)
    r.later(_upload, r.svc, channel_id=r.channel_id, data=data, fmt=cmd.format, tell=r.tell)


def _names_for_click(svc: Services, req: Request) -> dict[str, str | None]:
    channel_id = (req.body.get("channel") or {}).get("id") or ""
    with svc.session() as s:
        ws = repo.latest_workshop(session=s, team_id=req.team_id, channel_id=channel_id)
        missing = departments.unnamed(session=s, team_id=req.team_id, user_ids=journeymap.people(
            session=s, team_id=req.team_id, workshop_id=ws.id)) if ws else []
    return {u: departments.slack_name(svc.directory.user(u)) for u in missing}


def _export_chosen(svc: Services, s: Session, req: Request, action: dict, names: dict | None = None) -> Then:
    channel_id = (req.body.get("channel") or {}).get("id") or ""
    fmt = action["action_id"].removeprefix(ids.EXPORT_FORMAT + "_")
    departments.remember_names(session=s, team_id=req.team_id, names=names or {}, now=svc.clock())
    data = build_channel_map(session=s, team_id=req.team_id, channel_id=channel_id)
    tell = lambda message: ephemeral(req.respond, message)  # noqa: E731
    return [task(ephemeral, req.respond, b.build_exporting(fmt), replace=True),
            task(_upload, svc, channel_id=channel_id, data=data, fmt=fmt, tell=tell)]


def _post_map(svc: Services, *, team_id: str, channel_id: str, user_id: str, data: dict, fmt: str, layout: str,
              tell, make_canvas: bool = False) -> None:
    """Outbox: the picture, with a summary in its thread (if Slack hasn't shared the file yet, beside it). Its
    permalink is remembered for the canvas, which is then made (the channel's first map) or brought up to date."""
    from bot.render.picture import render_map  # matplotlib loads on the first map, not at start-up

    picture = render_map(data, fmt, layout)
    summary = b.build_map_summary(data, fmt)
    link = None
    try:
        file_id = upload_file(svc.client, channel=channel_id, content=picture, filename=export_filename(data, fmt),
                              title=b.file_title(data), comment=summary["text"])
        thread = share_ts(svc.client, file_id=file_id, channel=channel_id)
        summary_ts = post_message(svc.client, channel=channel_id, **({"thread_ts": thread} if thread else {}),
                                  **summary)
        link = _permalink(svc, channel_id, thread or summary_ts)
    except SlackApiError as e:
        tell(build_slack_failed("post the map", error_code(e), retry=f"run `/journey map {fmt}` again"))
    workshop_id = data["workshop"]["id"]
    if make_canvas:
        then = lambda: create_canvas(svc, team_id=team_id, channel_id=channel_id, user_id=user_id,  # noqa: E731
                                     workshop_id=workshop_id, tell=tell, first_map=True)
    else:
        then = lambda: refresh_canvas(svc, team_id, channel_id)  # noqa: E731
    if link is None:
        then()
        return
    store(svc, canvases.record_picture, team_id=team_id, workshop_id=workshop_id, channel_id=channel_id,
          ts=link[0], permalink=link[1], now=svc.clock(), then=then)


def _permalink(svc: Services, channel_id: str, ts: str) -> tuple[str, str] | None:
    """(ts, permalink) of the message that shows the picture, or None if Slack won't say (the canvas then
    keeps linking to the previous picture)."""
    try:
        return ts, svc.client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
    except SlackApiError as e:
        log.warning("chat.getPermalink failed: %s", error_code(e))
        return None


def _upload(svc: Services, *, channel_id: str, data: dict, fmt: str, tell) -> None:
    try:
        upload_file(svc.client, channel=channel_id, content=EXPORTERS[fmt](data), filename=export_filename(data, fmt),
                    title=b.file_title(data), comment=b.build_export_comment(data["workshop"]["title"], fmt))
    except SlackApiError as e:
        tell(build_slack_failed("upload the export", error_code(e), retry=f"run `/journey export {fmt}` again"))


# --- The Vote buttons --------------------------------------------------------------------------------------


def _vote(svc: Services, s: Session, req: Request, action: dict) -> Then:
    outcome = voting.cast_vote(session=s, team_id=req.team_id, user_id=req.user_id,
                               item_id=int(action.get("value", 0)), now=svc.clock())
    then = [task(ephemeral, req.respond, b.build_voted(outcome))]
    for page_id in outcome.pages_to_refresh:
        then.append(task(svc.refreshes.submit, ("ballot", page_id), _refresh_ballot, svc, req.team_id, page_id))
    return then + canvas_changed(svc, req.team_id, (req.body.get("channel") or {}).get("id"))


def map_changed(svc: Services, s: Session, team_id: str, workshop_id: int) -> Then:
    """After pain points were merged or split: the posted ballots and the canvas show the map as it is now."""
    ws = repo.workshop(session=s, team_id=team_id, workshop_id=workshop_id)
    return [task(svc.refreshes.submit, ("ballot", m.id), _refresh_ballot, svc, team_id, m.id)
            for m in voting.posted_ballots(session=s, team_id=team_id, workshop_id=workshop_id)] + canvas_changed(
        svc, team_id, ws.channel_id if ws else None)


def _refresh_ballot(svc: Services, team_id: str, vote_message_id: int) -> None:
    """Show a ballot message's current tally (read now, so the last refresh shows the final count)."""
    with svc.session() as s:
        page = voting.ballot_page(session=s, team_id=team_id, vote_message_id=vote_message_id)
    svc.client.chat_update(channel=page.channel_id, ts=page.ts, **b.build_ballot(page))
