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
