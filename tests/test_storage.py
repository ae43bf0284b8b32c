"""The database under concurrent writers: the way request threads and outbox threads use it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlmodel import func, select

from bot.storage.db import init_db, make_engine, session_scope
from bot.storage.models import Item, Reply, Workshop
from bot.workshop import flow, replies

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_parallel_and_duplicated_deliveries_store_each_reply_once(file_engine):
    engine = file_engine
    with session_scope(engine) as s:
        p = flow.start_workshop(session=s, team_id="T", channel_id="C", user_id="UF", title="Load", now=NOW)
        flow.record_prompt_posted(session=s, team_id="T", step_id=p.step_id, ts="1.0")

    def deliver(n: int) -> str:
        with session_scope(engine) as s:
            return replies.record_reply(session=s, team_id="T", now=NOW, reply=replies.NewReply(
                channel_id="C", user_id=f"U{n % 7}", ts=f"2.{n}", thread_ts="1.0",
                text=f"objective {n}\nanother {n}")).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(deliver, [n for n in range(150) for _ in range(2)]))  # every reply twice
    assert statuses.count("stored") == 150 and statuses.count("duplicate") == 150
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Reply)).one() == 150
        assert s.exec(select(func.count()).select_from(Item)).one() == 300


def test_timestamps_are_utc_aware_after_a_round_trip(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite")
    init_db(engine)
    with session_scope(engine) as s:
        p = flow.start_workshop(session=s, team_id="T", channel_id="C", user_id="UF", title="Zones", now=NOW)
    with session_scope(engine) as s:
        ws = s.exec(select(Workshop)).one()
        assert ws.created_at == NOW and ws.created_at.tzinfo is not None
    assert p.workshop_id == ws.id


def test_platform_style_postgres_urls_use_the_shipped_driver():
    from bot.storage.db import normalise_url

    assert normalise_url("postgres://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///data/x.db") == "sqlite:///data/x.db"

