"""A reminder dispatcher in a process of its own, for tests that kill it or run several side by side.

    python -m tests.dispatcher_process DATABASE_URL SLACK_API_URL NAME MODE [SECONDS]

MODE `crash-after-post`: deliver, and die by SIGKILL right after Slack accepted the message (before the row is
marked sent). MODE `run`: tick for SECONDS seconds.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime

from bot.config import Settings
from bot.delivery import make_dispatcher
from bot.services import Services
from bot.slack import Directory, make_client
from bot.storage.db import make_engine
from bot.tasks import TaskQueue


def main() -> None:
    db, api, name, mode = sys.argv[1:5]
    engine = make_engine(db)
    client = make_client(token="xoxb-fake-token", base_url=api)
    svc = Services(settings=Settings(_env_file=None), engine=engine, client=client, worker=TaskQueue("w", 0),
                   outbox=TaskQueue("o", 0), directory=Directory(client), clock=lambda: datetime.now(UTC))
    dispatcher = make_dispatcher(svc, name=name)
    if mode == "crash-after-post":
        dispatcher._mark_sent = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        dispatcher.tick()
        return
    dispatcher.batch = 10  # small claims, so processes really interleave
    deadline = time.time() + float(sys.argv[5])
    while time.time() < deadline:
        dispatcher.tick()
        time.sleep(0.05)
    print("done", flush=True)


if __name__ == "__main__":
    main()
