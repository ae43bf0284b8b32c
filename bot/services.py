"""What the handlers are given: the database, the Slack client, the outbox, the clock. Built only by build_app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.slack import Directory
from bot.storage.db import session_scope
from bot.tasks import Coalescing, TaskQueue


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    client: WebClient
    worker: TaskQueue  # database work after the ack, in order
    outbox: TaskQueue  # Slack calls, in parallel
    directory: Directory
    clock: Callable[[], datetime] = utc_clock
    refreshes: Coalescing | None = None  # live message updates (ballots), coalesced on the outbox
    synthesizer: object | None = None  # the model synthesis, when OPENAI_API_KEY is set

    def __post_init__(self) -> None:
        if self.refreshes is None:
            self.refreshes = Coalescing(self.outbox)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as s:
            yield s
