"""Work that runs after Slack has its acknowledgement.

Queues built from this class: the *outbox* (many threads) makes the Slack calls, whose latency is network time;
the *worker* (one thread, so writes land in the order they were handed over) stores what those calls hand back
(a posted message's ts, a finished synthesis), waiting out a database outage; the *confirmations* lane sends a
reply's ✅ and private hints. Requests themselves are processed by the inbox (bot/inbox.py). With `threads=0` a
queue runs each task inline, in the caller's thread: tests use that so every request's effects are complete
when its response arrives.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

Task = tuple[Callable[..., Any], tuple, dict, Callable[[BaseException], None] | None]


class TaskQueue:
    def __init__(self, name: str, threads: int, *, retry_delays: Sequence[float] = (),
                 after: threading.Event | None = None, patience: float = 1.0):
        """`retry_delays`: seconds to wait before each new try of a task that failed because the database
        was unreachable or locked (the task runs again in place, so later tasks keep their order).
        `after`: a low-priority queue waits (up to `patience` seconds a task) for this event before each task."""
        self.name = name
        self.retry_delays = tuple(retry_delays)
        self.after, self.patience = after, patience
        self._queue: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True) for i in range(threads)
        ]
        for t in self._threads:
            t.start()

    def submit(self, fn: Callable[..., Any], *args: Any, on_error: Callable[[BaseException], None] | None = None,
               **kwargs: Any) -> None:
        """Run `fn(*args, **kwargs)` later. `on_error` hears about a failure that no retry mended."""
        with self._idle:
            self._pending += 1
        task = (fn, args, kwargs, on_error)
        if self._threads:
            self._queue.put(task)
        else:
            self._run(task)

    def _loop(self) -> None:
        while (task := self._queue.get()) is not None:
            if self.after is not None:
                self.after.wait(self.patience)
            self._run(task)
            time.sleep(0)  # hand the interpreter lock to request threads between tasks: acks come first

    def _run(self, task: Task) -> None:
        fn, args, kwargs, on_error = task
        name = getattr(fn, "__name__", "task")
        try:
            for delay in (*self.retry_delays, None):
                try:
                    fn(*args, **kwargs)
                    return
                except OperationalError:
                    if delay is None:
                        raise
                    log.warning("%s: database unavailable in %s; trying again in %.1fs", self.name, name, delay)
                    time.sleep(delay)
        except SlackApiError as e:
            log.warning("%s: Slack call in %s failed: %s", self.name, name, e.response.get("error"))
            self._tell(on_error, e)
        except Exception as e:
            log.exception("%s: %s failed", self.name, name)
            self._tell(on_error, e)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    @staticmethod
    def _tell(on_error: Callable[[BaseException], None] | None, error: BaseException) -> None:
        if on_error is None:
            return
        try:
            on_error(error)
        except Exception:  # telling the user is best effort; the failure itself is already logged
            log.warning("could not report a failed task to its user", exc_info=True)

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until no task is pending; True if that happened within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self, timeout: float = 30.0) -> None:
        """Finish what is queued (within `timeout`), then stop the threads."""
        self.join(timeout)
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=1)


class Coalescing:
    """Runs `fn` for a key on a queue so that a burst of requests makes at most one queued run per key, and runs
    for one key never overlap. Each run reads the state when it starts, so the last one shows the final state:
    fifty people voting in a second cost a couple of message updates, not fifty."""

    def __init__(self, tasks: TaskQueue):
        self._tasks = tasks
        self._guard = threading.Lock()
        self._queued: set = set()
        self._locks: dict = {}

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any) -> None:
        with self._guard:
            if key in self._queued:
                return
            self._queued.add(key)
            lock = self._locks.setdefault(key, threading.Lock())
        self._tasks.submit(self._run, key, lock, fn, args)

    def _run(self, key: Any, lock: threading.Lock, fn: Callable[..., Any], args: tuple) -> None:
        with lock:
            with self._guard:
                self._queued.discard(key)
            fn(*args)


class InOrder:
    """Runs the tasks of one key one after another, in the order they were submitted, on a queue's threads (the
    other keys' tasks go on in parallel): a channel's prompts must arrive in order, however fast they come."""

    def __init__(self, tasks: TaskQueue):
        self._tasks = tasks
        self._guard = threading.Lock()
        self._waiting: dict[Any, collections.deque] = {}

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with self._guard:
            first = key not in self._waiting
            self._waiting.setdefault(key, collections.deque()).append((fn, args, kwargs))
        if first:
            self._tasks.submit(self._run, key)

    def _run(self, key: Any) -> None:
        while True:
            with self._guard:
                waiting = self._waiting[key]
                if not waiting:
                    del self._waiting[key]
                    return
                fn, args, kwargs = waiting.popleft()
            try:
                fn(*args, **kwargs)
            except Exception:  # one failed task (already told to its user where it could) doesn't stop the rest
                log.exception("%s: %s failed", self._tasks.name, getattr(fn, "__name__", "task"))


def retry_after(error: BaseException) -> float | None:
    """Seconds Slack asked us to wait, when `error` is its rate limit (HTTP 429); None for anything else."""
    if not isinstance(error, SlackApiError) or getattr(error.response, "status_code", None) != 429:
        return None
    headers = {str(k).lower(): v for k, v in (getattr(error.response, "headers", None) or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return 30.0  # Slack always sends Retry-After; without one, a Tier 2/3 minute's share


class Debounced:
    """Live views that are expensive to update (a channel's canvas: canvases.edit is Tier 3), per key: at most one
    run every `interval` seconds, and every change shown within `interval` seconds of it. A run starts `settle`
    seconds after the first change it will show (so a burst lands in one run) and no sooner than `interval` after
    the key's previous run began; changes while one is waiting join it, changes while one runs get one more run.
    Each run reads the state when it starts, so the last shows the final state: a burst of 200 answers makes a
    handful of edits. A run that Slack rate limits (HTTP 429, raised by `fn`) runs again after its Retry-After,
    with whatever changed meanwhile. `interval` 0: each change runs at once (coalesced, as `Coalescing`).

    Time is `clock()` seconds. `run_due()` starts what is due on the queue: the thread `start()` makes calls it, and
    tests call it after moving their clock."""

    def __init__(self, tasks: TaskQueue, *, interval: float, clock: Callable[[], float] = time.monotonic,
                 settle: float | None = None):
        self._tasks = tasks
        self.interval = interval
        self.settle = min(interval, 3.0) if settle is None else settle
        self._clock = clock
        self._cv = threading.Condition()
        self._work: dict[Any, tuple[Callable[..., Any], tuple]] = {}
        self._due: dict[Any, float] = {}
        self._began: dict[Any, float] = {}  # when each key's last run began
        self._running: set = set()
        self._again: set = set()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any) -> None:
        with self._cv:
            self._work[key] = (fn, args)
            if key in self._running:
                self._again.add(key)
                return
            if key not in self._due:
                self._due[key] = self._next(key, self._clock())
                self._cv.notify()
            due_now = self._due[key] <= self._clock()
        if due_now:
            self.run_due()

    def _next(self, key: Any, now: float) -> float:
        began = self._began.get(key)
        return max(now + self.settle, began + self.interval if began is not None else now)

    def pending(self) -> dict[Any, float]:
        """Keys waiting for their run, and when it is due (for tests and logs)."""
        with self._cv:
            return dict(self._due)

    def run_due(self) -> int:
        """Start the runs that are due; returns how many."""
        with self._cv:
            now = self._clock()
            ready = [k for k, due in self._due.items() if due <= now]
            for k in ready:
                del self._due[k]
                self._running.add(k)
            for k in [k for k, began in self._began.items()  # forget keys quiet for a while
                      if began + self.interval < now and k not in self._due and k not in self._running]:
                del self._began[k]
        for k in ready:
            self._tasks.submit(self._run, k)
        return len(ready)

    def _run(self, key: Any) -> None:
        with self._cv:
            fn, args = self._work[key]
            self._began[key] = self._clock()
        wait = None
        try:
            fn(*args)
        except SlackApiError as e:
            wait = retry_after(e)
            if wait is None:
                raise
            log.warning("%s: rate limited; trying again in %.0f s", getattr(fn, "__name__", "task"), wait)
        finally:
            with self._cv:
                self._running.discard(key)
                now = self._clock()
                if wait is not None:
                    self._again.discard(key)
                    self._due[key] = now + wait
                elif key in self._again:
                    self._again.discard(key)
                    self._due[key] = self._next(key, now)
                else:
                    self._work.pop(key, None)
                due_now = self._due.get(key, now + 1) <= now
                self._cv.notify()
        if due_now:
            self.run_due()

    def start(self) -> Debounced:
        """A thread that starts runs as they fall due (the clock is read at least once a second)."""
        self._thread = threading.Thread(target=self._loop, name="debounced", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while True:
            with self._cv:
                if self._stopped:
                    return
                soonest = min(self._due.values(), default=None)
                wait = 1.0 if soonest is None else min(max(soonest - self._clock(), 0.01), 1.0)
                self._cv.wait(wait)
                if self._stopped:
                    return
            self.run_due()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
