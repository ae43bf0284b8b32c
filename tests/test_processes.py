"""Exactly once with real processes: one killed with SIGKILL mid-send, and three sharing one database."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.reminders.kinds import make_dispatcher
from bot.services import Services
from bot.slack import Directory, make_client
from bot.storage.db import init_db, make_engine, session_scope
from bot.storage.models import Reminder
from bot.tasks import TaskQueue
from tests.conftest import POSTGRES_URL
from tests.dispatcher_process import delivered, finish, seed, spawn

pytestmark = pytest.mark.slow


def test_kill_9_after_slack_took_the_message_then_restart_sends_nothing_twice(fake, tmp_path):
    db = f"sqlite:///{tmp_path}/killed.db"
    engine = make_engine(db)
    init_db(engine)
    fake.add_user("UKILL", "killed")
    seed(engine, ["UKILL"], 3)
    proc = spawn(db, fake, "doomed", "crash-after-post", tmp_path)
    assert proc.wait(60) == -signal.SIGKILL
    assert sum(delivered(fake, ["UKILL"]).values()) == 3  # one message with all three, already in Slack
    with session_scope(engine) as s:
        assert {r.status for r in s.exec(select(Reminder))} == {"claimed"}

    # The restarted bot, once the dead process's lease has run out.
    client = make_client(token="xoxb-fake-token", base_url=fake.api_url)
    later = lambda: datetime.now(UTC) + timedelta(minutes=3)  # noqa: E731
    svc = Services(settings=None, engine=engine, client=client, worker=TaskQueue("w", 0), outbox=TaskQueue("o", 0),
                   directory=Directory(client), clock=later)
    make_dispatcher(svc, name="restarted").tick()
    assert delivered(fake, ["UKILL"]) == Counter({1: 1, 2: 1, 3: 1})  # nothing sent twice
    assert len(fake.dm_messages("UKILL")) == 1
    with session_scope(engine) as s:
        assert {r.status for r in s.exec(select(Reminder))} == {"sent"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_three_bot_processes_sharing_one_database_deliver_each_reminder_once(fake, tmp_path, backend, request):
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
        from tests.conftest import emptied_postgres

        engine = emptied_postgres(request)
        db = engine.url.render_as_string(hide_password=False)
    else:
        db = f"sqlite:///{tmp_path}/shared.db"
        engine = make_engine(db)
        init_db(engine)
    people = [f"UPROC{n:02d}" for n in range(30)]
    for p in people:
        fake.add_user(p, p.lower(), tz="UTC")
    total = seed(engine, people, 5)
    procs = [spawn(db, fake, f"proc{n}", "drain", tmp_path, batch=10) for n in range(3)]  # small claims
    finish(procs, tmp_path)
    counts = delivered(fake, people)
    assert sum(counts.values()) == len(counts) == total  # every reminder once: none lost, none doubled
    with session_scope(engine) as s:
        assert {r.status for r in s.exec(select(Reminder))} == {"sent"}
