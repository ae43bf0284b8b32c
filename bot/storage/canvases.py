"""Queries on channel canvases (and their pinned-message fallbacks) and on the maps' latest pictures. Keyword-only,
take the session, and always filter by team_id."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.storage.models import Canvas, MapPicture


def of_channel(*, session: Session, team_id: str, channel_id: str) -> Canvas | None:
    return session.get(Canvas, (team_id, channel_id))


def of_workshop(*, session: Session, team_id: str, workshop_id: int) -> Canvas | None:
    return session.exec(select(Canvas).where(Canvas.team_id == team_id, Canvas.workshop_id == workshop_id)).first()


def picture(*, session: Session, team_id: str, workshop_id: int) -> MapPicture | None:
    return session.get(MapPicture, (team_id, workshop_id))
