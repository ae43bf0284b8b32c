"""A reminder dispatcher in a process of its own, for tests that kill it, freeze it or run several side by side;
and the helpers those tests share (seed reminders, start a process, count what Slack received).

    python -m tests.dispatcher_process DATABASE_URL SLACK_API_URL NAME MODE [--seconds S] [--lease S] ...

MODE `crash-after-post`: deliver, and die by SIGKILL right after Slack accepted the message (before the row is
marked sent). MODE `run`: tick for --seconds. MODE `drain`: tick until no reminder is due or claimed (at most
--seconds), then exit 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, or_
from sqlmodel import select

from bot.config import Settings
from bot.reminders.kinds import make_dispatcher
from bot.services import Services
from bot.slack import Directory, make_client
from bot.storage.db import make_engine, session_scope
from bot.storage.models import ActionItem, Reminder, Workshop
from bot.tasks import TaskQueue

ROOT = Path(__file__).parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("api")
    parser.add_argument("name")
    parser.add_argument("mode", choices=["crash-after-post", "run", "drain"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--lease", type=float, default=120, help="seconds")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--retry-after", type=float, help="seconds a row waits after a failed attempt")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.name} %(levelname)s %(message)s")
    engine = make_engine(args.db)
    client = make_client(token="xoxb-fake-token", base_url=args.api)
    svc = Services(settings=Settings(_env_file=None), engine=engine, client=client, worker=TaskQueue("w", 0),
                   outbox=TaskQueue("o", 0), directory=Directory(client), clock=lambda: datetime.now(UTC))
    dispatcher = make_dispatcher(svc, name=args.name, lease=timedelta(seconds=args.lease))
    dispatcher.batch, dispatcher.senders = args.batch, args.senders
    if args.retry_after is not None:
        dispatcher.retry_delays = (timedelta(seconds=args.retry_after),)
    if args.mode == "crash-after-post":
        dispatcher._mark_sent = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        dispatcher.tick()
        return
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        try:
            dispatcher.tick()
            if args.mode == "drain" and not unfinished(engine):
                break
        except Exception:  # as APScheduler does: log it, and tick again (a busy database, say)
            logging.exception("tick failed")
        time.sleep(0.05)
    print("done", flush=True)


def unfinished(engine) -> int:
    """Reminders due and not yet sent (or given up), claimed ones included."""
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(Reminder).where(or_(
            Reminder.status == "claimed",
            (Reminder.status == "pending") & (Reminder.due_at <= datetime.now(UTC))))).one()


# --- For the tests that run it ------------------------------------------------------------------------------


def spawn(db: str, fake, name: str, mode: str, logs: Path, **options) -> subprocess.Popen:
    """Start a dispatcher process; its log goes to logs/NAME.log (a pipe nobody reads could fill and block it)."""
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    with open(logs / f"{name}.log", "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "tests.dispatcher_process", db, fake.api_url, name, mode,
                                 *flags], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def finish(procs: list[subprocess.Popen], logs: Path, timeout: float = 60) -> None:
    """Wait for the processes to exit, all with status 0 (their logs in the message if not)."""
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            code = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "timed out"
        if code != 0:
            tails = {p.name: p.read_text()[-3000:] for p in logs.glob("*.log")}
            raise AssertionError(f"a dispatcher process ended with {code}; logs: {tails}")


def seed(engine, people: list[str], per_person: int) -> int:
    """`per_person` due reminders (each about an open action item) for each person; returns how many."""
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        ws = Workshop(team_id="T0TEAM", channel_id="CPROC", title="Processes", template="buyer", created_by="UF")
        s.add(ws)
        s.flush()
        s.execute(insert(ActionItem), [
            {"team_id": "T0TEAM", "workshop_id": ws.id, "text": f"Task {n}", "owner": p, "due": date(2030, 1, 1),
             "status": "open", "created_by": "UF", "created_at": now, "updated_at": now}
            for p in people for n in range(per_person)])
        actions = s.exec(select(ActionItem).order_by(ActionItem.id)).all()
        s.execute(insert(Reminder), [
            {"team_id": "T0TEAM", "workshop_id": ws.id, "kind": "action_due_soon", "subject_id": a.id,
             "recipient": a.owner, "due_at": now - timedelta(seconds=n % 7), "status": "pending", "attempts": 0,
             "late": False, "maybe_sent": False, "created_at": now} for n, a in enumerate(actions)])
    return len(people) * per_person


def delivered(fake, people) -> Counter:
    """How many times Slack received each reminder id (from the metadata of the DMs it stored)."""
    return Counter(rid for p in people for m in fake.dm_messages(p) if m.metadata
                   for rid in m.metadata["event_payload"]["reminder_ids"])


if __name__ == "__main__":
    main()
