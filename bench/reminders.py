"""Reminder delivery under Slack's limits: 10,000 reminders falling due within one minute for 1,000 people.

    python -m bench.reminders [--users 1000] [--per-user 10] [--spread 60]

The fake Slack runs in its own process and allows one message per second per channel, refusing 2% of
messages at random with a 429 (Retry-After: 1). The bot's dispatcher runs here on a SQLite file, woken every
second as the clock would, on the real wall clock. Reported:
- delivery time: from the first reminder falling due to the last one delivered (its row marked sent);
- the floor: what the limits allow at best, if every message went out the instant it could (each person's
  reminders due by then in one message, at most one message per second in each DM): the baseline, computed
  in the same run from the same due times;
- duplicates and losses, counted from the reminder ids in the messages Slack received (both must be 0);
- peak memory of this process (the fake Slack's is its own).
Targets: within 1.2x the floor, under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

ZONES = ["Asia/Tokyo", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "UTC", "Australia/Sydney"]


def serve_fake(users: int) -> None:
    from fakeslack.api import FakeSlack

    fake = FakeSlack(channel_rate=1.0, random_429=0.02).start()
    for n in range(users):
        fake.add_user(f"UB{n:05d}", f"person{n}", tz=ZONES[n % len(ZONES)])
    print(f"URL {fake.url}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def floor_seconds(dues: dict[str, list[float]]) -> float:
    """Earliest possible last delivery, relative to the first due time: per person, send whatever is due as one
    message, no sooner than one second after their previous message."""
    first = min(t for ts in dues.values() for t in ts)
    last = first
    for ts in dues.values():
        ts = sorted(ts)
        sent_at = None
        i = 0
        while i < len(ts):
            at = ts[i] if sent_at is None else max(ts[i], sent_at + 1.0)
            while i < len(ts) and ts[i] <= at:  # everything due by then goes in this message
                i += 1
            sent_at = at
        last = max(last, sent_at)
    return last - first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which the reminders fall due")
    parser.add_argument("--serve-fake", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        serve_fake(args.serve_fake)
        return 0

    import logging

    from sqlalchemy import insert

    from bot.config import Settings
    from bot.reminders.kinds import make_dispatcher
    from bot.services import Services
    from bot.slack import Directory, make_client
    from bot.storage.db import init_db, make_engine, session_scope
    from bot.storage.models import ActionItem, Reminder, Workshop
    from bot.tasks import TaskQueue

    logging.basicConfig(level=logging.ERROR)
    proc = subprocess.Popen([sys.executable, "-m", "bench.reminders", "--serve-fake", str(args.users)],
                            stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip().removeprefix("URL ")
    try:
        engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
        init_db(engine)
        client = make_client(token="xoxb-fake-token", base_url=url + "/api/")
        svc = Services(settings=Settings(_env_file=None), engine=engine, client=client, worker=TaskQueue("w", 0),
                       outbox=TaskQueue("o", 2), directory=Directory(client), clock=lambda: datetime.now(UTC))
        rng = random.Random(3)
        start = datetime.now(UTC) + timedelta(seconds=5)  # time to set up, then the minute begins
        users = [f"UB{n:05d}" for n in range(args.users)]
        with session_scope(engine) as s:
            ws = Workshop(team_id="T0TEAM", channel_id="CBENCH", title="Bench", template="buyer", created_by="UF")
            s.add(ws)
            s.flush()
            actions = [{"team_id": "T0TEAM", "workshop_id": ws.id, "text": f"Task {n} of {u}", "owner": u,
                        "due": date(2030, 1, 1), "status": "open", "created_by": "UF", "created_at": start,
                        "updated_at": start} for u in users for n in range(args.per_user)]
            s.execute(insert(ActionItem), actions)
            ids = [a.id for a in s.exec(__import__("sqlmodel").select(ActionItem).order_by(ActionItem.id))]
            dues: dict[str, list[float]] = defaultdict(list)
            rows = []
            for action_id, a in zip(ids, actions, strict=True):
                due = start + timedelta(seconds=rng.uniform(0, args.spread))
                dues[a["owner"]].append(due.timestamp())
                rows.append({"team_id": "T0TEAM", "workshop_id": ws.id, "kind": "action_due_soon",
                             "subject_id": action_id, "recipient": a["owner"], "due_at": due, "status": "pending",
                             "attempts": 0, "late": False, "created_at": start})
            s.execute(insert(Reminder), rows)
        total = len(rows)
        floor = floor_seconds(dues)
        first_due = min(t for ts in dues.values() for t in ts)
        dispatcher = make_dispatcher(svc, name="bench")
        dispatcher.senders = 32
        while time.time() < first_due:
            time.sleep(0.05)
        deadline = time.time() + args.spread * 5 + 60
        while time.time() < deadline:
            tick_started = time.time()
            dispatcher.tick()
            with session_scope(engine) as s:
                left = s.exec(__import__("sqlmodel").select(Reminder).where(Reminder.status != "sent")).first()
            if left is None:
                break
            time.sleep(max(0.0, 1.0 - (time.time() - tick_started)))  # the clock wakes it every second
        with session_scope(engine) as s:
            statuses = Counter(r.status for r in s.exec(__import__("sqlmodel").select(Reminder)))
            last_sent = max(r.sent_at for r in s.exec(__import__("sqlmodel").select(Reminder)) if r.sent_at)
        delivered = json.loads(urllib.request.urlopen(url + "/_fake/reminders").read())
        seen = Counter(rid for ids_ in delivered.values() for rid in ids_)
        duplicates = sum(n - 1 for n in seen.values() if n > 1)
        losses = total - len(seen)
        messages = sum(1 for ch in delivered.values() for _ in ch)
        took = last_sent.timestamp() - first_due
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        proc.terminate()
        proc.wait()

    print(f"{total} reminders for {args.users} people, due over {args.spread:.0f} s; "
          "fake Slack: 1 message/s per channel, 2% random 429s")
    print(f"{'':<22}{'seconds':>9}")
    print(f"{'floor (the limits)':<22}{floor:>9.1f}")
    print(f"{'delivery (ours)':<22}{took:>9.1f}   ratio {took / floor:.2f}")
    print(f"reminder ids delivered: {len(seen)}; duplicates {duplicates}; losses {losses}; rows {dict(statuses)}")
    print(f"peak memory {peak:.0f} MB")
    ok = took <= 1.2 * floor and duplicates == 0 and losses == 0 and peak < 200
    print(f"\n{'PASS' if ok else 'FAIL'}  ratio {took / floor:.2f} (target <= 1.2), duplicates {duplicates}, "
          f"losses {losses}, {peak:.0f} MB (target < 200)")
    del messages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
