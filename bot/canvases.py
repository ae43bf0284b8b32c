"""The map's canvas: which canvas shows a channel's workshop (its channel canvas, or a standalone one shared to
the channel where Slack won't make a channel canvas), and what the canvas says (bot/render/canvas.py, from the
one map model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.storage import canvases, repo
from bot.storage.models import Canvas
from bot.workshop.access import NO_WORKSHOP, Refusal

CHANNEL, STANDALONE = "channel", "standalone"
# What Slack answers conversations.canvases.create when a standalone canvas shared to the channel must do instead.
FALLBACK_ERRORS = {
    "channel_canvas_already_exists": "This channel already has a canvas",
    "team_tier_cannot_create_channel_canvases": "This workspace's Slack plan can't create channel canvases",
}


@dataclass(frozen=True)
class CanvasPlan:
    workshop_id: int
    canvas_id: str | None  # the channel's canvas, when it has one already (it now shows this workshop)
    kind: str | None


def plan_canvas(*, session: Session, team_id: str, channel_id: str) -> CanvasPlan:
    """`/journey canvas`: the channel's latest workshop, and the canvas that already shows the channel's map."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None:
        return CanvasPlan(ws.id, None, None)
    row.workshop_id = ws.id
    session.add(row)
    return CanvasPlan(ws.id, row.canvas_id, row.kind)


def record_canvas(*, session: Session, team_id: str, channel_id: str, canvas_id: str, kind: str, workshop_id: int,
                  user_id: str, now: datetime) -> None:
    """Remember the canvas Slack made (the first one recorded for a channel stays: it is the one people have)."""
    if canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id) is None:
        session.add(Canvas(team_id=team_id, channel_id=channel_id, canvas_id=canvas_id, kind=kind,
                           workshop_id=workshop_id, created_by=user_id, created_at=now))


def canvas_of_channel(*, session: Session, team_id: str, channel_id: str) -> tuple[str, int] | None:
    """(canvas id, workshop id) of the canvas that shows this channel's map, if there is one."""
    row = canvases.of_channel(session=session, team_id=team_id, channel_id=channel_id)
    return (row.canvas_id, row.workshop_id) if row else None
