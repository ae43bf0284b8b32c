"""Driving a workshop through its rules on a database, with Slack's message timestamps made up: what the unit
tests of the workshop, voting, follow-ups and digests start from."""

from __future__ import annotations

from bot.storage import repo
from bot.storage.models import ItemKind
from bot.workshop import flow, replies

T, C, FAC = "T1", "C1", "UFAC"


class Run:
    """A workshop driven step by step: `next()` moves on, `say()` replies in the open prompt's thread."""

    def __init__(self, session, clock, channel=C, **kw):
        self.s, self.clock, self.channel, self.n = session, clock, channel, 0
        self.prompt = flow.start_workshop(session=session, team_id=T, channel_id=channel, user_id=FAC,
                                          title=kw.pop("title", "Map"), now=clock(), **kw)
        self.thread = self._posted(self.prompt)

    @property
    def workshop_id(self) -> int:
        return self.prompt.workshop_id

    def _ts(self) -> str:
        self.n += 1
        return f"{self.channel}.{self.n}"

    def _posted(self, prompt) -> str:
        ts = self._ts()
        flow.record_prompt_posted(session=self.s, team_id=T, step_id=prompt.step_id, ts=ts)
        return ts

    def next(self):
        out = flow.open_next_step(session=self.s, team_id=T, channel_id=self.channel, user_id=FAC, now=self.clock())
        self.prompt = out.prompt
        self.thread = self._posted(out.prompt)
        return out.prompt

    def say(self, text: str, user: str = "UANA"):
        return replies.record_reply(session=self.s, team_id=T, now=self.clock(), reply=replies.NewReply(
            channel_id=self.channel, user_id=user, ts=self._ts(), thread_ts=self.thread, text=text))

    def to_stage(self, k: int = 1):
        for _ in range(2 + k):
            self.next()
        return self.prompt

    def pain_ids(self) -> list[int]:
        return [i.id for i in repo.items(session=self.s, team_id=T, workshop_id=self.workshop_id)
                if i.kind == ItemKind.PAIN_POINT]


# The same, a function at a time, with the timestamps the tests name.

def start(session, clock, **kw):
    args = dict(session=session, team_id=T, channel_id=C, user_id=FAC, title="Checkout redesign", now=clock())
    return flow.start_workshop(**{**args, **kw})


def posted(session, prompt, ts):
    flow.record_prompt_posted(session=session, team_id=T, step_id=prompt.step_id, ts=ts)
    return ts


def advance(session, clock, ts):
    out = flow.open_next_step(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    posted(session, out.prompt, ts)
    return out.prompt


def reply(session, clock, thread, text, *, user="UANA", ts=None, event_id=None):
    reply.n = getattr(reply, "n", 0) + 1
    return replies.record_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id=user, ts=ts or f"200.{reply.n}", thread_ts=thread, text=text, event_id=event_id))


def to_stage_walk(session, clock):
    """Objectives at 100.1, personas 100.2, stages 100.3, the first stage's prompt at 100.4."""
    p = start(session, clock)
    posted(session, p, "100.1")
    advance(session, clock, "100.2")  # personas
    advance(session, clock, "100.3")  # stages
    return advance(session, clock, "100.4")  # first stage
