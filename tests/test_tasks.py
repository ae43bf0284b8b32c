"""The worker and outbox queues, the coalescer behind live ballot updates and the per-channel order of prompts,
with real threads."""

from __future__ import annotations

import threading

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import OperationalError

from bot.tasks import Coalescing, Debounced, InOrder, TaskQueue
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



class Seconds:
    """A clock in seconds that tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _rate_limited(retry_after: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                             data={"ok": False, "error": "ratelimited"}, headers={"retry-after": retry_after},
                             status_code=429)
    return SlackApiError("ratelimited", response)


def test_debounced_a_burst_makes_one_run_per_interval_and_the_last_shows_the_end_state():
    clock, state, runs = Seconds(), {"answers": 0}, []
    d = Debounced(TaskQueue("slack", 0), interval=30, clock=clock)  # settles 3 s before its first run
    for n in range(200):  # 200 answers over 100 seconds, the clock's thread looking every second
        state["answers"] += 1
        d.submit("canvas", lambda: runs.append((clock.now, state["answers"])))
        if n % 2:
            clock.now += 1
            d.run_due()
    assert [t - 1000 for t, _ in runs] == [3, 33, 63, 93]  # at most one run per 30 s, the first 3 s after
    assert d.pending() == {"canvas": 1000 + 123}  # the last change waits at most 30 s
    clock.now = 1000 + 123
    assert d.run_due() == 1
    assert runs[-1] == (1123, 200) and len(runs) == 5  # a handful of runs; the last shows all 200
    assert d.run_due() == 0 and d.pending() == {}
    d.submit("canvas", lambda: runs.append((clock.now, state["answers"])))  # right after a run: waits its turn
    assert d.pending() == {"canvas": 1123 + 30}
    clock.now = 1153
    d.run_due()
    clock.now = 1300
    d.submit("canvas", lambda: runs.append((clock.now, state["answers"])))  # after a quiet while
    assert d.pending() == {"canvas": 1303}  # settles, then runs: no wait for the interval


def test_debounced_keys_are_apart_and_interval_zero_runs_at_once():
    clock, runs = Seconds(), []
    d = Debounced(TaskQueue("slack", 0), interval=30, clock=clock)
    d.submit("C1", runs.append, "C1")
    d.submit("C2", runs.append, "C2")
    clock.now += 3
    d.run_due()
    assert sorted(runs) == ["C1", "C2"]
    now = Debounced(TaskQueue("slack", 0), interval=0, clock=clock)
    now.submit("C1", runs.append, "at once")
    assert runs[-1] == "at once" and now.pending() == {}


def test_debounced_a_rate_limited_run_is_tried_again_after_retry_after_with_the_changes_meanwhile():
    clock, state, edits = Seconds(), {"n": 0}, []
    limited = {"left": 1}

    def edit() -> None:
        if limited["left"]:
            limited["left"] -= 1
            raise _rate_limited("20")
        edits.append(state["n"])

    d = Debounced(TaskQueue("slack", 0), interval=30, clock=clock)
    state["n"] += 1
    d.submit("canvas", edit)
    clock.now += 3
    d.run_due()  # 429: nothing shown, due again in 20 s
    assert edits == [] and d.pending() == {"canvas": 1023}
    state["n"] += 1
    d.submit("canvas", edit)  # joins the waiting run
    clock.now += 19
    assert d.run_due() == 0
    clock.now += 1
    assert d.run_due() == 1 and edits == [2]


def test_debounced_a_failed_run_is_logged_and_the_next_change_runs_again():
    clock, runs = Seconds(), []
    d = Debounced(TaskQueue("slack", 0), interval=0, clock=clock)
    d.submit("canvas", lambda: (_ for _ in ()).throw(KeyError("bug")))  # logged by the queue
    d.submit("canvas", runs.append, 1)
    assert runs == [1] and d.pending() == {}


def test_debounced_with_threads_runs_the_waiting_change_when_it_falls_due():
    clock, runs = Seconds(), []
    q = TaskQueue("slack", 4)
    d = Debounced(q, interval=30, clock=clock).start()
    d.submit("canvas", runs.append, "shown")
    assert not poll(lambda: runs, timeout=0.3)  # not yet: it settles for 3 s of its clock
    clock.now += 3  # its thread looks at least once a second
    assert poll(lambda: runs == ["shown"], timeout=5)
    d.stop()
    q.shutdown()
