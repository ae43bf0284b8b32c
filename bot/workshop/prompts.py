"""A prompt is known by Slack too: every prompt is posted with message metadata naming its step, so a prompt whose
ts the bot never stored (Slack answered after a reply came back, or not at all, or the process died in between)
is recognised from its thread, and replies in it are answers, not chatter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.storage import prompts as prompt_store
from bot.storage.models import Step

if TYPE_CHECKING:
    from bot.workshop.replies import NewReply

PROMPT_EVENT = "journey_prompt"  # the message metadata every prompt is posted with: which step it asks for


def prompt_metadata(step_id: int) -> dict:
    """Slack message metadata naming the step a prompt asks for, so the prompt is recognised from Slack's side
    even where its ts was never stored (see `recognise`)."""
    return {"event_type": PROMPT_EVENT, "event_payload": {"step_id": step_id}}


def prompt_step_of(message: dict) -> int | None:
    """The step a message of the bot's is the prompt of, from its metadata (None for any other message)."""
    meta = message.get("metadata") or {}
    step_id = (meta.get("event_payload") or {}).get("step_id") if meta.get("event_type") == PROMPT_EVENT else None
    return step_id if message.get("bot_id") and isinstance(step_id, int) else None


def recognise(*, session: Session, team_id: str, replies: list[NewReply],
              steps: dict[tuple[str, str], Step | None]) -> None:
    """Replies in threads that are no prompt we know, in a channel whose open workshop has a prompt on its way to
    Slack (sent, its ts not stored yet: a reply can overtake it, and a process can die in between). Where the
    thread's parent names that prompt's step (its metadata), the thread is that prompt: its ts is stored now and
    the replies count. Otherwise they may still be answers to it: `steps` maps them to None ("early")."""
    unknown: dict[tuple[str, str], int | None] = {}
    for r in replies:
        if (r.channel_id, r.thread_ts) not in steps and unknown.get((r.channel_id, r.thread_ts)) is None:
            unknown[(r.channel_id, r.thread_ts)] = r.prompt_step_id
    if not unknown:
        return
    on_way = prompt_store.prompts_on_their_way(session=session, team_id=team_id, channel_ids={c for c, _ in unknown})
    for (channel, thread_ts), step_id in unknown.items():
        waiting = {st.id: st for st in on_way.get(channel, ())}
        step = waiting.get(step_id) if step_id is not None else None
        if step is not None and step.prompt_ts is None:
            step.prompt_ts = thread_ts
            session.add(step)
            steps[(channel, thread_ts)] = step
        elif waiting:
            steps[(channel, thread_ts)] = None  # type: ignore[assignment]


def awaits_prompt(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether the channel's open workshop has a prompt on its way to Slack (sent, its ts not stored yet)."""
    return bool(prompt_store.prompts_on_their_way(session=session, team_id=team_id, channel_ids={channel_id}))


def may_be_prompt(*, session: Session, team_id: str, channel_id: str, thread_ts: str) -> bool:
    """Whether a thread is a prompt's, or may be one on its way (so a delete in it leaves a tombstone)."""
    return prompt_store.step_by_prompt(session=session, team_id=team_id, channel_id=channel_id,
                                       prompt_ts=thread_ts) is not None or awaits_prompt(
        session=session, team_id=team_id, channel_id=channel_id)
