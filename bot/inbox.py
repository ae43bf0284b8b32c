"""The inbox: an acknowledgement is a promise (Slack never resends what got a 200).

A listener hands what Slack sent to `Inbox.accept`, which returns only once the payload is committed; then the
listener acks. The write is one short transaction on the request's own thread (see `_Writer` for why not a
writer thread). If the database can't take the request within Slack's deadline, `accept` raises, the request
gets an error, and Slack sends it again rather than the bot promising what it can't keep.

A processor then takes pending rows in batches. Each batch is one transaction: the rules' changes and each
row's `done` mark commit together, so a process killed at any moment leaves a row either untouched (processed
later, by this process after a restart or by any other process sharing the database) or done, never half done.
Slack look-ups a rule needs run before that transaction opens (`prepare`); the Slack calls a rule produces run
on the outbox after it commits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.context.respond import Respond
from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.storage.db import session_scope
from bot.storage.models import InboxDone, InboxEntry
from bot.tasks import TaskQueue

log = logging.getLogger(__name__)

Then = list[Callable[[], None]]  # Slack calls to make once the transaction has committed
KEEP_DONE = timedelta(days=1)  # keys of processed requests: any redelivery or replay comes far sooner
KEEP_FAILED = timedelta(days=7)  # failed payloads stay a week for an operator to look into, then go
_TABLE = InboxEntry.__table__
_DONE = InboxDone.__table__
# While requests arrive (one accepted in the last ARRIVING seconds), processing runs in batches of BURST_BATCH and
# then waits YIELD times as long as the batch took: acks keep most of the CPU and the database.
ARRIVING = 0.02
BURST_BATCH = 20
YIELD = 9


class InboxUnavailable(Exception):
    """The database couldn't take the request in time: answer Slack with an error so that it retries."""


class NotYet(Exception):
    """Raised by a rule for a request it can't apply yet, because what it refers to isn't stored yet (a reply
    overtaking its prompt's ts). The request stays pending and is tried again after a growing delay (its route's
    `prepare` sees `Request.attempts`); after GIVE_UP it is taken as one that needs nothing done."""


GIVE_UP = timedelta(minutes=10)


@dataclass(frozen=True)
class Request:
    """One stored request, as a rule sees it."""

    id: int
    kind: str
    team_id: str  # the installation's workspace (bot/workspace.py), never the actor's
    enterprise_id: str | None
    bot_user_id: str | None
    body: dict
    received_at: datetime
    attempts: int = 0  # times it was put off (NotYet)

    @property
    def user_id(self) -> str | None:
        body = self.body
        if self.kind == "command":
            return body.get("user_id")
        if self.kind == "event":
            return (body.get("event") or {}).get("user")
        return (body.get("user") or {}).get("id")

    @property
    def respond(self) -> Respond:
        """Answers through the request's response_url (commands and buttons have one, for 30 minutes)."""
        return Respond(response_url=self.body.get("response_url"))


@dataclass(frozen=True)
class Route:
    kind: str
    apply: Callable[[Session, Request, Any], Then | None]  # the rules, in the batch's transaction; no Slack calls
    key: Callable[[dict], str]  # Slack's identity of the request (the same on a redelivery)
    matches: Callable[[dict], bool] = lambda _body: True
    wanted: Callable[[dict], bool] = lambda _body: True  # worth storing at all (else only acknowledged)
    prepare: Callable[[Request], Any] | None = None  # Slack look-ups, before the transaction opens
    # Requests that can be applied many at a time (new thread replies): consecutive ones go to `apply_many`.
    batchable: Callable[[Request], bool] | None = None
    apply_many: Callable[[Session, list[Request]], list[Then]] | None = None


class Inbox:
    def __init__(self, engine: Engine, *, outbox: TaskQueue, clock: Callable[[], datetime],
                 inline: bool = False, batch: int = 100, poll_seconds: float = 1.0,
                 accept_timeout: float = 2.5, retry_delays: Iterable[float] = (0.5, 1, 2, 4, 8, 15, 30)):
        """`inline`: accept() processes the request in the caller's thread before it returns (tests)."""
        self.engine = engine
        self.outbox = outbox
        self.clock = clock
        self.inline = inline
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.accept_timeout = accept_timeout
        self.retry_delays = tuple(retry_delays)
        self.on_failure: Callable[[Request, BaseException], Then | None] | None = None
        self.lanes: dict[str, TaskQueue] = {}  # queues other than the outbox, by the name a task asks for
        self._routes: list[Route] = []
        self._insert = _insert_ignoring_duplicates(engine)
        self._writer: _Writer | None = None
        self._processor: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._last_purge = 0.0
        self._last_accept = 0.0
        # Set while no requests are arriving and nothing is waiting: low-priority Slack calls (a reply's ✅) wait
        # for it, so a burst is acknowledged and stored first.
        self.quiet = threading.Event()
        self.quiet.set()

    # --- Routes -------------------------------------------------------------------------------------------

    def route(self, kind: str, apply: Callable[[Session, Request, Any], Then | None], *, key: Callable[[dict], str],
              prepare: Callable[[Request], Any] | None = None, matches: Callable[[dict], bool] | None = None,
              wanted: Callable[[dict], bool] | None = None, batchable: Callable[[Request], bool] | None = None,
              apply_many: Callable[[Session, list[Request]], list[Then]] | None = None) -> None:
        self._routes.append(Route(kind, apply, key, matches or (lambda _body: True), wanted or (lambda _body: True),
                                  prepare, batchable, apply_many))

    def _route_for(self, request: Request) -> Route | None:
        return self._route(request.kind, request.body)

    def _route(self, kind: str, body: dict) -> Route | None:
        return next((r for r in self._routes if r.kind == kind and r.matches(body)), None)

    # --- Accepting ----------------------------------------------------------------------------------------

    def handles(self, kind: str, body: dict) -> bool:
        return self._route(kind, body) is not None

    def take(self, kind: str, body: dict, *, team_id: str, enterprise_id: str | None = None,
             bot_user_id: str | None = None, raw: str | None = None) -> None:
        """What a listener does with a request: store it if a route wants it (else it is only acknowledged).
        `raw`: the body as Slack sent it, when it is JSON (stored as it is rather than encoded again)."""
        route = self._route(kind, body)
        if route is not None and route.wanted(body):
            self.accept(key=route.key(body), kind=kind, team_id=team_id, body=body, enterprise_id=enterprise_id,
                        bot_user_id=bot_user_id, raw=raw)

    def accept(self, *, key: str, kind: str, team_id: str, body: dict, enterprise_id: str | None = None,
               bot_user_id: str | None = None, raw: str | None = None) -> None:
        """Store the request durably (a redelivery of a stored one is a no-op). Raises InboxUnavailable when the
        database can't take it in time."""
        row = {"key": key[:255], "kind": kind, "team_id": team_id, "enterprise_id": enterprise_id,
               "bot_user_id": bot_user_id, "body": raw or json.dumps(body, separators=(",", ":")),
               "received_at": self.clock(), "attempts": 0}
        if self._writer is not None:
            self._writer.put(row)
            self._last_accept = time.monotonic()
            self._wake.set()
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(self._insert, [row])
        except OperationalError as e:
            raise InboxUnavailable("the database is unavailable") from e
        if self.inline:
            self._process_inline(row["key"])

    def _process_inline(self, key: str) -> None:
        for delay in (*self.retry_delays, None):
            try:
                self.process(key=key)
                return
            except OperationalError:
                if delay is None:  # still stored: the next processing run takes it
                    log.warning("inbox: database unavailable; request left for the next run")
                    return
                time.sleep(delay)

    # --- Processing ---------------------------------------------------------------------------------------

    def process(self, *, key: str | None = None, limit: int | None = None) -> int:
        """Process pending requests (oldest first; or the one with `key`) in one transaction; returns how many
        were taken. Raises OperationalError when the database is unavailable (nothing is lost: they stay pending)."""
        with session_scope(self.engine) as s:
            query = select(InboxEntry).where(InboxEntry.failed.is_(None), or_(
                InboxEntry.retry_at.is_(None), InboxEntry.retry_at <= self.clock()))
            query = query.where(InboxEntry.key == key) if key else query.order_by(InboxEntry.id).limit(
                limit or self.batch)
            requests = [_request(e) for e in s.scalars(query)]
        if not requests:
            return 0
        prepared: dict[int, Any] = {}
        for req in requests:
            route = self._route_for(req)
            if route is not None and route.prepare is not None:
                try:
                    prepared[req.id] = route.prepare(req)
                except Exception as e:  # a bug in a look-up; the request fails below, told to its author
                    prepared[req.id] = e
        then: Then = []
        with session_scope(self.engine) as s:
            claim = select(InboxEntry.id, InboxEntry.key).where(InboxEntry.id.in_([r.id for r in requests]))
            if self.engine.dialect.name == "postgresql":
                claim = claim.with_for_update(skip_locked=True)  # another process has them: it does them
            live = dict(s.execute(claim).all())
            seen = set(s.scalars(select(InboxDone.key).where(InboxDone.key.in_(list(live.values())))))
            gone = [r.id for r in requests if r.id in live and live[r.id] in seen]  # redelivered after processing
            requests = [r for r in requests if r.id in live and live[r.id] not in seen]
            done: list[Request] = []
            for route, run in _runs(requests, self._route_for):
                if len(run) > 1:  # many alike (a burst of replies): one go, or one by one if that fails
                    try:
                        with s.begin_nested():
                            then.extend(t for ts in route.apply_many(s, run) for t in ts)
                        done.extend(run)
                        continue
                    except OperationalError:
                        raise
                    except NotYet:
                        pass  # one of them must wait: the others go on, one by one
                    except Exception:
                        log.warning("inbox: a batch of %s failed; taking them one by one", len(run))
                for req in run:
                    ok, applied = self._apply(s, route, req, prepared.get(req.id))
                    then.extend(applied)
                    if ok:
                        done.append(req)
            if done:
                now = self.clock()
                s.execute(_insert_ignoring_duplicates(self.engine, _DONE),
                          [{"key": live[r.id], "done_at": now} for r in done])
            if done or gone:
                s.execute(delete(_TABLE).where(_TABLE.c.id.in_([r.id for r in done] + gone)))
        for task in then:
            self.lanes.get(getattr(task, "lane", None), self.outbox).submit(task)
        return len(requests) + len(gone)

    def _apply(self, s: Session, route: Route | None, req: Request, prepared: Any) -> tuple[bool, Then]:
        """One request in a savepoint of the batch's transaction: (done, Slack calls to make). One that fails is
        marked failed, and its author hears so where Slack lets us answer."""
        if route is None:
            return True, []
        try:
            if isinstance(prepared, Exception):
                raise prepared
            with s.begin_nested():  # a request that fails leaves the rest of the batch alone
                return True, list(route.apply(s, req, prepared) or [])
        except OperationalError:
            raise  # the database went away: the whole batch stays pending
        except NotYet:
            now = self.clock()
            if now - req.received_at > GIVE_UP:
                log.info("inbox: %s request %s still can't be applied; nothing to do", req.kind, req.id)
                return True, []
            delay = self.retry_delays[min(req.attempts, len(self.retry_delays) - 1)]
            s.execute(update(_TABLE).where(_TABLE.c.id == req.id).values(
                attempts=req.attempts + 1, retry_at=now + timedelta(seconds=delay)))
            return False, []
        except Exception as e:
            log.error("inbox: %s request %s failed (%s)", req.kind, req.id, type(e).__name__, exc_info=e)
            s.execute(update(_TABLE).where(_TABLE.c.id == req.id).values(failed=type(e).__name__))
            s.flush()
            return False, list(self.on_failure(req, e) or []) if self.on_failure else []

    # --- The threads --------------------------------------------------------------------------------------

    def start(self) -> Inbox:
        """Group commit for acks and a processor thread (which also takes over what a dead process left)."""
        self._writer = _Writer(self.engine, timeout=self.accept_timeout)
        self._processor = threading.Thread(target=self._loop, name="inbox", daemon=True)
        self._processor.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the batch in hand. Nothing depends on this: what is still pending stays in the database."""
        self._stopping.set()
        self._wake.set()
        if self._processor is not None:
            self._processor.join(timeout)

    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                self._drain()
                self._purge()
                failures = 0
            except OperationalError:
                delay = self.retry_delays[min(failures, len(self.retry_delays) - 1)]
                failures += 1
                log.warning("inbox: database unavailable; requests stay pending, trying again in %ss", delay)
                self._stopping.wait(delay)
            except Exception:
                log.exception("inbox: processing failed")
                self._stopping.wait(1)

    def _drain(self) -> None:
        """Process until nothing is pending. While requests are arriving, acks come first: the processor takes
        what gathered in small batches and leaves most of the time (and SQLite's one write lock) to the acks."""
        while not self._stopping.is_set():
            arriving = time.monotonic() - self._last_accept < ARRIVING
            if arriving:
                self.quiet.clear()
                self._stopping.wait(ARRIVING)
            limit = BURST_BATCH if arriving else self.batch
            started = time.monotonic()
            taken = self.process(limit=limit)
            if taken < limit and not arriving:
                self.quiet.set()  # caught up
            else:
                self.quiet.clear()
            if not taken:
                return
            if arriving:
                self._stopping.wait(YIELD * (time.monotonic() - started))

    def _purge(self) -> None:
        if time.monotonic() - self._last_purge < 600:
            return
        self._last_purge = time.monotonic()
        now = self.clock()
        with session_scope(self.engine) as s:
            s.execute(delete(_DONE).where(_DONE.c.done_at < now - KEEP_DONE))
            s.execute(delete(_TABLE).where(_TABLE.c.failed.is_not(None), _TABLE.c.received_at < now - KEEP_FAILED))

    def pending(self) -> int:
        with session_scope(self.engine) as s:
            return len(list(s.scalars(select(InboxEntry.id).where(InboxEntry.failed.is_(None)))))


def _runs(requests: list[Request], route_for: Callable[[Request], Route | None]):
    """Consecutive requests of one workspace that one route can apply together, in order; every other alone."""
    run: list[Request] = []
    run_route: Route | None = None
    for req in requests:
        route = route_for(req)
        if route is not None and route.apply_many is not None and route.batchable(req):
            if run and (route is not run_route or req.team_id != run[0].team_id):
                yield run_route, run
                run = []
            run_route = route
            run.append(req)
            continue
        if run:
            yield run_route, run
            run = []
        yield route, [req]
    if run:
        yield run_route, run


def _request(e: InboxEntry) -> Request:
    return Request(id=e.id, kind=e.kind, team_id=e.team_id, enterprise_id=e.enterprise_id,
                   bot_user_id=e.bot_user_id, body=json.loads(e.body or "{}"), received_at=e.received_at,
                   attempts=e.attempts)


def _insert_ignoring_duplicates(engine: Engine, table=_TABLE):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=["key"])


_COLUMNS = ("key", "kind", "team_id", "enterprise_id", "bot_user_id", "body", "received_at", "attempts")


class _Writer:
    """Stores an accepted request from the request's own thread: no hand-off to another thread (on a busy
    process every hand-off waits for the interpreter lock), one statement on a connection kept for it, straight
    to the driver (SQLAlchemy's own cost would show on this one hot path).
    On SQLite, with WAL and synchronous=NORMAL, a commit costs tens of microseconds and survives the process
    being killed; PostgreSQL makes concurrent commits share their flush to disk by itself."""

    def __init__(self, engine: Engine, *, timeout: float):
        self._engine = engine
        self._timeout = timeout
        self._local = threading.local()  # a connection per request thread
        compiled = _insert_ignoring_duplicates(engine).compile(dialect=engine.dialect, column_keys=list(_COLUMNS))
        self._sql = compiled.string
        self._names = list(compiled.positiontup or []) if compiled.positional else None
        self._binds = {c: _TABLE.c[c].type.bind_processor(engine.dialect) for c in _COLUMNS}
        self._sqlite = engine.dialect.name == "sqlite"

    def put(self, row: dict) -> None:
        values = {c: (bind(row[c]) if (bind := self._binds[c]) else row[c]) for c in _COLUMNS}
        params = tuple(values[n] for n in self._names) if self._names is not None else values
        try:
            conn = self._connection()
            try:
                # One autocommitted statement, and no Python lock around it: SQLite's own lock is let go inside
                # the call, the moment the row is written, where a Python lock would be held until this thread got
                # the interpreter lock back (on a busy process, milliseconds later, with every request waiting).
                conn.execute(self._sql, params)
                if not self._sqlite:
                    conn.commit()
            except BaseException:
                self._forget(conn)  # a broken connection is not reused
                raise
        except Exception as e:  # the request gets an error answer; Slack sends it again
            log.warning("inbox: could not store a request: %s", type(e).__name__)
            raise InboxUnavailable("the database is unavailable") from e

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            pooled = self._engine.raw_connection()
            conn = pooled.dbapi_connection
            pooled.detach()  # this thread's own, outside the pool
            if self._sqlite:  # wait for another writer about as long as Slack waits for us
                conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            else:
                conn.execute(f"SET statement_timeout = {int(self._timeout * 1000)}")
                conn.commit()
            self._local.conn = conn
        return conn

    def _forget(self, conn) -> None:
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with contextlib.suppress(Exception):
            conn.close()


def first_time(session: Session, key: str, *, now: datetime) -> bool:
    """For requests handled before their ack (form submissions): record `key` as done in the caller's
    transaction; False if it was already there (the same submission, delivered again)."""
    stmt = _insert_ignoring_duplicates(session.get_bind(), _DONE).values(key=key[:255], done_at=now)
    return session.execute(stmt.returning(_DONE.c.key)).first() is not None
