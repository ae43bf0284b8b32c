"""Thread replies: new, edited and deleted messages in the threads of the bot's prompts."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import text as t
from bot import workshop
from bot.blocks import messages as m
from bot.handlers.common import durable, task, whisper
from bot.inbox import Request, Then
from bot.services import Services
from bot.slack import error_code
from bot.storage import repo
from bot.synthesis.model import ModelFailed

log = logging.getLogger(__name__)

CONFIRM_REACTION = "white_check_mark"
# Subtypes that are a person's message with text (a reply also sent to the channel, a reply with a file).
_PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}


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
                    wanted=_wanted, apply=lambda s, req, _ready: handle_message(svc, s, req),
                    batchable=_is_new_reply, apply_many=lambda s, reqs: _posted_many(svc, s, reqs))


def _is_new_reply(req: Request) -> bool:
    event = req.body.get("event") or {}
    return event.get("subtype") in _PERSON_SUBTYPES and not event.get("bot_id") and _is_thread_reply(event)


def handle_message(svc: Services, s: Session, req: Request) -> Then:
    event = req.body.get("event") or {}
    subtype = event.get("subtype")
    channel = event.get("channel")
    if subtype == "message_deleted":
        _deleted(svc, s, req.team_id, channel, event)
    elif subtype == "message_changed":
        return _changed(svc, s, req.team_id, channel, event, req.body)
    elif subtype in _PERSON_SUBTYPES and not event.get("bot_id"):
        return _posted(svc, s, req.team_id, channel, event, req.body)
    return []


def _is_thread_reply(msg: dict) -> bool:
    return bool(msg.get("thread_ts")) and msg.get("thread_ts") != msg.get("ts") and bool(msg.get("user"))


def _posted(svc: Services, s: Session, team_id: str, channel: str, event: dict, body: dict) -> Then:
    if not _is_thread_reply(event):
        return []
    req = Request(0, "event", team_id, None, None, body, svc.clock())
    return _posted_many(svc, s, [req])[0]


def _posted_many(svc: Services, s: Session, reqs: list[Request]) -> list[Then]:
    """New thread replies, stored together (a burst of answers is a few statements, not a few per answer)."""
    events = [r.body["event"] for r in reqs]
    outcomes = workshop.record_replies(session=s, team_id=reqs[0].team_id, now=svc.clock(), replies=[
        workshop.NewReply(channel_id=e["channel"], user_id=e["user"], ts=e["ts"], thread_ts=e["thread_ts"],
                          text=t.from_slack(e.get("text", "")), event_id=r.body.get("event_id"))
        for r, e in zip(reqs, events, strict=True)])
    return [[task(_follow_up, svc, r.team_id, e["channel"], e, outcome, confirm=True, lane="confirmations")]
            for r, e, outcome in zip(reqs, events, outcomes, strict=True)]


def _changed(svc: Services, s: Session, team_id: str, channel: str, event: dict, body: dict) -> Then:
    msg = event.get("message") or {}
    if msg.get("bot_id") or msg.get("subtype") == "bot_message" or not _is_thread_reply(msg):
        return []
    outcome = workshop.edit_reply(
        session=s, team_id=team_id, channel_id=channel, user_id=msg["user"], ts=msg["ts"],
        thread_ts=msg["thread_ts"], text=t.from_slack(msg.get("text", "")), event_id=body.get("event_id"),
        edited_ts=(msg.get("edited") or {}).get("ts"), now=svc.clock(),
    )
    return [task(_follow_up, svc, team_id, channel, msg, outcome, confirm=False, lane="confirmations")]


def _deleted(svc: Services, s: Session, team_id: str, channel: str, event: dict) -> None:
    previous = event.get("previous_message") or {}
    ts = event.get("deleted_ts") or previous.get("ts")
    if ts:
        workshop.delete_reply(session=s, team_id=team_id, channel_id=channel, ts=ts,
                              thread_ts=previous.get("thread_ts"), now=svc.clock())


def _follow_up(svc: Services, team_id: str, channel: str, msg: dict, outcome: workshop.ReplyOutcome, *,
               confirm: bool) -> None:
    """Outbox task: the unobtrusive confirmation and any private question for the author."""
    user, thread_ts = msg["user"], msg["thread_ts"]
    if outcome.status == "closed":
        whisper(svc.client, channel=channel, user=user, thread_ts=thread_ts, message=m.build_closed_step(outcome))
        return
    if outcome.status != "stored":
        return
    if confirm and outcome.stored:
        try:
            svc.client.reactions_add(channel=channel, timestamp=msg["ts"], name=CONFIRM_REACTION)
        except SlackApiError as e:  # the answer is stored; a missing tick must not stop the questions below
            log.info("reactions.add failed: %s", error_code(e))
    unsorted = _sort_with_model(svc, team_id, channel, msg, outcome.unsorted) if outcome.unsorted else []
    for message in (
        m.build_problems(outcome.problems) if outcome.problems else None,
        m.build_classify(unsorted) if unsorted else None,
        m.build_department_hint() if outcome.ask_department else None,
    ):
        if message is not None:
            whisper(svc.client, channel=channel, user=user, thread_ts=thread_ts, message=message)



def _sort_with_model(svc: Services, team_id: str, channel: str, msg: dict,
                     unsorted: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """With a model enabled for the workshop, sort unprefixed lines instead of asking; tell the author what each
    became, with one-click correction. Returns the lines still to ask about (the model failed or is off)."""
    if svc.synthesizer is None:
        return unsorted

    with svc.session() as s:
        item = repo.item(session=s, team_id=team_id, item_id=unsorted[0][0])
        ws = repo.workshop(session=s, team_id=team_id, workshop_id=item.workshop_id) if item else None
        stage = repo.stage(session=s, team_id=team_id, stage_id=item.stage_id) if item and item.stage_id else None
    if ws is None or not ws.ai_enabled:
        return unsorted
    left = []
    for item_id, line in unsorted:
        try:
            kind = svc.synthesizer.classify(stage.name if stage else "", line)
        except ModelFailed:
            left.append((item_id, line))
            continue
        with svc.session() as s:
            filed = workshop.file_line(session=s, team_id=ws.team_id, item_id=item_id, kind=kind.kind,
                                       score=kind.score, now=svc.clock())
        if filed is None:
            left.append((item_id, line))
        else:
            whisper(svc.client, channel=channel, user=msg["user"],
                    thread_ts=msg["thread_ts"], message=m.build_filed_by_model(item_id, line, filed, kind.score))
    return left

