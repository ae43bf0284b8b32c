"""The map's canvas: what shows a channel's workshop map and is kept current (its channel canvas; where Slack won't
make one, a standalone canvas shared to the channel; where no canvas can be made at all, a message pinned in the
channel), its life (making → live → stopped, once, when Slack says it's gone), and what it says besides the map
(the latest picture, the current step). The canvas markdown is bot/render/canvas.py, from the one map model; the
Slack calls are bot/handlers/outbox.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.storage import canvases, repo
from bot.storage.models import Canvas, MapPicture
from bot.workshop.access import NO_WORKSHOP, Refusal
from bot.workshop.status import step_label

CHANNEL, STANDALONE, MESSAGE = "channel", "standalone", "message"
MAKING, LIVE, STOPPED = "making", "live", "stopped"
# A request that claimed the channel's canvas and never finished (its process died while Slack was asked): after
# this long another request may make it.
MAKING_PATIENCE = timedelta(minutes=5)

# What Slack answers, and what the bot does then (docs.slack.dev: conversations.canvases.create, canvases.create,
# canvases.edit). conversations.canvases.create refused, a standalone canvas shared to the channel may still do:
STANDALONE_INSTEAD = {
    "channel_canvas_already_exists": "This channel already has a canvas",
    "team_tier_cannot_create_channel_canvases": "This workspace's Slack plan can't create channel canvases",
    "free_team_canvas_tab_already_exists": "This channel already has the one canvas tab a free Slack plan allows",
    "restricted_action": "Slack doesn't let the bot make this channel's canvas",
}
# No canvas can be made at all: the map goes in a message pinned to the channel instead.
NO_CANVASES = {
    "canvas_disabled_user_team": "Canvases are turned off in this workspace",
    "free_teams_cannot_create_standalone_canvases": "A free Slack plan can't make a canvas of its own for the map",
    "free_teams_cannot_create_non_tabbed_canvases": "A free Slack plan can't make a canvas of its own for the map",
    "free_team_canvas_tab_already_exists": "This channel already has the one canvas tab a free Slack plan allows",
    "restricted_action": "Slack doesn't let the bot make canvases here",
}
# canvases.edit (or, for the pinned message, chat.update) answers these when what showed the map is gone or can no
# longer be edited: the facilitators are told once and edits stop. Other errors (canvas_editing_failed…) are
# logged and the next change tries again.
GONE = {
    "canvas_not_found": "the canvas was deleted (or the bot can no longer see it)",
    "canvas_deleted": "the canvas was deleted",
    "canvas_disabled_user_team": "canvases were turned off in this workspace",
    "free_teams_cannot_edit_standalone_canvases": "a free Slack plan can't edit a canvas of its own",
    "restricted_action": "Slack no longer lets the bot edit it",
    "message_not_found": "the pinned message was deleted",
    "channel_not_found": "the bot can no longer see the channel",
    "is_archived": "the channel was archived",
}


@dataclass(frozen=True)
class CanvasPlan:
    workshop_id: int
    make: bool  # this request is to make it (the claim is taken: record_canvas or release_claim follow)
    making: bool = False  # another request is making it right now


@dataclass(frozen=True)
class Shown:
    """What shows a channel's map now, as the edit needs it."""

    kind: str
    canvas_id: str
    message_ts: str | None
    workshop_id: int
    shown: str | None  # digest of what it last received


@dataclass(frozen=True)
class Extras:
    """What the canvas says besides the map model: where the latest picture is, and where the workshop is."""

    picture: str | None  # the permalink of the latest picture posted
    picture_posted: datetime | None
    step: str | None  # the open step ("Stage 2 of 5: Consideration"), None once the walk is done or closed


def _claim(session: Session, row: Canvas | None, *, team_id: str, channel_id: str, workshop_id: int, user_id: str,
           now: datetime) -> None:
    if row is None:
        row = Canvas(team_id=team_id, channel_id=channel_id, canvas_id="", kind="", workshop_id=workshop_id,
                     created_by=user_id, created_at=now)
    row.status, row.canvas_id, row.kind, row.message_ts, row.shown, row.stopped_reason = MAKING, "", "", None, None, None
    row.workshop_id, row.created_by, row.created_at = workshop_id, user_id, now
    session.add(row)


def plan_canvas(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> CanvasPlan:
    """`/journey canvas`: the channel's latest workshop goes on the channel's canvas, made now (the claim is
    taken in this transaction, so two requests never make two), or already there and brought up to date. One
    that stopped (deleted, canvases turned off) is made again."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is not None and row.status == MAKING and row.created_at > now - MAKING_PATIENCE:
        return CanvasPlan(ws.id, make=False, making=True)
    if row is None or row.status != LIVE:
        _claim(session, row, team_id=team_id, channel_id=channel_id, workshop_id=ws.id, user_id=user_id, now=now)
        return CanvasPlan(ws.id, make=True)
    row.workshop_id = ws.id
    session.add(row)
    return CanvasPlan(ws.id, make=False)


def claim_first(*, session: Session, team_id: str, channel_id: str, workshop_id: int, user_id: str,
                now: datetime) -> bool:
    """`/journey map`: the first time a channel's map is drawn, it gets its canvas too (True: this request makes
    it). Never again after that, even if that canvas was deleted since: people may have meant to."""
    if canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id) is not None:
        return False
    _claim(session, None, team_id=team_id, channel_id=channel_id, workshop_id=workshop_id, user_id=user_id, now=now)
    return True


def record_canvas(*, session: Session, team_id: str, channel_id: str, canvas_id: str, kind: str, workshop_id: int,
                  user_id: str, now: datetime, message_ts: str | None = None) -> None:
    """Remember what Slack made. A live one recorded before stays: it is the one people have."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is not None and row.status == LIVE:
        return
    if row is None:
        row = Canvas(team_id=team_id, channel_id=channel_id, canvas_id=canvas_id, kind=kind, workshop_id=workshop_id,
                     created_by=user_id, created_at=now)
    row.canvas_id, row.kind, row.message_ts, row.status = canvas_id, kind, message_ts, LIVE
    row.workshop_id, row.created_by, row.created_at, row.stopped_reason = workshop_id, user_id, now, None
    session.add(row)


def release_claim(*, session: Session, team_id: str, channel_id: str) -> None:
    """Slack made nothing: the next request may try again (a stopped one stays stopped until then)."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is not None and row.status == MAKING:
        session.delete(row)


def shown_in(*, session: Session, team_id: str, channel_id: str) -> Shown | None:
    """What shows this channel's map and is kept current, if anything is."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None or row.status != LIVE:
        return None
    return Shown(row.kind, row.canvas_id, row.message_ts, row.workshop_id, row.shown)


def canvas_of_channel(*, session: Session, team_id: str, channel_id: str) -> tuple[str, int] | None:
    """(canvas id, workshop id) of the canvas kept current for this channel, if there is one."""
    shown = shown_in(session=session, team_id=team_id, channel_id=channel_id)
    return (shown.canvas_id, shown.workshop_id) if shown and shown.kind != MESSAGE else None


def record_shown(*, session: Session, team_id: str, channel_id: str, target: str, digest: str) -> None:
    """What the canvas (or message) `target` received last, so an edit that would change nothing isn't sent."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is not None and row.status == LIVE and target in (row.canvas_id, row.message_ts):
        row.shown = digest
        session.add(row)


def stop(*, session: Session, team_id: str, channel_id: str, target: str, reason: str) -> list[str]:
    """Slack says what showed the map is gone: stop editing it. Returns whom to tell (the workshop's facilitators)
    the first time only, so they hear it once however many edits failed."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None or row.status != LIVE or target not in (row.canvas_id, row.message_ts):
        return []
    row.status, row.stopped_reason = STOPPED, reason
    session.add(row)
    return repo.facilitators(session=session, team_id=team_id, workshop_id=row.workshop_id) or [row.created_by]


def record_picture(*, session: Session, team_id: str, workshop_id: int, channel_id: str, ts: str, permalink: str,
                   now: datetime) -> None:
    """The map's latest picture, posted in Slack: its canvas links to it."""
    row = canvases.picture(session=session, team_id=team_id, workshop_id=workshop_id)
    if row is None:
        row = MapPicture(team_id=team_id, workshop_id=workshop_id, channel_id=channel_id, ts=ts, permalink=permalink,
                         posted_at=now)
    row.channel_id, row.ts, row.permalink, row.posted_at = channel_id, ts, permalink, now
    session.add(row)


def extras(*, session: Session, team_id: str, workshop_id: int) -> Extras:
    picture = canvases.picture(session=session, team_id=team_id, workshop_id=workshop_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    step = (repo.current_step(session=session, team_id=team_id, workshop_id=workshop_id)
            if ws is not None and ws.status == "open" else None)
    label = None
    if step is not None:
        stages = repo.stages(session=session, team_id=team_id, workshop_id=workshop_id)
        label = step_label(step, next((s for s in stages if s.id == step.stage_id), None), len(stages))
    return Extras(picture.permalink if picture else None, picture.posted_at if picture else None, label)
