"""Queries. Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import tuple_
from sqlmodel import Session, col, delete, func, select

from bot.storage.models import (
    DeletedMessage,
    Emotion,
    Facilitator,
    Item,
    Reply,
    Stage,
    Step,
    ThreadHint,
    UserProfile,
    ValidationTask,
    Vote,
    VoteMessage,
    VoteRound,
    Workshop,
)


def open_workshop(*, session: Session, team_id: str, channel_id: str) -> Workshop | None:
    return session.exec(
        select(Workshop).where(
            Workshop.team_id == team_id, Workshop.channel_id == channel_id, Workshop.status == "open"
        )
    ).first()


def latest_workshop(*, session: Session, team_id: str, channel_id: str) -> Workshop | None:
    """The open workshop of a channel, else its most recently created one."""
    return session.exec(
        select(Workshop)
        .where(Workshop.team_id == team_id, Workshop.channel_id == channel_id)
        .order_by((col(Workshop.status) == "open").desc(), col(Workshop.id).desc())
    ).first()


def workshop(*, session: Session, team_id: str, workshop_id: int) -> Workshop | None:
    return session.exec(select(Workshop).where(Workshop.team_id == team_id, Workshop.id == workshop_id)).first()


def workshops_by_id(*, session: Session, team_id: str, ids: set[int]) -> dict[int, Workshop]:
    if not ids:
        return {}
    return {w.id: w for w in session.exec(select(Workshop).where(Workshop.team_id == team_id,
                                                                 col(Workshop.id).in_(list(ids))))}


def workshops_in_channel(*, session: Session, team_id: str, channel_id: str) -> list[Workshop]:
    return list(
        session.exec(
            select(Workshop).where(Workshop.team_id == team_id, Workshop.channel_id == channel_id).order_by(Workshop.id)
        )
    )


def workshop_any_team(*, session: Session, workshop_id: int) -> Workshop | None:
    """For the operator's command line only (it reads one database, every workspace's): never from Slack."""
    return session.get(Workshop, workshop_id)


def facilitators(*, session: Session, team_id: str, workshop_id: int) -> list[str]:
    return list(
        session.exec(
            select(Facilitator.user_id)
            .where(Facilitator.team_id == team_id, Facilitator.workshop_id == workshop_id)
            .order_by(Facilitator.user_id)
        )
    )


def stages(*, session: Session, team_id: str, workshop_id: int) -> list[Stage]:
    return list(
        session.exec(
            select(Stage).where(Stage.team_id == team_id, Stage.workshop_id == workshop_id).order_by(Stage.position)
        )
    )


def stage(*, session: Session, team_id: str, stage_id: int) -> Stage | None:
    return session.exec(select(Stage).where(Stage.team_id == team_id, Stage.id == stage_id)).first()


def replace_stages(*, session: Session, team_id: str, workshop_id: int, names: Sequence[str]) -> list[Stage]:
    session.exec(delete(Stage).where(Stage.team_id == team_id, Stage.workshop_id == workshop_id))
    new = [Stage(team_id=team_id, workshop_id=workshop_id, name=n, position=i) for i, n in enumerate(names)]
    session.add_all(new)
    session.flush()
    return new


def steps(*, session: Session, team_id: str, workshop_id: int) -> list[Step]:
    return list(
        session.exec(
            select(Step).where(Step.team_id == team_id, Step.workshop_id == workshop_id).order_by(Step.position)
        )
    )


def current_step(*, session: Session, team_id: str, workshop_id: int) -> Step | None:
    return session.exec(
        select(Step)
        .where(Step.team_id == team_id, Step.workshop_id == workshop_id, col(Step.closed_at).is_(None))
        .order_by(col(Step.position).desc())
    ).first()


def step(*, session: Session, team_id: str, step_id: int) -> Step | None:
    return session.exec(select(Step).where(Step.team_id == team_id, Step.id == step_id)).first()


def reply_by_ts(*, session: Session, team_id: str, channel_id: str, ts: str) -> Reply | None:
    return session.exec(
        select(Reply).where(Reply.team_id == team_id, Reply.channel_id == channel_id, Reply.ts == ts)
    ).first()


def stored_replies(*, session: Session, team_id: str, messages: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (channel, ts) messages are stored replies."""
    if not messages:
        return set()
    return set(session.exec(select(Reply.channel_id, Reply.ts).where(
        Reply.team_id == team_id, tuple_(Reply.channel_id, Reply.ts).in_(list(messages)))).all())


def deleted_messages(*, session: Session, team_id: str, messages: set[tuple[str, str]]) -> set[tuple[str, str]]:
    if not messages:
        return set()
    return set(session.exec(select(DeletedMessage.channel_id, DeletedMessage.ts).where(
        DeletedMessage.team_id == team_id, tuple_(DeletedMessage.channel_id, DeletedMessage.ts).in_(list(messages)))
    ).all())


def repliers(*, session: Session, team_id: str, workshop_ids: set[int], users: set[str]) -> set[tuple[int, str]]:
    """(workshop, person) for each of these people who has replied in each of these workshops."""
    if not workshop_ids or not users:
        return set()
    return set(session.exec(select(Reply.workshop_id, Reply.user_id).distinct().where(
        Reply.team_id == team_id, col(Reply.workshop_id).in_(list(workshop_ids)), col(Reply.user_id).in_(list(users)))
    ).all())


def author_teams(*, session: Session, team_id: str, workshop_id: int, users: Sequence[str] = ()) -> dict[str, str]:
    """Person → their own workspace: as their latest reply in the workshop says, else as their profile does (for
    those of `users` who only rated or voted, say)."""
    rows = session.exec(select(Reply.user_id, Reply.user_team).where(
        Reply.team_id == team_id, Reply.workshop_id == workshop_id, col(Reply.user_team).is_not(None)
    ).order_by(Reply.id)).all()
    teams = {user: team for user, team in rows}
    for user, profile in profiles(session=session, team_id=team_id, user_ids=[u for u in users if u not in teams]).items():
        if profile.user_team:
            teams[user] = profile.user_team
    return teams


def insert_replies(*, session: Session, rows: list[dict]) -> dict[tuple[str, str], int]:
    """Insert replies in one statement; (channel, ts) → id for each inserted (one stored meanwhile is skipped)."""
    if not rows:
        return {}
    table = Reply.__table__
    stmt = _insert(session, table).on_conflict_do_nothing().returning(table.c.id, table.c.channel_id, table.c.ts)
    return {(ch, ts): i for i, ch, ts in session.execute(stmt, rows).all()}


def insert_items(*, session: Session, rows: list[dict]) -> list[int]:
    """Insert items in one statement; their ids, in the order of `rows`."""
    if not rows:
        return []
    table = Item.__table__
    stmt = _insert(session, table).returning(table.c.id, table.c.reply_id, table.c.line_no)
    ids = {(reply, line): i for i, reply, line in session.execute(stmt, rows).all()}
    return [ids[(r["reply_id"], r["line_no"])] for r in rows]


def claim_thread_hint(*, session: Session, team_id: str, step_id: int, user_id: str, now) -> bool:
    """True for the first claim of this (step, person) only: the hint about answering in the thread goes once."""
    stmt = _insert(session, ThreadHint).values(team_id=team_id, step_id=step_id, user_id=user_id, hinted_at=now)
    stmt = stmt.on_conflict_do_nothing().returning(ThreadHint.user_id)
    return session.execute(stmt).first() is not None


def is_deleted(*, session: Session, team_id: str, channel_id: str, ts: str) -> bool:
    return session.get(DeletedMessage, (team_id, channel_id, ts)) is not None


def add_tombstone(*, session: Session, team_id: str, channel_id: str, ts: str, now) -> None:
    """Remember a deleted message (once, however many processes see its deletion)."""
    session.exec(_insert(session, DeletedMessage).values(team_id=team_id, channel_id=channel_id, ts=ts,
                                                         deleted_at=now).on_conflict_do_nothing())


def _insert(session: Session, table):
    """INSERT with ON CONFLICT, in the dialect at hand (SQLite and PostgreSQL spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def count_replies(*, session: Session, team_id: str, workshop_id: int, user_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(Reply)
        .where(Reply.team_id == team_id, Reply.workshop_id == workshop_id, Reply.user_id == user_id)
    ).one()


def items_of_reply(*, session: Session, team_id: str, reply_id: int) -> list[Item]:
    return list(
        session.exec(select(Item).where(Item.team_id == team_id, Item.reply_id == reply_id).order_by(Item.line_no))
    )


def item(*, session: Session, team_id: str, item_id: int) -> Item | None:
    return session.exec(select(Item).where(Item.team_id == team_id, Item.id == item_id)).first()


def items(*, session: Session, team_id: str, workshop_id: int) -> list[Item]:
    return list(
        session.exec(
            select(Item).where(Item.team_id == team_id, Item.workshop_id == workshop_id).order_by(Item.id)
        )
    )


def item_rows(*, session: Session, team_id: str, workshop_id: int) -> list:
    """A workshop's items as read-only rows (the same attributes as Item, in id order): what a map reads, loaded
    without making an ORM object of each (a big workshop's 10,000 items cost a third as much)."""
    return list(session.execute(select(*Item.__table__.columns)
                                .where(Item.team_id == team_id, Item.workshop_id == workshop_id).order_by(Item.id)))


def emotion_rows(*, session: Session, team_id: str, workshop_id: int) -> list:
    """A workshop's ratings as read-only rows, in id order (see item_rows)."""
    return list(session.execute(select(*Emotion.__table__.columns)
                                .where(Emotion.team_id == team_id, Emotion.workshop_id == workshop_id)
                                .order_by(Emotion.id)))


def emotions(*, session: Session, team_id: str, workshop_id: int) -> list[Emotion]:
    return list(
        session.exec(
            select(Emotion).where(Emotion.team_id == team_id, Emotion.workshop_id == workshop_id).order_by(Emotion.id)
        )
    )


def answers(*, session: Session, team_id: str, workshop_id: int) -> list[tuple[str, str | None]]:
    """Who gave each of a workshop's answers, with their department at the time: its items', then its ratings', in
    the order they were stored (two column queries: counting needs no rows loaded as objects)."""
    items = session.exec(select(Item.author, Item.department)
                         .where(Item.team_id == team_id, Item.workshop_id == workshop_id).order_by(Item.id))
    rated = session.exec(select(Emotion.user_id, Emotion.department)
                         .where(Emotion.team_id == team_id, Emotion.workshop_id == workshop_id).order_by(Emotion.id))
    return [tuple(r) for r in items] + [tuple(r) for r in rated]


def answers_per_step(*, session: Session, team_id: str, workshop_id: int) -> dict[int | None, int]:
    """How many answers each step has: its items, and for a stage's step that stage's ratings (one GROUP BY each)."""
    counts: dict[int | None, int] = dict(session.exec(
        select(Item.step_id, func.count()).where(Item.team_id == team_id, Item.workshop_id == workshop_id)
        .group_by(Item.step_id)).all())
    per_stage = dict(session.exec(
        select(Emotion.stage_id, func.count()).where(Emotion.team_id == team_id, Emotion.workshop_id == workshop_id)
        .group_by(Emotion.stage_id)).all())
    step_of_stage: dict[int | None, int | None] = {}
    for step_id, stage_id in session.exec(select(Step.id, Step.stage_id).where(
            Step.team_id == team_id, Step.workshop_id == workshop_id).order_by(Step.position, Step.id)):
        step_of_stage.setdefault(stage_id, step_id)
    for stage_id, n in per_stage.items():
        step = step_of_stage.get(stage_id)
        counts[step] = counts.get(step, 0) + n
    return counts


def emotion(*, session: Session, team_id: str, stage_id: int, user_id: str) -> Emotion | None:
    return session.exec(
        select(Emotion).where(Emotion.team_id == team_id, Emotion.stage_id == stage_id, Emotion.user_id == user_id)
    ).first()


def profile(*, session: Session, team_id: str, user_id: str) -> UserProfile | None:
    return session.get(UserProfile, (team_id, user_id))


def profiles(*, session: Session, team_id: str, user_ids: Sequence[str]) -> dict[str, UserProfile]:
    if not user_ids:
        return {}
    rows = session.exec(
        select(UserProfile).where(UserProfile.team_id == team_id, col(UserProfile.user_id).in_(list(user_ids)))
    )
    return {p.user_id: p for p in rows}


def save_profile(*, session: Session, team_id: str, user_id: str, now, **fields) -> None:
    """Set fields of a person's profile, creating it if need be, safely when several processes do it at once
    (INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike)."""
    values = {"team_id": team_id, "user_id": user_id, "updated_at": now, **fields}
    stmt = _insert(session, UserProfile).values(**values).on_conflict_do_update(
        index_elements=["team_id", "user_id"], set_={**fields, "updated_at": now}
    )
    session.exec(stmt)
    session.expire_all()  # the ORM's copies of this row are stale now


def save_user_teams(*, session: Session, team_id: str, teams: dict[str, str], now) -> None:
    """Note each person's own workspace on their profile, in one statement whatever the number of people."""
    if not teams:
        return
    stmt = _insert(session, UserProfile).values(
        [{"team_id": team_id, "user_id": user, "user_team": team, "updated_at": now} for user, team in teams.items()])
    session.exec(stmt.on_conflict_do_update(index_elements=["team_id", "user_id"],
                                            set_={"user_team": stmt.excluded.user_team, "updated_at": now}))
    session.expire_all()


def departments(*, session: Session, team_id: str) -> list[str]:
    return list(
        session.exec(
            select(UserProfile.department)
            .where(UserProfile.team_id == team_id, col(UserProfile.department).is_not(None))
            .distinct()
        )
    )


def delete_emotions_of_reply(*, session: Session, team_id: str, reply_id: int) -> None:
    session.exec(delete(Emotion).where(Emotion.team_id == team_id, Emotion.reply_id == reply_id))


def votes(*, session: Session, team_id: str, workshop_id: int) -> list[Vote]:
    return list(
        session.exec(select(Vote).where(Vote.team_id == team_id, Vote.workshop_id == workshop_id).order_by(Vote.id))
    )


def vote_round(*, session: Session, team_id: str, workshop_id: int) -> VoteRound | None:
    return session.get(VoteRound, (team_id, workshop_id))


def vote_message(*, session: Session, team_id: str, vote_message_id: int) -> VoteMessage | None:
    return session.exec(
        select(VoteMessage).where(VoteMessage.team_id == team_id, VoteMessage.id == vote_message_id)
    ).first()


def vote_messages(*, session: Session, team_id: str, workshop_id: int) -> list[VoteMessage]:
    return list(
        session.exec(
            select(VoteMessage)
            .where(VoteMessage.team_id == team_id, VoteMessage.workshop_id == workshop_id)
            .order_by(VoteMessage.id)
        )
    )



def validation_counts(*, session: Session, team_id: str, workshop_id: int) -> dict[str, int]:
    rows = session.exec(
        select(ValidationTask.status, func.count())
        .where(ValidationTask.team_id == team_id, ValidationTask.workshop_id == workshop_id)
        .group_by(ValidationTask.status)
    )
    return dict(rows.all())


def replies_of_step(*, session: Session, team_id: str, step_id: int) -> list[Reply]:
    return list(session.exec(select(Reply).where(Reply.team_id == team_id, Reply.step_id == step_id)))
