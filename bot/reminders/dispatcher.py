"""The dispatcher: sends due reminders exactly once. Rows in the database are the source of truth; a clock
(APScheduler) only wakes it. What each kind says and what follows it is declared in kinds.py.

Exactly once, across crashes, freezes, a slow Slack, lost answers and several processes:
- A process *claims* due rows before sending (status `claimed`, its name, a lease, a new claim token). On
  PostgreSQL the claim reads with `FOR UPDATE SKIP LOCKED`; on SQLite the claiming transaction holds the write
  lock (BEGIN IMMEDIATE). A claim whose lease ran out can be taken over, which changes its token.
- Fencing: right before each post, one UPDATE checks that the rows still carry this claim's token, and renews
  their lease; a batch also renews its whole claim while it works. A process that lost its claim (it was frozen,
  or starved, past its lease) posts nothing more and changes nothing: marking sent, giving back and finishing
  match the token too.
- The DM carries the reminder ids in Slack message metadata. When an attempt's outcome is unknown (a 5xx, a
  timeout, a connection dropped after the request left; or a takeover), the row is marked `maybe_sent`, and the
  next attempt first looks in the DM for a message carrying its id: if Slack has it, the row is marked sent and
  nothing is posted again. The client never repeats a post by itself (bot/slack.py), except after a 429.
- Reminders missed while every process was down are sent on the next tick, marked late.

Slack calls happen outside database transactions.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from time import monotonic

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.slack import checked_before_retry, error_code, outcome_unknown
from bot.storage import repo
from bot.storage.db import session_scope
from bot.storage.models import Reminder, UserProfile

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 12
METADATA_EVENT = "journey_reminder"
# Errors after which retrying can't help: the reminder is marked undeliverable and a facilitator is told.
# With people from a partner organisation (Slack Connect), Slack refuses a DM where their org or ours doesn't
# allow one: conversations.open answers `invalid_user_combination` ("all external people must already be in at least
# one channel together") or `user_not_visible`, chat.postMessage `restricted_action` or `messages_tab_disabled`.
UNDELIVERABLE = {"user_not_found", "account_inactive", "channel_not_found", "is_archived", "cannot_dm_bot",
                 "user_disabled", "not_in_channel", "user_not_visible", "invalid_user_combination",
                 "restricted_action", "messages_tab_disabled"}
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))


# --- The dispatcher -------------------------------------------------------------------------------------


@dataclass
class Claimed:
    id: int
    team_id: str
    workshop_id: int | None
    kind: str
    subject_id: int
    recipient: str
    due_at: datetime
    token: str  # this claim's: every write about the row checks it, so a process that lost the claim changes nothing
    look_first: bool  # an earlier attempt may have reached Slack (unknown outcome, takeover): look in the DM first


class LostClaim(Exception):
    """Another process took these rows over (our lease ran out): they are its to send."""


class OutcomeUnknown(Exception):
    """Slack may or may not have stored the message: a 5xx, a timeout, a connection dropped after the request."""


Render = Callable[[Session, list[Claimed], datetime], "dict | None"]
AfterSent = Callable[[Session, Claimed, datetime], None]
# In the transaction that marks the row undeliverable: what takes its place (a relay to someone who can pass it
# on), so that it is never lost between the two.
Undeliverable = Callable[[Session, Claimed, str, datetime], None]


class Dispatcher:
    """Sends due reminders. `tick()` is what the clock calls; tests call it with a moved clock.

    The lease must be far longer than one Slack call (the client's timeout): a post still in flight when the lease
    runs out could land after the process that took over looked in the DM."""

    def __init__(self, *, engine: Engine, client: WebClient, clock: Callable[[], datetime],
                 render: Render, after_sent: AfterSent, undeliverable: Undeliverable,
                 name: str | None = None, lease: timedelta = timedelta(minutes=2), batch: int = 500,
                 senders: int = 16, warm: Callable[[str], object] = lambda _user: None,
                 prepare: Callable[[list[Claimed]], object] = lambda _group: None,
                 retry_delays: Sequence[timedelta] = RETRY_DELAYS):
        self.engine, self.client, self.clock = engine, client, clock
        # What each kind says and what follows once it is sent (bot/reminders/kinds.py).
        self.render, self.after_sent, self.undeliverable = render, after_sent, undeliverable
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease, self.batch, self.senders = lease, batch, senders
        self.warm = warm  # looks a person up in Slack before a transaction opens (their time zone, cached)
        self.prepare = prepare  # other Slack look-ups a group's render needs, made before its transaction opens
        self.retry_delays = retry_delays  # after a failed attempt, the row waits this long (the nth, then the last)
        self._dms: dict[tuple[str, str], str] = {}  # (team, user) → DM channel: it never changes

    def tick(self) -> int:
        """Claim what is due and deliver it, one message per person, several people at once (a rate-limited
        channel waiting out its Retry-After holds up nobody else); returns how many reminders were delivered."""
        delivered = 0
        with ThreadPoolExecutor(max_workers=self.senders, thread_name_prefix="reminders") as pool:
            while claimed := self.claim(self.clock()):
                jobs = [pool.submit(self._deliver, group) for group in _by_recipient(claimed)]
                # A batch keeps its lease while it works, however slow Slack is. Rows taken over meanwhile (this
                # process was frozen past the lease) carry another token now: nothing of theirs is renewed.
                while wait(jobs, timeout=self.lease.total_seconds() / 3).not_done:
                    self._fence(claimed[0].token)
                delivered += sum(job.result() for job in jobs)
                if len(claimed) < self.batch:
                    break
        return delivered

    def claim(self, now: datetime) -> list[Claimed]:
        token = uuid.uuid4().hex
        with session_scope(self.engine) as s:
            # A pending row's claim_expires_at, when set, is "not before" (a retry after a Slack failure).
            due = or_(
                (Reminder.status == "pending") & (Reminder.due_at <= now)
                & (col(Reminder.claim_expires_at).is_(None) | (Reminder.claim_expires_at <= now)),
                (Reminder.status == "claimed") & (Reminder.claim_expires_at <= now),
            )
            query = select(Reminder).where(due).order_by(Reminder.due_at, Reminder.id).limit(self.batch)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(s.exec(query))
            out = []
            for r in rows:
                if r.attempts >= MAX_ATTEMPTS:  # something keeps failing: stop, and say so in the log
                    r.status, r.last_error = "undeliverable", r.last_error or "too many attempts"
                    s.add(r)
                    log.error("reminder %s given up after %s attempts: %s", r.id, r.attempts, r.last_error)
                    continue
                if r.status == "claimed":  # taken over: its holder may have posted it before it stopped
                    r.maybe_sent = True
                out.append(Claimed(r.id, r.team_id, r.workshop_id, r.kind, r.subject_id, r.recipient, r.due_at,
                                   token=token, look_first=r.maybe_sent))
                r.status, r.claimed_by, r.claim_token = "claimed", self.name, token
                r.claim_expires_at = now + self.lease
                r.attempts += 1
                s.add(r)
        return out

    def _fence(self, token: str, ids: Collection[int] | None = None, *, session: Session | None = None) -> set[int]:
        """Which rows of this claim (those of `ids`, or all) are still ours, their lease renewed: one atomic UPDATE
        (DESIGN convention 8). Rows taken over carry another token and match nothing. In `session`'s transaction
        if given, else in one of its own."""
        if session is None:
            with session_scope(self.engine) as s:
                return self._fence(token, ids, session=s)
        ours = (Reminder.claim_token == token) & (Reminder.status == "claimed")
        if ids is not None:
            ours &= col(Reminder.id).in_(ids)
        else:  # the batch's renewal skips rows its senders hold just now: it never waits, so it can't deadlock
            ours &= col(Reminder.id).in_(select(Reminder.id).where(ours).with_for_update(skip_locked=True))
        query = update(Reminder).where(ours).values(claim_expires_at=self.clock() + self.lease)
        return set(session.connection().execute(query.returning(Reminder.id)).scalars())

    @staticmethod
    def _held(s: Session, group: list[Claimed]) -> list[tuple[Claimed, Reminder]]:
        """The rows of `group` (one claim's) that it still holds, locked. Every statement here matches the claim
        token, so a process never waits on rows another process took over (no deadlock on PostgreSQL)."""
        by_id = {c.id: c for c in group}
        rows = s.exec(select(Reminder).where(col(Reminder.id).in_(by_id), Reminder.claim_token == group[0].token,
                                             Reminder.status == "claimed").with_for_update())
        return [(by_id[r.id], r) for r in rows]

    def _deliver(self, group: list[Claimed]) -> int:
        recipient, team_id = group[0].recipient, group[0].team_id
        now = self.clock()
        try:
            return self._deliver_to(group, recipient, team_id, now)
        except Exception:
            # The rows stay claimed, and when the lease runs out whoever takes them over looks in the DM first.
            log.exception("delivering reminders %s failed; they will be taken over when the lease ends",
                          [c.id for c in group])
            return 0

    def _deliver_to(self, group: list[Claimed], recipient: str, team_id: str, now: datetime) -> int:
        delivered = 0
        try:
            channel = self._dm_channel(team_id, recipient)
            found = self._already_sent(channel, [c for c in group if c.look_first])
            if found:
                delivered += self._mark_sent([c for c in group if c.id in found], channel, found, now)
                group = [c for c in group if c.id not in found]
            if group:
                self.warm(recipient)  # network first, never while the transaction holds the database
                self.prepare(group)
            while group:
                # Taken before the fence: a freeze inside its transaction (before the commit) eats the lease too.
                fenced_at = monotonic()
                with session_scope(self.engine) as s:
                    message = self.render(s, group, now)
                    # The fence, last thing before the post (one transaction fewer per message on SQLite's lock).
                    held = (self._fence(group[0].token, [c.id for c in group], session=s)
                            if message is not None else set())
                if message is None:  # nothing left to say (the subjects were closed meanwhile)
                    self._finish(group, "cancelled")
                    break
                if len(held) < len(group):  # taken over (all, or those a claim cut off a person's): not ours
                    log.info("reminders %s were taken over by another process; not sending them",
                             [c.id for c in group if c.id not in held])
                    group = [c for c in group if c.id in held]
                    continue  # say only what is still ours to say
                ts = self._post(group, channel, message, fenced_at=fenced_at)
                delivered += self._mark_sent(group, channel, dict.fromkeys(held, ts), now)
                log.info("sent reminders %s to %s%s", [c.id for c in group], recipient,
                         " (late)" if any(now - c.due_at > LATE_AFTER for c in group) else "")
                break
        except LostClaim:
            log.info("reminders %s were taken over by another process; not sending them", [c.id for c in group])
        except OutcomeUnknown as e:
            self._release(group, now, str(e), maybe_sent=True)
        except SlackApiError as e:
            code = error_code(e)
            if code in UNDELIVERABLE:
                log.warning("reminders %s to %s undeliverable: %s", [c.id for c in group], recipient, code)
                self._finish(group, "undeliverable", error=code, then=lambda s, c: self.undeliverable(s, c, code, now))
            else:
                self._release(group, now, code)
        return delivered

    def _post(self, group: list[Claimed], channel: str, message: dict, *, fenced_at: float) -> str:
        """chat.postMessage while the claim is ours. If this thread may have been frozen since the fence (SIGSTOP,
        a paused VM: more than a quarter of the lease went by), the claim is checked again before the request
        leaves, and likewise before the client repeats it after a 429's wait."""
        ids = [c.id for c in group]
        checked = fenced_at

        def still_ours() -> None:
            nonlocal checked
            while monotonic() - checked > self.lease.total_seconds() / 4:
                checked = monotonic()  # before the fence, as above
                if len(self._fence(group[0].token, ids)) < len(ids):
                    raise LostClaim

        still_ours()
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"reminder_ids": ids}}
        try:
            with checked_before_retry(still_ours):
                return self.client.chat_postMessage(channel=channel, metadata=metadata, **message)["ts"]
        except (SlackApiError, OSError, HTTPException) as e:  # a 5xx, a timeout, a dropped connection: the
            if outcome_unknown(e):  # request may have reached Slack: the next attempt looks in the DM first
                raise OutcomeUnknown(error_code(e) if isinstance(e, SlackApiError) else type(e).__name__) from e
            raise

    def _dm_channel(self, team_id: str, user_id: str) -> str:
        if (team_id, user_id) in self._dms:
            return self._dms[(team_id, user_id)]
        with session_scope(self.engine) as s:
            profile = s.get(UserProfile, (team_id, user_id))
            channel = profile.dm_channel if profile else None
        if channel is None:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            with session_scope(self.engine) as s:
                repo.save_profile(session=s, team_id=team_id, user_id=user_id, now=self.clock(), dm_channel=channel)
        self._dms[(team_id, user_id)] = channel
        return channel

    def _already_sent(self, channel: str, maybe_sent: list[Claimed]) -> dict[int, str]:
        """Reminder id → ts of a message in the DM that already carries it (an earlier attempt reached Slack)."""
        if not maybe_sent:
            return {}
        wanted = {c.id for c in maybe_sent}
        found: dict[int, str] = {}
        # The latest messages of the DM, whatever their ts: Slack's clock need not agree with ours.
        history = self.client.conversations_history(channel=channel, limit=200, include_all_metadata=True)
        for msg in history.get("messages", []):
            meta = msg.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT:
                for rid in meta.get("event_payload", {}).get("reminder_ids", []):
                    if rid in wanted:
                        found[rid] = msg["ts"]
        return found

    def _mark_sent(self, group: list[Claimed], channel: str, ts_of: dict[int, str], now: datetime) -> int:
        """Rows taken over meanwhile are left alone: their new holder looks in the DM and finds the message."""
        with session_scope(self.engine) as s:
            held = self._held(s, group)
            for c, r in held:
                r.status, r.sent_at, r.channel_id, r.message_ts = "sent", now, channel, ts_of[c.id]
                r.late = now - c.due_at > LATE_AFTER
                s.add(r)
                self.after_sent(s, c, now)
        return len(held)

    def _finish(self, group: list[Claimed], status: str, *, error: str | None = None,
                then: Callable[[Session, Claimed], None] | None = None) -> list[Claimed]:
        with session_scope(self.engine) as s:
            held = self._held(s, group)
            for c, r in held:
                r.status, r.last_error = status, error
                s.add(r)
                if then is not None:
                    then(s, c)
        return [c for c, _ in held]

    def _release(self, group: list[Claimed], now: datetime, error: str, *, maybe_sent: bool = False) -> None:
        """Slack is busy or failing: give the rows back, to be tried again after a growing delay; after an unknown
        outcome, marked to be looked up in the DM first."""
        with session_scope(self.engine) as s:
            for _, r in self._held(s, group):
                delay = self.retry_delays[min(r.attempts, len(self.retry_delays)) - 1]
                r.status, r.claimed_by, r.claim_token, r.claim_expires_at = "pending", None, None, now + delay
                r.last_error, r.maybe_sent = error, r.maybe_sent or maybe_sent
                s.add(r)
        log.warning("reminders %s back in the queue after %s%s", [c.id for c in group], error,
                    " (Slack may have them: the DM is checked first)" if maybe_sent else "")


def _by_recipient(claimed: list[Claimed]) -> list[list[Claimed]]:
    groups: dict[tuple[str, str], list[Claimed]] = defaultdict(list)
    for c in claimed:
        groups[(c.team_id, c.recipient)].append(c)
    return list(groups.values())
