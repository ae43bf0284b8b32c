"""The worker and outbox queues, the coalescer behind live ballot updates and the per-channel order of prompts,
with real threads."""

from __future__ import annotations

import threading

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import OperationalError

from bot.tasks import Coalescing, InOrder, TaskQueue
from tests.conftest import poll


def test_tasks_run_in_order_on_one_thread_and_join_waits():
    q = TaskQueue("work", 1)
    seen: list[int] = []
    for n in range(100):
        q.submit(seen.append, n)
    assert q.join(5)
    assert seen == list(range(100))
    q.shutdown()


def test_database_errors_are_retried_in_place_then_reported():
    q = TaskQueue("work", 0, retry_delays=(0, 0))
    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        if calls["n"] < 3:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    q.submit(flaky)
    assert calls["n"] == 3
    reported: list[BaseException] = []

    def always_down():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    q.submit(always_down, on_error=reported.append)
    assert len(reported) == 1 and isinstance(reported[0], OperationalError)


def test_other_failures_are_not_retried_but_reported():
    q = TaskQueue("work", 0, retry_delays=(0, 0))
    calls, reported = [], []

    def bug():
        calls.append(1)
        raise KeyError("oops")

    q.submit(bug, on_error=reported.append)
    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={}, data={"ok": False,
                             "error": "channel_not_found"}, headers={}, status_code=200)
    q.submit(lambda: (_ for _ in ()).throw(SlackApiError("no", response)), on_error=reported.append)
    assert len(calls) == 1 and [type(e) for e in reported] == [KeyError, SlackApiError]


def test_shutdown_finishes_queued_work():
    q = TaskQueue("slack", 4)
    done = []
    gate = threading.Event()
    for n in range(20):
        q.submit(lambda n=n: (gate.wait(5), done.append(n)))
    gate.set()
    q.shutdown()
    assert sorted(done) == list(range(20))


def test_coalescing_runs_a_burst_at_most_twice_and_the_last_run_sees_the_end_state():
    q = TaskQueue("slack", 8)
    state = {"votes": 0}
    runs: list[int] = []
    started, release = threading.Event(), threading.Event()
    overlap = {"now": 0, "max": 0}
    lock = threading.Lock()

    def refresh() -> None:
        with lock:
            overlap["now"] += 1
            overlap["max"] = max(overlap["max"], overlap["now"])
        started.set()
        release.wait(5)
        runs.append(state["votes"])  # reads the state when it runs
        with lock:
            overlap["now"] -= 1

    c = Coalescing(q)
    c.submit("ballot-1", refresh)
    assert started.wait(5)  # the first refresh is running (and held)
    for _ in range(50):  # a burst of votes meanwhile
        state["votes"] += 1
        c.submit("ballot-1", refresh)
    release.set()
    assert q.join(5)
    assert len(runs) == 2 and runs[-1] == 50
    assert overlap["max"] == 1  # runs for one key never overlap
    q.shutdown()


def test_in_order_runs_one_keys_tasks_in_turn_while_other_keys_go_on_and_a_failure_stops_nothing():
    q = TaskQueue("slack", 8)
    posted: dict[str, list[int]] = {"C1": [], "C2": []}
    c1_held, release = threading.Event(), threading.Event()

    def post(channel: str, n: int) -> None:
        if channel == "C1" and n == 0:
            c1_held.set()
            release.wait(5)  # Slack is slow with C1's first prompt
        if channel == "C1" and n == 3:
            raise KeyError("refused")  # logged; the next ones still go out
        posted[channel].append(n)

    in_order = InOrder(q)
    for n in range(10):
        in_order.submit(("prompts", "C1"), post, "C1", n)
    assert c1_held.wait(5)
    for n in range(10):
        in_order.submit(("prompts", "C2"), post, "C2", n)
    assert poll(lambda: len(posted["C2"]) == 10, timeout=5)  # C2 is not held up by C1
    assert posted["C1"] == []
    release.set()
    assert q.join(5)
    assert posted["C1"] == [0, 1, 2, 4, 5, 6, 7, 8, 9] and posted["C2"] == list(range(10))
    q.shutdown()

