"""The map's commands (vote, map, export) and the ballot's Vote buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import ids, voting
from bot.blocks import maps as b
from bot.blocks.messages import build_slack_failed
from bot.handlers.common import button, ephemeral, task
from bot.handlers.outbox import post_ballots
from bot.inbox import Request, Then
from bot.render.export import EXPORTERS, build_channel_export, export_filename
from bot.services import Services
from bot.slack import error_code, post_message, share_ts, upload_file

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest


def register(app: App, svc: Services) -> None:
    button(app, svc, f"^{ids.VOTE}$", _vote)


# --- Commands ----------------------------------------------------------------------------------------------


def vote(r: CommandRequest, cmd: a.Vote) -> None:
    pages = voting.open_vote(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                             votes=cmd.votes, now=r.svc.clock())
    r.later(post_ballots, r.svc, team_id=r.team_id, channel_id=r.channel_id, pages=pages, tell=r.tell)


def show_map(r: CommandRequest, cmd: a.Map) -> None:
    data = build_channel_export(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
    r.later(_post_map, r.svc, channel_id=r.channel_id, data=data, fmt=cmd.format, tell=r.tell)


def export(r: CommandRequest, cmd: a.Export) -> None:
    data = build_channel_export(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
    r.later(_upload, r.svc, channel_id=r.channel_id, data=data, fmt=cmd.format, tell=r.tell)


def with_names(svc: Services, data: dict) -> dict:
    """Outbox: the participants' names from Slack (users.info, cached; it answers for people from a partner
    organisation in a shared channel too). Someone Slack no longer knows (`user_not_found`) keeps their id."""
    for p in data.get("participants", []):
        user = svc.directory.user(p["user"]) or {}
        profile = user.get("profile") or {}
        p["name"] = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or None
    return data


def _post_map(svc: Services, *, channel_id: str, data: dict, fmt: str, tell) -> None:
    """Outbox: the picture, with a summary in its thread (if Slack hasn't shared the file yet, beside it)."""
    from bot.render.picture import render_map  # matplotlib loads on the first map, not at start-up

    picture = render_map(data, fmt)
    summary = b.build_map_summary(data, fmt)
    try:
        file_id = upload_file(svc.client, channel=channel_id, content=picture, filename=export_filename(data, fmt),
                              title=b.file_title(data), comment=summary["text"])
        thread = share_ts(svc.client, file_id=file_id, channel=channel_id)
        post_message(svc.client, channel=channel_id, **({"thread_ts": thread} if thread else {}), **summary)
    except SlackApiError as e:
        tell(build_slack_failed("post the map", error_code(e), retry=f"run `/journey map {fmt}` again"))


def _upload(svc: Services, *, channel_id: str, data: dict, fmt: str, tell) -> None:
    data = with_names(svc, data)
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
    return then


def _refresh_ballot(svc: Services, team_id: str, vote_message_id: int) -> None:
    """Show a ballot message's current tally (read now, so the last refresh shows the final count)."""
    with svc.session() as s:
        page = voting.ballot_page(session=s, team_id=team_id, vote_message_id=vote_message_id)
    svc.client.chat_update(channel=page.channel_id, ts=page.ts, **b.build_ballot(page))
