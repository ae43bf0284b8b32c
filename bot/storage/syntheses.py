"""Queries on stored syntheses. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.storage.models import Synthesis


def synthesis(*, session: Session, team_id: str, synthesis_id: int) -> Synthesis | None:
    return session.exec(select(Synthesis).where(Synthesis.team_id == team_id, Synthesis.id == synthesis_id)).first()


def latest(*, session: Session, team_id: str, workshop_id: int) -> Synthesis | None:
    return session.exec(select(Synthesis).where(Synthesis.team_id == team_id, Synthesis.workshop_id == workshop_id)
                        .order_by(Synthesis.id.desc())).first()
