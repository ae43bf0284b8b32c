"""Thread replies: new, edited and deleted messages in the threads of the bot's prompts; then the ✅, private
questions about lines with no known prefix (or the model's sorting of them), and the 1–5 rating buttons."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import ids
from bot import text as t
from bot.blocks import replies as b
from bot.handlers.common import button, durable, ephemeral, task, whisper
from bot.handlers.outbox import canvas_changed
from bot.inbox import NotYet, Request, Then
from bot.services import Services
from bot.slack import error_code
from bot.storage import repo
from bot.synthesis.llm import ModelFailed
from bot.workshop import hints, replies
from bot.workshop.prompts import prompt_step_of
from bot.workspace import actor_team_of

log = logging.getLogger(__name__)

CONFIRM_REACTION = "white_check_mark"
# Subtypes that are a person's message with text (a reply also sent to the channel, a reply with a file, /me).
_PERSON_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
# Subtypes worth storing: people's messages, their edits and their deletions. Everything else is only acked.
_STORED_SUBTYPES = _PERSON_SUBTYPES | {"message_changed", "message_deleted"}


def event_key(body: dict) -> str:
    """An event's identity: Slack's event_id is the same on every redelivery."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    e = body.get("event") or {}
    return f"event:{body.get('team_id')}:{e.get('channel')}:{e.get('ts')}:{e.get('subtype')}"


def _wanted(body: dict) -> bool:
    event = body.get("event") or {}
    return event.get("subtype") in _STORED_SUBTYPES and not (event.get("bot_id") and not event.get("subtype"))


def register(app: App, svc: Services) -> None:
    app.event("message")(durable(svc, "event"))  # Socket Mode; over HTTP the front door stores it (intake.py)
    svc.inbox.route("event", key=event_key, matches=lambda body: (body.get("event") or {}).get("type") == "message",
                    wanted=_wanted, prepare=lambda req: _prompt_of_thread(svc, req),
                    apply=lambda s, req, step_id: handle_message(svc, s, req, step_id),
                    batchable=lambda req: _is_new_reply(req) and not req.attempts,
                    apply_many=lambda s, reqs: _posted_many(svc, s, reqs))
    button(app, svc, ids.EMOTION_RATE_PATTERN, _rate)
    button(app, svc, ids.CLASSIFY_PATTERN, _classify)


# --- Messages in threads -----------------------------------------------------------------------------------


def _is_new_reply(req: Request) -> bool:
    event = req.body.get("event") or {}
    return event.get("subtype") in _PERSON_SUBTYPES and not event.get("bot_id") and _is_thread_reply(event)


def _prompt_of_thread(svc: Services, req: Request) -> int | None:
    """For a reply put off because its thread wasn't a prompt we knew (NotYet): the step the thread's parent says
    it is the prompt of, from the metadata every prompt is posted with. A prompt whose ts was never stored (Slack
    answered after the reply came, or the process died in between) is recognised this way."""
    event = req.body.get("event") or {}
    msg = event.get("message") if event.get("subtype") == "message_changed" else event
    if not req.attempts or not isinstance(msg, dict) or not _is_thread_reply(msg):
        return None
    try:
        parent = svc.client.conversations_replies(channel=event.get("channel"), ts=msg["thread_ts"], limit=1,
                                                  include_all_metadata=True)["messages"][0]
    except (SlackApiError, IndexError, KeyError) as e:
        log.info("conversations.replies of a thread failed: %s", error_code(e) if isinstance(e, SlackApiError) else e)
        return None
    return prompt_step_of(parent)


def handle_message(svc: Services, s: Session, req: Request, prompt_step_id: int | None = None) -> Then:
    event = req.body.get("event") or {}
    subtype = event.get("subtype")
    channel = event.get("channel")
    if subtype == "message_deleted":
        _deleted(svc, s, req.team_id, channel, event)
        return canvas_changed(svc, req.team_id, channel)
    elif subtype == "message_changed":
        return _changed(svc, s, req.team_id, channel, event, req.body, prompt_step_id)
    elif subtype in _PERSON_SUBTYPES and not event.get("bot_id"):
        return _posted(svc, s, req, prompt_step_id)
    return []


def _is_thread_reply(msg: dict) -> bool:
    return bool(msg.get("thread_ts")) and msg.get("thread_ts") != msg.get("ts") and bool(msg.get("user"))


def _posted(svc: Services, s: Session, req: Request, prompt_step_id: int | None) -> Then:
    event = req.body["event"]
    if not _is_thread_reply(event):
        return _top_level(svc, s, req.team_id, event)
    return _posted_many(svc, s, [req], prompt_step_id)[0]


def _top_level(svc: Services, s: Session, team_id: str, event: dict) -> Then:
    """A message at the channel's top level during a workshop: a private hint to answer in the prompt's thread."""
    if not event.get("user") or not event.get("channel") or event.get("thread_ts"):
        return []
    label = hints.thread_hint(session=s, team_id=team_id, channel_id=event["channel"], user_id=event["user"],
                                now=svc.clock())
    if label is None:
        return []
    return [task(whisper, svc.client, channel=event["channel"], user=event["user"], message=b.build_thread_hint(label),
                 lane="confirmations")]


def _posted_many(svc: Services, s: Session, reqs: list[Request], prompt_step_id: int | None = None) -> list[Then]:
    """New thread replies, stored together (a burst of answers is a few statements, not a few per answer). One
    in a thread that may be a prompt on its way to Slack puts them off (NotYet): the inbox tries again."""
    events = [r.body["event"] for r in reqs]
    outcomes = replies.record_replies(session=s, team_id=reqs[0].team_id, now=svc.clock(), replies=[
        replies.NewReply(channel_id=e["channel"], user_id=e["user"], ts=e["ts"], thread_ts=e["thread_ts"],
                         text=t.message_text(e), event_id=r.body.get("event_id"), user_team=actor_team_of(r.body),
                         prompt_step_id=prompt_step_id)
        for r, e in zip(reqs, events, strict=True)])
    if any(o.status == "early" for o in outcomes):
        raise NotYet
    return [[task(_follow_up, svc, r.team_id, e["channel"], e, outcome, confirm=True, lane="confirmations"),
             *(canvas_changed(svc, r.team_id, e["channel"]) if outcome.stored else [])]
            for r, e, outcome in zip(reqs, events, outcomes, strict=True)]


def _changed(svc: Services, s: Session, team_id: str, channel: str, event: dict, body: dict,
             prompt_step_id: int | None) -> Then:
    msg = event.get("message") or {}
    if msg.get("bot_id") or msg.get("subtype") == "bot_message" or not _is_thread_reply(msg):
        return []
    outcome = replies.edit_reply(session=s, team_id=team_id, now=svc.clock(), reply=replies.NewReply(
        channel_id=channel, user_id=msg["user"], ts=msg["ts"], thread_ts=msg["thread_ts"],
        text=t.message_text(msg), event_id=body.get("event_id"), user_team=actor_team_of(body),
        edited_ts=(msg.get("edited") or {}).get("ts"), prompt_step_id=prompt_step_id))
    if outcome.status == "early":
        raise NotYet
    return [task(_follow_up, svc, team_id, channel, msg, outcome, confirm=False, lane="confirmations"),
            *canvas_changed(svc, team_id, channel)]


def _deleted(svc: Services, s: Session, team_id: str, channel: str, event: dict) -> None:
    previous = event.get("previous_message") or {}
    ts = event.get("deleted_ts") or previous.get("ts")
    if ts:
        replies.delete_reply(session=s, team_id=team_id, channel_id=channel, ts=ts,
                             thread_ts=previous.get("thread_ts"), now=svc.clock())


# --- After a reply is stored (the confirmations lane) ------------------------------------------------------


def _follow_up(svc: Services, team_id: str, channel: str, msg: dict, outcome: replies.ReplyOutcome, *,
               confirm: bool) -> None:
    """The unobtrusive confirmation and any private question for the author."""
    if outcome.status == "closed":
        whisper(svc.client, channel=channel, user=msg["user"], thread_ts=msg["thread_ts"],
                message=b.build_closed_step(outcome))
        return
    if outcome.status == "unreadable":  # only a file, an image or blocks with no text: nothing was stored
        whisper(svc.client, channel=channel, user=msg["user"], thread_ts=msg["thread_ts"],
                message=b.build_unreadable())
        return
    if outcome.status != "stored":
        return
    if confirm and outcome.stored:
        try:
            svc.client.reactions_add(channel=channel, timestamp=msg["ts"], name=CONFIRM_REACTION)
        except SlackApiError as e:  # the answer is stored; a missing tick must not stop the questions below
            log.info("reactions.add failed: %s", error_code(e))
    sorted_lines = _sort_with_model(svc, team_id, outcome.unsorted) if outcome.unsorted else None
    if sorted_lines:  # filed by the worker, which then has the questions asked
        svc.worker.submit(_file_sorted, svc, team_id, channel, msg, outcome, sorted_lines)
    else:
        _ask(svc, channel, msg, outcome, filed=[], unsorted=outcome.unsorted)


def _sort_with_model(svc: Services, team_id: str, unsorted: list[tuple[int, str]]) -> list[tuple[int, str, object]]:
    """With a model enabled for the workshop, what it makes of each unprefixed line: (item id, line, its answer,
    None where it failed). Nothing when no model is on: people are asked instead."""
    if svc.synthesizer is None:
        return []
    with svc.session() as s:
        item = repo.item(session=s, team_id=team_id, item_id=unsorted[0][0])
        ws = repo.workshop(session=s, team_id=team_id, workshop_id=item.workshop_id) if item else None
        stage = repo.stage(session=s, team_id=team_id, stage_id=item.stage_id) if item and item.stage_id else None
    if ws is None or not ws.ai_enabled:
        return []
    out = []
    for item_id, line in unsorted:
        try:
            out.append((item_id, line, svc.synthesizer.classify(stage.name if stage else "", line)))
        except ModelFailed:
            out.append((item_id, line, None))
    return out


def _file_sorted(svc: Services, team_id: str, channel: str, msg: dict, outcome: replies.ReplyOutcome,
                 sorted_lines: list[tuple[int, str, object]]) -> None:
    """Worker: file each line as the model said (unless it is gone or sorted meanwhile), then ask about the rest."""
    filed, left = [], []
    with svc.session() as s:
        for item_id, line, kind in sorted_lines:
            as_what = None if kind is None else replies.file_line(session=s, team_id=team_id, item_id=item_id,
                                                                 kind=kind.kind, score=kind.score, now=svc.clock())
            if as_what is None:
                left.append((item_id, line))
            else:
                filed.append((item_id, line, as_what, kind.score))
    lane = svc.confirmations or svc.outbox
    lane.submit(_ask, svc, channel, msg, outcome, filed=filed, unsorted=left)


def _ask(svc: Services, channel: str, msg: dict, outcome: replies.ReplyOutcome, *,
         filed: list[tuple[int, str, str, int | None]], unsorted: list[tuple[int, str]]) -> None:
    """Tell the author, privately in the thread: what the model filed each line as (one click corrects it), which
    lines couldn't be stored, which kind the remaining lines are, and (once) which department they are in."""
    for item_id, line, as_what, score in filed:
        whisper(svc.client, channel=channel, user=msg["user"], thread_ts=msg["thread_ts"],
                message=b.build_filed_by_model(item_id, line, as_what, score))
    for message in (
        b.build_problems(outcome.problems) if outcome.problems else None,
        b.build_classify(unsorted) if unsorted else None,
        b.build_department_hint() if outcome.ask_department else None,
    ):
        if message is not None:
            whisper(svc.client, channel=channel, user=msg["user"], thread_ts=msg["thread_ts"], message=message)


# --- Buttons -----------------------------------------------------------------------------------------------


def _rate(svc: Services, s: Session, req: Request, action: dict) -> Then:
    stage_id, _, score = action.get("value", "").partition(":")
    rated = replies.rate_emotion(session=s, team_id=req.team_id, user_id=req.user_id, stage_id=int(stage_id),
                                 score=int(score), now=svc.clock())
    return [task(ephemeral, req.respond, b.build_rated(rated)),
            *canvas_changed(svc, req.team_id, (req.body.get("channel") or {}).get("id"))]


def _classify(svc: Services, s: Session, req: Request, action: dict) -> Then:
    kind = action["action_id"].removeprefix(ids.CLASSIFY + "_")
    done = replies.classify_item(session=s, team_id=req.team_id, user_id=req.user_id,
                                 item_id=int(action.get("value", 0)), kind=kind, now=svc.clock())
    # Replace the question: what was filed, and the buttons for the lines still waiting.
    return [task(ephemeral, req.respond, b.build_classified(done.kind, done.text, done.still_unsorted), replace=True),
            *canvas_changed(svc, req.team_id, (req.body.get("channel") or {}).get("id"))]
