"""An acknowledged answer survives anything: real `python -m bot serve` processes killed with SIGKILL at random
moments, stopped with SIGTERM then SIGKILL, sharing a database with another process that dies, and facing a
database that goes away. Each test counts, per reply, what Slack was told (200 or not) against what the database
holds: lost and doubled must both be 0."""

from __future__ import annotations

import random
import signal
import time

import pytest

from bot.storage.db import make_engine
from fakeslack.api import FakeSlack
from tests.conftest import POSTGRES_URL
from tests.faults.processes import (
    BotProcess,
    TcpProxy,
    pending,
    poll,
    reply,
    reply_ts,
    send,
    send_in_background,
    start_workshop,
    stored_replies,
    workspace,
)

pytestmark = pytest.mark.slow
REPLIES = 400


@pytest.fixture
def fake():
    with FakeSlack() as f:
        workspace(f)
        yield f


def _count(engine, acked: set[str], *, everything: set[str] | None = None) -> None:
    """Once nothing is pending: every acknowledged reply is stored (and, if given, everything Slack delivered
    in the end), none twice."""
    poll(lambda: pending(engine) == 0, "the inbox to empty")
    stored = stored_replies(engine)
    lost = acked - set(stored)
    doubled = len(stored) - len(set(stored))
    assert (len(lost), doubled) == (0, 0), f"lost {len(lost)}, doubled {doubled}"
    if everything is not None:
        assert set(stored) == everything


def _redeliver(bot: BotProcess, fake, thread_ts: str, statuses: list[int]) -> None:
    """What Slack does with requests that got no 200: send them again, up to three times."""
    again = [n for n, status in enumerate(statuses) if status != 200]
    for retry in (1, 2, 3):
        answers = send(bot.url, [reply(bot.host, fake, n, thread_ts, retry=retry) for n in again])
        again = [n for n, status in zip(again, answers, strict=True) if status != 200]
    assert again == [], f"{len(again)} never acknowledged after Slack's three retries"


@pytest.mark.parametrize("moment", ["mid-burst", "after the last ack"])
def test_kill_9_loses_no_acknowledged_reply_and_redeliveries_store_once(fake, tmp_path, moment):
    db = f"sqlite:///{tmp_path}/bot.db"
    bot = BotProcess(fake, db, tmp_path / "bot.log").start()
    restarted = BotProcess(fake, db, tmp_path / "bot.log")
    try:
        thread_ts = start_workshop(bot, fake)
        requests = [reply(bot.host, fake, n, thread_ts) for n in range(REPLIES)]
        rng = random.Random()
        if moment == "mid-burst":
            sending, result = send_in_background(bot.url, requests)
            time.sleep(rng.uniform(0.05, 0.6))  # the fault's random moment
            bot.kill()
            sending.join()
            statuses = result[0]
        else:
            statuses = send(bot.url, requests)
            time.sleep(rng.uniform(0, 2))
            bot.kill()
        acked = {reply_ts(n) for n, status in enumerate(statuses) if status == 200}
        assert acked, "nothing was acknowledged before the kill"
        restarted.start()
        engine = make_engine(db)
        _count(engine, acked)
        _redeliver(restarted, fake, thread_ts, statuses)
        _count(engine, acked, everything={reply_ts(n) for n in range(REPLIES)})
    finally:
        bot.stop()
        restarted.stop()


def test_sigterm_then_sigkill_loses_nothing(fake, tmp_path):
    """A container platform's stop: SIGTERM, then SIGKILL a moment later, whatever is still queued."""
    db = f"sqlite:///{tmp_path}/bot.db"
    bot = BotProcess(fake, db, tmp_path / "bot.log").start()
    restarted = BotProcess(fake, db, tmp_path / "bot.log")
    try:
        thread_ts = start_workshop(bot, fake)
        statuses = send(bot.url, [reply(bot.host, fake, n, thread_ts) for n in range(REPLIES)])
        bot.signal(signal.SIGTERM)
        time.sleep(0.5)
        bot.kill()
        acked = {reply_ts(n) for n, status in enumerate(statuses) if status == 200}
        assert len(acked) == REPLIES
        restarted.start()
        _count(make_engine(db), acked, everything=acked)
    finally:
        bot.stop()
        restarted.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_process_sharing_the_database_takes_over_what_a_dead_one_acknowledged(fake, tmp_path, backend, request):
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
        from tests.conftest import emptied_postgres

        db = emptied_postgres(request).url.render_as_string(hide_password=False)
    else:
        db = f"sqlite:///{tmp_path}/shared.db"
    first = BotProcess(fake, db, tmp_path / "first.log").start()
    second = BotProcess(fake, db, tmp_path / "second.log").start()
    try:
        thread_ts = start_workshop(first, fake)
        # A load balancer spreads Slack's requests over both; the first dies mid-burst.
        halves = [[reply(bot.host, fake, n, thread_ts) for n in range(i, REPLIES, 2)] for i, bot in
                  enumerate((first, second))]
        sending = [send_in_background(bot.url, half) for bot, half in zip((first, second), halves, strict=True)]
        time.sleep(random.uniform(0.05, 0.4))
        first.kill()
        for thread, _ in sending:
            thread.join()
        statuses = [None] * REPLIES
        for i, (_, result) in enumerate(sending):
            for k, status in enumerate(result[0]):
                statuses[i + 2 * k] = status
        acked = {reply_ts(n) for n, status in enumerate(statuses) if status == 200}
        _count(make_engine(db), acked)  # the second process stored the dead one's acknowledged replies
        _redeliver(second, fake, thread_ts, statuses)
        _count(make_engine(db), acked, everything={reply_ts(n) for n in range(REPLIES)})
    finally:
        first.stop()
        second.stop()


def test_a_database_outage_refuses_what_it_cannot_keep_and_loses_nothing(fake, tmp_path, request):
    """PostgreSQL goes away mid-burst for longer than any retry window: requests the bot can't store get an error
    (so Slack sends them again), acknowledged ones wait in the database and are processed once it is back."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL")
    from tests.conftest import emptied_postgres

    url = emptied_postgres(request).url
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    db = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    bot = BotProcess(fake, db, tmp_path / "bot.log").start()
    try:
        thread_ts = start_workshop(bot, fake)
        first = send(bot.url, [reply(bot.host, fake, n, thread_ts) for n in range(0, REPLIES, 2)])
        proxy.cut()
        during = send(bot.url, [reply(bot.host, fake, n, thread_ts) for n in range(1, REPLIES, 2)])
        assert set(during) <= {503, 500} and during, "during the outage nothing may be acknowledged"
        time.sleep(6)  # longer than the processor's first retries: it must keep trying, not give up
        proxy.restore()
        statuses = [0] * REPLIES
        statuses[0::2], statuses[1::2] = first, during
        acked = {reply_ts(n) for n, status in enumerate(statuses) if status == 200}
        engine = make_engine(url.render_as_string(hide_password=False))
        _count(engine, acked)
        _redeliver(bot, fake, thread_ts, statuses)
        _count(engine, acked, everything={reply_ts(n) for n in range(REPLIES)})
        assert "Traceback" not in (tmp_path / "bot.log").read_text()
    finally:
        bot.stop()
        proxy.close()


