"""The inbox on its own: stored before the ack, processed once, a failing request isolated from its batch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.inbox import GIVE_UP, Inbox, NotYet, first_time
from bot.storage.db import session_scope
from bot.tasks import TaskQueue


def _inbox(engine, clock, seen: list, *, fail_on: str | None = None) -> Inbox:
    inbox = Inbox(engine, outbox=TaskQueue("o", 0), clock=clock)

    def apply(s, req, _ready):
        if req.body.get("n") == fail_on:
            raise RuntimeError("a bug")
        s.execute(text("INSERT INTO deletedmessage (team_id, channel_id, ts, deleted_at) VALUES "
                       "('T', 'C', :n, '2026-01-01')"), {"n": req.body["n"]})
        seen.append(req.body["n"])
        return [lambda: seen.append("then " + req.body["n"])]

    inbox.route("event", apply, key=lambda body: f"event:{body['n']}")
    inbox.on_failure = lambda req, e: [lambda: seen.append("sorry " + req.body["n"])]
    return inbox


def _accept(inbox: Inbox, n: str, key: str | None = None) -> None:
    inbox.accept(key=key or f"event:{n}", kind="event", team_id="T", body={"n": n})


def test_requests_are_processed_once_in_order_and_their_slack_calls_follow_the_commit(engine, clock):
    seen: list = []
    inbox = _inbox(engine, clock, seen)
    for n in "abc":
        _accept(inbox, n)
    _accept(inbox, "a")  # a redelivery before processing: the same row
    assert inbox.pending() == 3
    assert inbox.process() == 3
    assert seen == ["a", "b", "c", "then a", "then b", "then c"]
    _accept(inbox, "a")  # a redelivery after processing: recognised, dropped
    assert inbox.process() == 1 and seen[-1] == "then c"
    assert inbox.pending() == 0


def _processed(engine, clock, names: str, *, fail_on: str) -> tuple[Inbox, list]:
    """An inbox that took these requests and processed them, the one named `fail_on` failing."""
    seen: list = []
    inbox = _inbox(engine, clock, seen, fail_on=fail_on)
    for n in names:
        _accept(inbox, n)
    inbox.process()
    return inbox, seen


def test_a_failing_request_is_marked_and_answered_and_the_rest_of_its_batch_goes_on(engine, clock):
    inbox, seen = _processed(engine, clock, "abc", fail_on="b")
    assert seen == ["a", "c", "then a", "sorry b", "then c"]
    with engine.connect() as conn:  # kept for an operator (a week), out of the queue
        assert conn.execute(text("SELECT failed FROM inbox")).scalars().all() == ["RuntimeError"]
        stored = conn.execute(text("SELECT ts FROM deletedmessage ORDER BY ts")).scalars().all()
    assert stored == ["a", "c"]  # the failed one's savepoint left nothing behind
    assert inbox.pending() == 0


def test_processed_keys_and_failed_payloads_are_purged_in_time(engine, clock):
    inbox, _seen = _processed(engine, clock, "ab", fail_on="b")
    clock.advance(days=8)
    inbox._purge()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM inbox")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM inbox_done")).scalar_one() == 0


def test_first_time_recognises_a_submission_delivered_twice(engine, clock):
    with session_scope(engine) as s:
        assert first_time(s, "view:T:V1", now=clock())
    with session_scope(engine) as s:
        assert not first_time(s, "view:T:V1", now=clock() + timedelta(seconds=1))


def test_a_request_that_cant_be_applied_yet_waits_and_is_tried_again_then_given_up(engine, clock):
    seen: list = []
    ready = {"a": False}
    inbox = Inbox(engine, outbox=TaskQueue("o", 0), clock=clock, retry_delays=(1, 5))

    def apply(s, req, prepared):
        seen.append((req.body["n"], req.attempts, prepared))
        if req.body["n"] in ready and not ready[req.body["n"]]:
            raise NotYet
        return []

    inbox.route("event", apply, key=lambda body: f"event:{body['n']}", prepare=lambda req: f"look-up {req.attempts}",
                batchable=lambda req: True, apply_many=lambda s, reqs: [apply(s, r, None) for r in reqs])
    for n in "abc":
        _accept(inbox, n)
    assert inbox.process() == 3  # one batch: "a" must wait, "b" and "c" go on without it
    assert inbox.pending() == 1 and ("b", 0, "look-up 0") in seen and ("c", 0, "look-up 0") in seen
    assert inbox.process() == 0  # not before its time
    clock.advance(seconds=1)
    assert inbox.process() == 1 and seen[-1] == ("a", 1, "look-up 1")
    ready["a"] = True
    clock.advance(seconds=5)
    assert inbox.process() == 1 and seen[-1] == ("a", 2, "look-up 2") and inbox.pending() == 0
    # One that never can be: given up (taken as needing nothing) after GIVE_UP.
    ready["d"] = False
    _accept(inbox, "d")
    inbox.process()
    clock.advance(seconds=GIVE_UP.total_seconds() + 1)
    assert inbox.process() == 1 and inbox.pending() == 0
