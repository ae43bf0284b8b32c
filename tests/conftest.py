"""Fixtures: an in-memory database for the pure tier; the fake Slack and the real app over HTTP for end to end."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_bolt import App
from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.app import build_app, services_of
from bot.config import Settings
from bot.server import ServerThread, make_wsgi
from bot.storage.db import init_db, make_engine
from bot.tasks import TaskQueue
from fakeslack.api import BOT_TOKEN, FakeSlack
from fakeslack.sender import SlackSender, Workspace

SECRET = "test-signing-secret"
FACILITATOR, ANA, BEN, CAT, DAN = "UFACIL", "UANA", "UBEN", "UCAT", "UDAN"
PEOPLE = {FACILITATOR: "fran", ANA: "ana", BEN: "ben", CAT: "cat", DAN: "dan"}
CHANNEL, PRIVATE, OTHER = "CWORK", "GPRIV", "COTHER"


def poll(condition: Callable[[], object], timeout: float) -> bool:
    """Whether `condition` came true within `timeout` seconds (for work on other threads or processes: no test
    sleeps a fixed time to wait for one)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


# A PostgreSQL server the tests may create databases on, e.g. postgresql+psycopg://journey:journey@127.0.0.1/postgres
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_engine(worker_id: str) -> Iterator[Engine]:
    """A database of its own for this test process (xdist workers run side by side)."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests, but TEST_POSTGRES_URL is not set (see .ci/run)")
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (a server where tests may create databases)")
    # Unique per test process, so several checkouts (or CI runs) can share one server side by side.
    name = f"journey_test_{worker_id}_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    init_db(engine)
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request) -> Iterator[Engine]:
    """Each database-level test runs on SQLite (the default) and on PostgreSQL (production)."""
    if request.param == "sqlite":
        engine = make_engine("sqlite://")
        init_db(engine)
        yield engine
        return
    yield emptied_postgres(request)


def emptied_postgres(request) -> Engine:
    engine = request.getfixturevalue("postgres_engine")
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as c:
        c.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def file_engine(request, tmp_path: Path) -> Engine:
    """SQLite on a file (threads and processes share it as they do in production) or PostgreSQL."""
    if request.param == "postgresql":
        return emptied_postgres(request)
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite")
    init_db(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        for uid, name in PEOPLE.items():
            f.add_user(uid, name)
        f.add_user("UOTHERBOT", "jira", is_bot=True)
        f.add_channel(CHANNEL, "journey-workshop", members=[*PEOPLE, "UOTHERBOT"])
        f.add_channel(PRIVATE, "secret-plans", members=list(PEOPLE), private=True, bot_member=False)
        f.add_channel(OTHER, "random", members=list(PEOPLE), bot_member=False)
        yield f


@dataclass
class Bot:
    app: App
    fake: FakeSlack
    ws: Workspace
    url: str
    clock: Clock

    @property
    def services(self):
        return services_of(self.app)

    def settle(self) -> None:
        assert self.services.worker.join(10) and self.services.outbox.join(10), "queued work did not finish"

    def prompts(self, channel: str = CHANNEL):
        return [m for m in self.fake.channel_messages(channel, bot_only=True) if m.blocks and m.blocks[0]["type"] == "header"]

    def last_prompt(self, channel: str = CHANNEL):
        return self.prompts(channel)[-1]

    def said_to(self, user: str) -> list[str]:
        """Every ephemeral text a user saw, oldest first (blocks joined, as a person reads them)."""
        return [_read(e.blocks) or e.text for e in self.fake.ephemerals_for(user)]

    def last_said_to(self, user: str) -> str:
        said = self.said_to(user)
        assert said, f"nothing was said to {user}"
        return said[-1]


def _read(blocks: list) -> str:
    parts = []
    for b in blocks:
        if isinstance(b.get("text"), dict):
            parts.append(b["text"]["text"])
        for e in b.get("elements", []):
            if isinstance(e.get("text"), dict):
                parts.append(e["text"]["text"])
            elif isinstance(e.get("text"), str):
                parts.append(e["text"])
    return "\n".join(parts)


def make_settings(fake: FakeSlack, tmp_path: Path, **kw) -> Settings:
    kw.setdefault("canvas_refresh_seconds", 0)  # canvases follow at once; tests of the debounce set it and a clock
    return Settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.api_url,
        database_url=f"sqlite:///{tmp_path}/journey.db", _env_file=None, **kw,
    )


class _Current:
    """The WSGI app a shared server hands each request to: each test plugs in its own bot."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def http_server() -> Iterator[tuple[ServerThread, _Current]]:
    current = _Current()
    with ServerThread(current) as server:
        yield server, current


def serve_bot(fake: FakeSlack, tmp_path: Path, clock: Clock, http_server, **settings) -> Iterator[Bot]:
    server, current = http_server
    app = build_app(make_settings(fake, tmp_path, **settings), worker=TaskQueue("work", 0, retry_delays=(0.01, 0.01)),
                    outbox=TaskQueue("slack", 0), clock=clock, inline=True)
    current.app = make_wsgi(app)
    ws = Workspace(fake, SlackSender(server.url + "/slack/events", SECRET))
    yield Bot(app, fake, ws, server.url, clock)
    current.app = None
    assert fake.invalid == [], f"the bot sent Block Kit that Slack would reject: {fake.invalid}"


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path, clock: Clock, http_server) -> Iterator[Bot]:
    """The real app behind the real waitress server, talking to the fake Slack over HTTP. Its worker and outbox
    run inline, so each request's effects are complete when its response arrives."""
    yield from serve_bot(fake, tmp_path, clock, http_server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test (and save a screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def openai_fake():
    """A local OpenAI-compatible server answering every schema well (tests/test_synthesis.py's GOOD)."""
    from tests.fake_openai import FakeOpenAI
    from tests.test_synthesis import GOOD

    fake = FakeOpenAI().start()
    fake.answers.update(GOOD)
    yield fake
    fake.stop()
