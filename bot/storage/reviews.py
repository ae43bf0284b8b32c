"""Queries on map reviews (their pages, re-ratings and answers about pain points) and on stage metrics.
Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from bot.storage.models import Metric, Review, ReviewMark, ReviewMessage, ReviewRating


def review(*, session: Session, team_id: str, review_id: int) -> Review | None:
    return session.exec(select(Review).where(Review.team_id == team_id, Review.id == review_id)).first()


def of_workshop(*, session: Session, team_id: str, workshop_id: int) -> list[Review]:
    """A workshop's reviews, oldest first."""
    return list(session.exec(select(Review).where(Review.team_id == team_id, Review.workshop_id == workshop_id)
                             .order_by(Review.number)))


def open_review(*, session: Session, team_id: str, workshop_id: int) -> Review | None:
    return session.exec(select(Review).where(Review.team_id == team_id, Review.workshop_id == workshop_id,
                                             Review.status == "open")).first()


def open_in_channel(*, session: Session, team_id: str, channel_id: str) -> Review | None:
    """The open review of a map of this channel (any of its workshops: the channel's latest may be a newer one)."""
    return session.exec(select(Review).where(Review.team_id == team_id, Review.channel_id == channel_id,
                                             Review.status == "open").order_by(Review.id)).first()


def next_number(*, session: Session, team_id: str, workshop_id: int) -> int:
    last = session.exec(select(func.max(Review.number)).where(Review.team_id == team_id,
                                                              Review.workshop_id == workshop_id)).one()
    return (last or 0) + 1


def opened_since(*, session: Session, team_id: str, workshop_id: int, since: datetime) -> Review | None:
    """The first review of a workshop opened at or after `since` (a reminder's review, already under way)."""
    return session.exec(select(Review).where(Review.team_id == team_id, Review.workshop_id == workshop_id,
                                             Review.opened_at >= since).order_by(Review.number)).first()


# --- Pages ---------------------------------------------------------------------------------------------------


def add_pages(*, session: Session, team_id: str, review_id: int, pages: int) -> None:
    session.add_all(ReviewMessage(team_id=team_id, review_id=review_id, page=n) for n in range(pages))


def page_posted(*, session: Session, team_id: str, review_id: int, page: int, ts: str) -> None:
    row = session.get(ReviewMessage, (team_id, review_id, page))
    if row is not None:
        row.ts = ts
        session.add(row)


def posted_pages(*, session: Session, team_id: str, review_id: int) -> list[ReviewMessage]:
    return list(session.exec(select(ReviewMessage).where(
        ReviewMessage.team_id == team_id, ReviewMessage.review_id == review_id, col(ReviewMessage.ts).is_not(None))
        .order_by(ReviewMessage.page)))


# --- Answers -------------------------------------------------------------------------------------------------


def rating(*, session: Session, team_id: str, review_id: int, stage_id: int, user_id: str) -> ReviewRating | None:
    return session.get(ReviewRating, (team_id, review_id, stage_id, user_id))


def ratings(*, session: Session, team_id: str, review_ids: list[int]) -> list[ReviewRating]:
    return list(session.exec(select(ReviewRating).where(
        ReviewRating.team_id == team_id, col(ReviewRating.review_id).in_(review_ids or [-1]))
        .order_by(ReviewRating.at, ReviewRating.user_id)))


def mark(*, session: Session, team_id: str, review_id: int, number: int, user_id: str) -> ReviewMark | None:
    return session.get(ReviewMark, (team_id, review_id, number, user_id))


def marks(*, session: Session, team_id: str, review_ids: list[int]) -> list[ReviewMark]:
    return list(session.exec(select(ReviewMark).where(
        ReviewMark.team_id == team_id, col(ReviewMark.review_id).in_(review_ids or [-1]))
        .order_by(ReviewMark.at, ReviewMark.user_id)))


# --- Metrics -------------------------------------------------------------------------------------------------


def metrics(*, session: Session, team_id: str, workshop_id: int) -> list[Metric]:
    """Every figure recorded for a workshop's stages, oldest first."""
    return list(session.exec(select(Metric).where(Metric.team_id == team_id, Metric.workshop_id == workshop_id)
                             .order_by(Metric.recorded_at, Metric.id)))


def freeze_metrics(*, session: Session, team_id: str, workshop_id: int, review_id: int) -> None:
    """The current period's figures belong to this review's snapshot from now on."""
    session.execute(update(Metric).where(Metric.team_id == team_id, Metric.workshop_id == workshop_id,
                                         col(Metric.review_id).is_(None)).values(review_id=review_id))
