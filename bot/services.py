"""What the handlers are given: the database, the Slack client, the outbox, the clock. Built only by build_app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.inbox import Inbox
from bot.slack import Directory
from bot.storage.db import session_scope
from bot.tasks import Coalescing, Debounced, InOrder, TaskQueue


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    client: WebClient
    worker: TaskQueue  # small database writes that Slack calls hand back (a posted message's ts), in order
    outbox: TaskQueue  # Slack calls, in parallel
    directory: Directory
    inbox: Inbox | None = None  # requests from Slack, stored before the ack and processed from the database
    # A reply's ✅ and private hints: a few threads of their own, so a burst of answers (reactions.add is Tier 3,
    # about 50 a minute) waits its turn there and never holds up prompts, answers to commands or reminders.
    confirmations: TaskQueue | None = None
    clock: Callable[[], datetime] = utc_clock
    refreshes: Coalescing | None = None  # live message updates (ballots), coalesced on the outbox
    in_order: InOrder | None = None  # Slack calls that must keep their order (a channel's prompts)
    synthesizer: object | None = None  # the model synthesis, when OPENAI_API_KEY is set
    # The maps' canvases (and pinned-message fallbacks): at most one edit per canvas every CANVAS_REFRESH_SECONDS,
    # each change shown within that time. Its clock is `clock`'s, so tests move it by hand.
    canvas_edits: Debounced | None = None

    def __post_init__(self) -> None:
        if self.refreshes is None:
            self.refreshes = Coalescing(self.outbox)
        if self.in_order is None:
            self.in_order = InOrder(self.outbox)
        if self.canvas_edits is None:
            interval = self.settings.canvas_refresh_seconds if self.settings is not None else 0  # (tests' bare services)
            self.canvas_edits = Debounced(self.outbox, interval=interval,
                                          clock=lambda: self.clock().timestamp())
        self._canvas_client: WebClient | None = None

    @property
    def canvas_client(self) -> WebClient:
        """The Slack client for canvas edits: it doesn't wait out a 429 on an outbox thread; the debouncer tries
        again after the Retry-After, with whatever changed meanwhile (see `canvas_edits`)."""
        if self._canvas_client is None:
            from bot.slack import without_rate_limit_waits

            self._canvas_client = without_rate_limit_waits(self.client)
        return self._canvas_client

    def warm(self, *users: str | None) -> None:
        """Look people up in Slack (users.info, cached) before a transaction opens, never while one holds the
        database: `zone_of` inside it then finds them in memory."""
        for user in users:
            if user:
                self.directory.user(user)

    def zone_of(self, session: Session, team_id: str) -> Callable[[str], ZoneInfo]:
        """user id → their Slack time zone, through the profile cache (refreshed from Slack after a week)."""
        from bot.reminders.schedule import user_zone

        # Inside a transaction only what `warm` already fetched is used: no Slack call while the database waits.
        cached = self.directory.cache_only()
        return lambda user: user_zone(session=session, team_id=team_id, user_id=user, directory=cached,
                                      now=self.clock())

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as s:
            yield s
