"""Each reminder reaches Slack exactly once while real dispatcher processes face a slow Slack, a freeze (SIGSTOP)
past their lease, kill -9 at random moments, or Slack storing a message and then losing its answer. Every test
counts, per reminder id, what Slack received: none lost, none doubled."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.storage.db import init_db, make_engine, session_scope
from bot.storage.models import Reminder
from tests.conftest import POSTGRES_URL, emptied_postgres, poll
from tests.dispatcher_process import delivered, finish, seed, spawn

pytestmark = pytest.mark.slow
LEASE = 1.5  # seconds: far longer than one Slack call here, shorter than a batch


def open_db(backend: str, request, tmp_path):
    """(engine, URL the processes use), emptied."""
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
        engine = emptied_postgres(request)
        return engine, engine.url.render_as_string(hide_password=False)
    url = f"sqlite:///{tmp_path}/faults.db"
    engine = make_engine(url)
    init_db(engine)
    return engine, url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    return open_db(request.param, request, tmp_path)


def people(fake, n: int) -> list[str]:
    ids = [f"UF{i:03d}" for i in range(n)]
    for p in ids:
        fake.add_user(p, p.lower(), tz="UTC")
    return ids


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    assert poll(condition, timeout), f"gave up waiting: {what}"


def statuses(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return dict(s.exec(select(Reminder.status, func.count()).group_by(Reminder.status)).all())


def assert_each_sent_once(fake, engine, who: list[str], total: int) -> None:
    counts = delivered(fake, who)
    lost = total - len(counts)
    doubled = sum(n - 1 for n in counts.values())
    assert {"lost": lost, "doubled": doubled} == {"lost": 0, "doubled": 0}
    assert statuses(engine) == {"sent": total}


def test_two_clock_processes_with_a_slow_slack_and_a_lease_shorter_than_a_batch(fake, db, tmp_path):
    engine, url = db
    who = people(fake, 40)
    total = seed(engine, who, 5)
    fake.delay = 0.2  # every call (users.info, conversations.open, chat.postMessage): the batch takes seconds
    first = spawn(url, fake, "clock0", "drain", tmp_path, lease=LEASE, batch=total, senders=4)
    wait_until(lambda: fake.calls_to("chat.postMessage"), "the first process to claim everything and send")
    second = spawn(url, fake, "clock1", "drain", tmp_path, lease=LEASE, batch=total, senders=4)
    finish([first, second], tmp_path)
    assert_each_sent_once(fake, engine, who, total)


def test_a_clock_process_frozen_past_its_lease_mid_batch_sends_nothing_more(fake, db, tmp_path):
    engine, url = db
    who = people(fake, 40)
    total = seed(engine, who, 5)
    fake.delay = 0.2
    frozen = spawn(url, fake, "frozen", "drain", tmp_path, lease=LEASE, batch=total, senders=8)
    wait_until(lambda: fake.calls_to("chat.postMessage"), "the first process to claim everything and send")
    survivor = spawn(url, fake, "survivor", "drain", tmp_path, lease=LEASE, batch=total, senders=8)
    for _ in range(5):
        posts = len(fake.calls_to("chat.postMessage"))
        wait_until(lambda n=posts: len(fake.calls_to("chat.postMessage")) >= n + 3, "the first process sending")
        os.kill(frozen.pid, signal.SIGSTOP)
        try:
            # Frozen past its lease, until the survivor takes its claims over (it looks in the DMs first, as
            # after any takeover). A freeze that caught it inside a transaction keeps the survivor out (SQLite's
            # write lock): then it wakes after a while, and is frozen again a little later.
            took_over = poll(lambda: fake.calls_to("conversations.history"), timeout=8)
        finally:
            os.kill(frozen.pid, signal.SIGCONT)  # it wakes while the survivor is sending what it had claimed
        if took_over:
            break
    finish([frozen, survivor], tmp_path)
    assert took_over, "the survivor never took over a claim of the frozen process"
    assert_each_sent_once(fake, engine, who, total)


@pytest.mark.parametrize("backend, answer", [("sqlite", 503), ("postgresql", 503), ("sqlite", None)],
                         ids=["sqlite-stored-then-503", "postgresql-stored-then-503", "sqlite-stored-then-dropped"])
def test_slack_storing_a_post_and_then_losing_its_answer(fake, tmp_path, request, backend, answer):
    engine, url = open_db(backend, request, tmp_path)
    who = people(fake, 40)
    total = seed(engine, who, 2)
    fake.lose_answers("chat.postMessage", 1 / 3, status=answer)
    proc = spawn(url, fake, "clock", "drain", tmp_path, lease=LEASE, senders=8, retry_after=0.2)
    finish([proc], tmp_path)
    assert fake.answers_lost >= 5  # the fault really happened, and each time Slack had stored the message
    assert_each_sent_once(fake, engine, who, total)


def test_kill_9_at_random_moments_during_a_batch_then_a_restart(fake, tmp_path):
    url = f"sqlite:///{tmp_path}/killed.db"
    engine = make_engine(url)
    init_db(engine)
    who = people(fake, 60)
    total = seed(engine, who, 3)
    fake.delay = 0.05
    rng = random.Random(10)
    for round_ in range(3):
        target = len(fake.calls_to("chat.postMessage")) + rng.randint(1, 8)
        proc = spawn(url, fake, f"doomed{round_}", "run", tmp_path, lease=1, senders=8)
        wait_until(lambda n=target, p=proc: len(fake.calls_to("chat.postMessage")) >= n or p.poll() is not None,
                   "the process to be sending")
        time.sleep(rng.uniform(0, 0.05))  # anywhere: before a post, in flight, between Slack's answer and the row
        proc.kill()
        proc.wait()
    survivor = spawn(url, fake, "restarted", "drain", tmp_path, lease=1, senders=8)
    finish([survivor], tmp_path)
    assert_each_sent_once(fake, engine, who, total)
