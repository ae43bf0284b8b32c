"""A big workshop: 10,000 items from 200 people across 12 stages. `/journey status`, `/journey map` (the map model,
then the picture), every export and the digest, each timed as work on one core.

    python -m bench.big_workshop [--items 10000] [--people 200] [--stages 12] [--runs 3] [--database-url URL]

Everything runs in this one thread and the database is SQLite in a file (in-process, so its work is counted too):
each figure is `time.process_time()` of what the bot does for that command between the request and the Slack call,
from a fresh session (no ORM cache): the queries, the map model, the blocks or the file's bytes. The median of
`--runs` runs after one warm-up run (the first `/journey map` of a process also imports matplotlib and loads fonts:
reported apart). The baseline, from the same run: the raw SQL that reads the same rows (items, ratings, votes)
with nothing built from them. Peak memory per operation is tracemalloc's (a second pass, since tracing slows
Python down), and the process's peak RSS at the end. Queries counts how many SQL statements each operation sends:
it must not grow with the workshop (the test's short form checks that).
Target: under 2 s each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

TEAM, CHANNEL, FACILITATOR = "TBIG", "CBIG", "UFAC"
DEPARTMENTS = ["Sales", "Support", "Product", "Marketing", "Finance", "Legal", "Ops", None]
KINDS = ["touchpoint", "pain_point", "opportunity", "frontstage", "backstage", "unsorted"]
TARGET_S = 2.0


def populate(engine: Engine, *, items: int = 10_000, people: int = 200, stages: int = 12, seed: int = 7) -> int:
    """One open blueprint workshop in CBIG: `items` answers of every kind from `people` people spread over `stages`
    stages (a third of them pain points, some merged), every person's rating of every stage, 3 votes each, action
    items and validation tasks on the top pain points, everyone named. Returns its id."""
    from bot.storage.db import session_scope
    from bot.storage.models import (
        ActionEvent,
        ActionItem,
        DigestSubscription,
        Emotion,
        Facilitator,
        Item,
        PainMerge,
        Reply,
        Stage,
        Step,
        UserProfile,
        ValidationTask,
        Vote,
        VoteRound,
        Workshop,
    )

    rnd = random.Random(seed)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    users = [f"U{n:04d}" for n in range(people)]
    with session_scope(engine) as s:
        ws = Workshop(team_id=TEAM, channel_id=CHANNEL, title="A very big journey", template="buyer",
                      map_type="blueprint", created_by=FACILITATOR, created_at=start)
        s.add(ws)
        s.flush()
        s.add(Facilitator(team_id=TEAM, workshop_id=ws.id, user_id=FACILITATOR))
        stage_rows = [Stage(team_id=TEAM, workshop_id=ws.id, name=f"Stage {n + 1}", position=n) for n in range(stages)]
        s.add_all(stage_rows)
        s.flush()
        steps = [Step(team_id=TEAM, workshop_id=ws.id, channel_id=CHANNEL, kind="stage", stage_id=st.id,
                      position=n + 2, prompt_ts=f"1700000000.{n:06d}", opened_at=start, closed_at=start)
                 for n, st in enumerate(stage_rows)]
        steps[-1].closed_at = None
        s.add_all(steps)
        s.flush()
        replies = []
        for n in range(items // 4):  # four lines a reply
            step = steps[n % stages]
            replies.append(Reply(team_id=TEAM, channel_id=CHANNEL, ts=f"1700001000.{n:06d}", thread_ts=step.prompt_ts,
                                 user_id=users[n % people], workshop_id=ws.id, step_id=step.id, text="…"))
        s.add_all(replies)
        s.flush()
        dept_of = {u: DEPARTMENTS[i % len(DEPARTMENTS)] for i, u in enumerate(users)}
        rows, number, step_of = [], 0, {st.id: st for st in steps}
        for n in range(items):
            reply = replies[min(n // 4, len(replies) - 1)]
            step = step_of[reply.step_id]
            kind = KINDS[0] if n % 3 == 0 else "pain_point" if n % 3 == 1 else KINDS[2 + n % 4]
            if kind == "pain_point":
                number += 1
            rows.append(Item(team_id=TEAM, workshop_id=ws.id, channel_id=CHANNEL, step_id=step.id,
                             stage_id=step.stage_id, reply_id=reply.id, ts=reply.ts, line_no=n % 4, kind=kind,
                             text=f"{kind} {n}: " + " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 14))),
                             author=reply.user_id, department=dept_of[reply.user_id],
                             number=number if kind == "pain_point" else None,
                             created_at=start + timedelta(seconds=n), updated_at=start + timedelta(seconds=n)))
        ws.pain_numbers = number
        s.add_all(rows)
        s.flush()
        pains = [i for i in rows if i.kind == "pain_point"]
        by_stage: dict[int, list] = {}
        for p in pains:
            by_stage.setdefault(p.stage_id, []).append(p)
        for stage_pains in by_stage.values():  # in each stage, five merges of three
            for k in range(min(5, len(stage_pains) // 3)):
                group = stage_pains[k * 3: k * 3 + 3]
                merge = PainMerge(team_id=TEAM, workshop_id=ws.id, statement=f"merged: {group[0].text}",
                                  source="hand", created_by=FACILITATOR)
                s.add(merge)
                s.flush()
                for member in group:
                    member.merge_id = merge.id
        s.add(VoteRound(team_id=TEAM, workshop_id=ws.id, votes_per_person=3, opened_by=FACILITATOR))
        favourites = pains[:60]
        s.add_all(Vote(team_id=TEAM, workshop_id=ws.id, item_id=p.id, user_id=u)
                  for u in users for p in rnd.sample(favourites, 3))
        s.add_all(Emotion(team_id=TEAM, workshop_id=ws.id, stage_id=st.id, user_id=u, score=rnd.randint(1, 5),
                          note="it was fine" if rnd.random() < 0.1 else None, department=dept_of[u])
                  for st in stage_rows for u in users)
        s.add_all(UserProfile(team_id=TEAM, user_id=u, department=dept_of[u], name=f"Person {u[1:]}") for u in users)
        s.add(UserProfile(team_id=TEAM, user_id=FACILITATOR, name="The Facilitator"))
        today = date(2026, 12, 1)
        actions = [ActionItem(team_id=TEAM, workshop_id=ws.id, text=f"fix {p.text[:40]}", owner=users[n % people],
                              due=today + timedelta(days=n - 10), pain_point_id=p.id, created_by=FACILITATOR,
                              status="open" if n % 4 else "done", created_at=start)
                   for n, p in enumerate(pains[:40])]
        s.add_all(actions)
        s.flush()
        s.add_all(ActionEvent(team_id=TEAM, action_item_id=a.id, at=start + timedelta(days=1), by=FACILITATOR,
                              change="created") for a in actions)
        s.add_all(ValidationTask(team_id=TEAM, workshop_id=ws.id, pain_point_id=p.id, owner=users[n % people], due=today,
                                 customers=5, status=["pending", "confirmed", "partly"][n % 3],
                                 evidence_customers=4 if n % 3 else None, answered_by=users[n % people] if n % 3 else None,
                                 answered_at=start + timedelta(days=20) if n % 3 else None, created_by=FACILITATOR)
                  for n, p in enumerate(pains[:20]))
        s.add(DigestSubscription(team_id=TEAM, user_id=FACILITATOR, frequency="weekly", subscribed_by=FACILITATOR,
                                 last_sent_at=start + timedelta(days=10)))
        return ws.id


WORDS = ("customers wait too long for an answer from support the pricing page is unclear onboarding takes weeks "
         "nobody owns the handover invoices arrive late and confuse finance teams the trial expires before setup "
         "ends").split()


# --- What each command does --------------------------------------------------------------------------------


def operations(engine: Engine, workshop_id: int) -> dict[str, Callable[[], object]]:
    """Each command's work from a fresh session, returning what it would hand Slack."""
    from bot.blocks import digests as digest_blocks
    from bot.blocks import workshop as workshop_blocks
    from bot.blocks.maps import build_map_summary
    from bot.digests import build_digest
    from bot.journeymap import build_channel_map, people
    from bot.render.export import EXPORTERS
    from bot.storage.db import session_scope
    from bot.workshop import departments, status

    today = date(2026, 12, 1)

    def named_map(s):  # what /journey map and /journey export do in the inbox: names first, then the model
        departments.unnamed(session=s, team_id=TEAM, user_ids=people(session=s, team_id=TEAM, workshop_id=workshop_id))
        return build_channel_map(session=s, team_id=TEAM, channel_id=CHANNEL)

    def status_op():
        with session_scope(engine) as s:
            view = status.status(session=s, team_id=TEAM, channel_id=CHANNEL, members=None)
        return view, workshop_blocks.build_status(view)

    def map_model():
        with session_scope(engine) as s:
            return named_map(s)

    def map_picture():
        from bot.render.picture import render_map

        with session_scope(engine) as s:
            data = named_map(s)
        return render_map(data, "png"), build_map_summary(data, "png")

    def export(fmt: str) -> Callable[[], bytes]:
        def run() -> bytes:
            with session_scope(engine) as s:
                data = named_map(s)
            return EXPORTERS[fmt](data)
        return run

    def digest():
        with session_scope(engine) as s:
            d = build_digest(session=s, team_id=TEAM, user_id=FACILITATOR, today=today,
                             since=datetime(2026, 11, 5, tzinfo=UTC), visible={CHANNEL})
        return digest_blocks.build_digest(d, today)

    def baseline():
        with engine.connect() as conn:
            params = {"t": TEAM, "w": workshop_id}
            return sum(len(conn.execute(text(f"SELECT * FROM {table} WHERE team_id = :t AND workshop_id = :w"),
                                        params).fetchall()) for table in ("item", "emotion", "vote"))

    return {"baseline (raw SQL, same rows)": baseline, "/journey status": status_op, "/journey map (model)": map_model,
            "/journey map (picture)": map_picture, "/journey export json": export("json"),
            "/journey export csv": export("csv"), "/journey export md": export("md"), "digest": digest}


class QueryCounter:
    def __init__(self, engine: Engine):
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.n += 1


def measure(engine: Engine, workshop_id: int, *, runs: int = 3, memory: bool = True) -> dict[str, dict]:
    ops = operations(engine, workshop_id)
    counter = QueryCounter(engine)
    results: dict[str, dict] = {}
    for name, op in ops.items():
        t = time.process_time()
        op()  # warm-up (the first picture also imports matplotlib and loads fonts)
        first = time.process_time() - t
        times, queries = [], []
        for _ in range(runs):
            before = counter.n
            t = time.process_time()
            out = op()
            times.append(time.process_time() - t)
            queries.append(counter.n - before)
        results[name] = {"seconds": statistics.median(times), "min": min(times), "max": max(times), "first": first,
                         "queries": max(queries), "output": out}
    if memory:
        for name, op in ops.items():
            tracemalloc.start()
            op()
            results[name]["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    return results


def run(*, items: int, people: int, stages: int, runs: int = 3, memory: bool = True,
        database_url: str | None = None) -> tuple[dict[str, dict], dict]:
    from bot.storage.db import init_db, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(database_url or f"sqlite:///{tmp}/big.db")
        init_db(engine)
        t = time.perf_counter()
        workshop_id = populate(engine, items=items, people=people, stages=stages)
        seeded = time.perf_counter() - t
        results = measure(engine, workshop_id, runs=runs, memory=memory)
        engine.dispose()
    return results, {"seed_s": seeded, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--people", type=int, default=200)
    p.add_argument("--stages", type=int, default=12)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--database-url", default=None, help="default: SQLite in a temporary file")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    results, info = run(items=args.items, people=args.people, stages=args.stages, runs=args.runs,
                        database_url=args.database_url)
    if args.json:
        print(json.dumps({"results": {k: {x: y for x, y in v.items() if x != "output"} for k, v in results.items()},
                          **info}, indent=2))
        return
    base = results["baseline (raw SQL, same rows)"]["seconds"]
    print(f"{args.items} items, {args.people} people, {args.stages} stages (seeded in {info['seed_s']:.1f} s); "
          f"median of {args.runs} runs after a warm-up, CPU seconds of this one thread")
    print(f"{'operation':32} {'cpu s':>7} {'range':>13} {'× base':>7} {'queries':>7} {'peak MB':>8}  first")
    slow = []
    for name, r in results.items():
        print(f"{name:32} {r['seconds']:7.3f} {r['min']:6.3f}–{r['max']:<6.3f} {r['seconds'] / base:7.1f} "
              f"{r['queries']:7d} {r.get('peak_mb', 0):8.1f}  {r['first']:.2f}")
        if r["seconds"] > TARGET_S:
            slow.append(name)
    print(f"peak RSS of the process: {info['peak_rss_mb']:.0f} MB; target: under {TARGET_S} s each"
          + (f" — OVER: {', '.join(slow)}" if slow else " — met"))
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()
