"""Engine, schema creation and the one session scope that owns a transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from bot.storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.text import clean

if TYPE_CHECKING:
    from alembic.config import Config


CONNECT_TIMEOUT_SECONDS = 5


def normalise_url(url: str) -> str:
    """Platforms hand out `postgres://…` or `postgresql://…`; both mean psycopg (v3), the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _storable(value):
    """`value` with every text in it cleaned: parameters come as a row (dict or tuple), rows (executemany), or one
    flat row for a batch of many (insertmanyvalues), so every shape is walked."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_storable(v) for v in value)
    return value


def _clean_parameters(conn, cursor, statement, parameters, context, executemany):
    """Every text going into the database, whoever wrote the query, without NUL (PostgreSQL refuses it) and lone
    surrogates (no driver can encode them): either would otherwise fail the whole transaction."""
    return statement, _storable(parameters)


def make_engine(url: str) -> Engine:
    """Build an engine for `url`. SQLite gets WAL and a busy timeout so request threads can write side by side."""
    url = normalise_url(url)
    parsed = make_url(url)
    # hide_parameters: a database error must not carry people's answers (or anything else) into the logs.
    if parsed.get_backend_name() != "sqlite":
        # libpq waits for the OS (minutes) on an unreachable host: a few seconds tell an outage sooner.
        connect = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect)
        event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
        return engine

    database = parsed.database
    if not database or database == ":memory:":
        # One shared in-memory database for every thread (tests).
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool,
                               hide_parameters=True)
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Request threads and outbox threads each hold a connection now and then.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20,
                               max_overflow=20, hide_parameters=True)

    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not the driver, start transactions (see _sqlite_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if database and database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # SQLite has one writer at a time. Threads of this process queue for it on a lock, which wakes the next one
    # the moment the last commits; left to SQLite's busy handler they would poll, sleeping up to 100 ms a try.
    # (Other processes still wait in the busy handler.)
    writing = threading.RLock()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes fails at once with
        # "database is locked" when another thread wrote in between; an immediate one waits its turn.
        # Bounded: should a transaction be left open by mistake, SQLite's own timeout still ends the wait.
        held = writing.acquire(timeout=30)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if held:
                writing.release()
            raise
        conn.info["holds_write_lock"] = held

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _sqlite_end(conn) -> None:
        if conn.info.pop("holds_write_lock", False):
            writing.release()

    return engine


def alembic_config(connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def init_db(engine: Engine) -> None:
    """Bring the database's schema to the current version with the migrations in storage/migrations.

    Several processes may start at once (web and clock): on PostgreSQL they take turns on an advisory lock;
    on SQLite the migration's write transaction serialises them.
    """
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")  # "JWB" on a phone keypad
        command.upgrade(alembic_config(connection), "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits when the block ends and rolls back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
