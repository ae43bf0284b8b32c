"""Buttons: emotion ratings, kinds of unprefixed lines, votes, action items, validation outcomes, synthesis.

Each click is stored by its listener before the ack; the inbox then runs the rule in its transaction, and the
answers go out on the outbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, Respond
from sqlmodel import Session

from bot import followups, ids, voting
from bot.blocks import messages as m
from bot.blocks.followups import build_action, build_action_changed, build_validation_plan
from bot.blocks.modals import build_action_modal, build_evidence_modal
from bot.blocks.synthesis import build_synthesis
from bot.handlers.common import body_digest, durable, ephemeral, task
from bot.inbox import Request, Then
from bot.services import Services
from bot.synthesis import store as synthesis_store
from bot.voting import pain_point_choices
from bot.workshop import access, replies

Click = Callable[[Services, Session, Request, dict], Then]


def action_key(body: dict) -> str:
    """A click's identity: the same click redelivered or replayed carries the same trigger_id and action_ts."""
    action = (body.get("actions") or [{}])[0]
    team = (body.get("team") or {}).get("id")
    return (f"action:{team}:{body.get('trigger_id')}:{action.get('action_id')}:{action.get('action_ts')}"
            if action.get("action_ts") or body.get("trigger_id") else f"action:{team}:{body_digest(body)}")


def register(app: App, svc: Services) -> None:
    def on(pattern: str, click: Click, prepare: Callable[[Services, Request], Any] | None = None) -> None:
        regex = re.compile(pattern)
        app.action(regex)(durable(svc, "action"))
        svc.inbox.route("action", key=action_key,
                        matches=lambda body: bool(regex.match(_action(body).get("action_id", ""))),
                        apply=lambda s, req, _ready: _refusing(svc, s, req, click),
                        prepare=(lambda req: prepare(svc, req)) if prepare else None)

    on(ids.EMOTION_RATE_PATTERN, _rate)
    on(ids.CLASSIFY_PATTERN, _classify)
    on(f"^{ids.VOTE}$", _vote)
    on(ids.ACTION_CHANGE_PATTERN, _change_action, prepare=_prepare_change_action)
    on(ids.VALIDATION_OUTCOME_PATTERN, _validation_outcome)
    on(f"^{ids.SYNTH_UNDO}$", _synth_undo)
    on(f"^{ids.SYNTH_DISMISS}$", _synth_dismiss)
    on(f"^{ids.SYNTH_ACCEPT}$", _synth_accept)


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def _refusing(svc: Services, s: Session, req: Request, click: Click) -> Then:
    """Run a click's rule; a refusal changes nothing and is told to whoever clicked."""
    try:
        with s.begin_nested():
            return click(svc, s, req, _action(req.body))
    except access.Refusal as r:
        return [task(ephemeral, req.respond, m.note(str(r)))]


def _sorry(respond: Respond) -> Callable[[BaseException], None]:
    return lambda _e: ephemeral(respond, m.build_sorry())


def _rate(svc: Services, s: Session, req: Request, action: dict) -> Then:
    stage_id, _, score = action.get("value", "").partition(":")
    rated = replies.rate_emotion(session=s, team_id=req.team_id, user_id=req.user_id, stage_id=int(stage_id),
                                  score=int(score), now=svc.clock())
    return [task(ephemeral, req.respond, m.build_rated(rated))]


def _classify(svc: Services, s: Session, req: Request, action: dict) -> Then:
    kind = action["action_id"].removeprefix(ids.CLASSIFY + "_")
    done = replies.classify_item(session=s, team_id=req.team_id, user_id=req.user_id,
                                  item_id=int(action.get("value", 0)), kind=kind, now=svc.clock())
    # Replace the question: what was filed, and the buttons for the lines still waiting.
    filed = m.build_classified(done.kind, done.text)
    if done.still_unsorted:
        filed = {"text": filed["text"], "blocks": filed["blocks"] + m.build_classify(done.still_unsorted)["blocks"]}
    return [task(ephemeral, req.respond, filed, replace=True)]


def _vote(svc: Services, s: Session, req: Request, action: dict) -> Then:
    outcome = voting.cast_vote(session=s, team_id=req.team_id, user_id=req.user_id,
                               item_id=int(action.get("value", 0)), now=svc.clock())
    then = [task(ephemeral, req.respond, m.build_voted(outcome))]
    for page_id in outcome.pages_to_refresh:
        then.append(task(svc.refreshes.submit, ("ballot", page_id), refresh_ballot, svc, req.team_id, page_id))
    return then


def refresh_ballot(svc: Services, team_id: str, vote_message_id: int) -> None:
    """Show a ballot message's current tally (read now, so the last refresh shows the final count)."""
    with svc.session() as s:
        page = voting.ballot_page(session=s, team_id=team_id, vote_message_id=vote_message_id)
    svc.client.chat_update(channel=page.channel_id, ts=page.ts, **m.build_ballot(page))


def _prepare_change_action(svc: Services, req: Request) -> None:
    with svc.session() as s:  # the owner's time zone says what "tomorrow" is and plans the reminders
        item = followups.find_action(session=s, team_id=req.team_id, action_id=int(_action(req.body).get("value", 0)))
    svc.warm(req.user_id, item.owner if item else None)


def _change_action(svc: Services, s: Session, req: Request, action: dict) -> Then:
    change = action["action_id"].removeprefix(ids.ACTION_CHANGE + "_")
    zone_of = svc.zone_of(s, req.team_id)
    item = followups.change_action(session=s, team_id=req.team_id, user_id=req.user_id,
                                   action_id=int(action.get("value", 0)), change=change, zone_of=zone_of,
                                   now=svc.clock())
    today = svc.clock().astimezone(zone_of(item.owner)).date()
    view = followups.action_view(session=s, action=item, today=today)
    then = [task(ephemeral, req.respond, build_action_changed(view, today))]
    if item.channel_id and item.message_ts:  # the channel's announcement shows the new status
        then.append(task(svc.refreshes.submit, ("action", view.id), _refresh_announcement, svc, req.team_id,
                         view.id, today))
    return then


def _refresh_announcement(svc: Services, team_id: str, action_id: int, today) -> None:
    """Read now, not when clicked: a coalesced refresh must show the latest state."""
    with svc.session() as s:
        item = followups.get_action(session=s, team_id=team_id, action_id=action_id)
        view = followups.action_view(session=s, action=item, today=today)
        where = (item.channel_id, item.message_ts)
    svc.client.chat_update(channel=where[0], ts=where[1], **build_action(view, today, headline="📌 *Action item*"))


def _validation_outcome(svc: Services, s: Session, req: Request, action: dict) -> Then:
    """Ask for the evidence in a form; the outcome is recorded when it is submitted."""
    outcome = action["action_id"].removeprefix(ids.VALIDATION_OUTCOME + "_")
    task_row = followups.get_validation(session=s, team_id=req.team_id, task_id=int(action.get("value", 0)))
    if task_row is None:
        raise access.Refusal("That validation task doesn't exist (any more).")
    pain = followups.validation_view(session=s, task=task_row).pain
    # The message the click came from, when it is a validation plan (only validation rows): it will show the outcome.
    message = req.body.get("message") or {}
    block_ids = [b.get("block_id", "") for b in message.get("blocks", []) if b.get("type") == "actions"]
    plan = None
    if block_ids and all(b.startswith("validation:") for b in block_ids):
        plan = {"channel": (req.body.get("channel") or {}).get("id"), "ts": message.get("ts"),
                "tasks": [int(b.split(":")[1]) for b in block_ids]}
    view = build_evidence_modal(task_id=task_row.id, outcome=outcome, outcome_label=followups.OUTCOMES[outcome],
                                pain=pain, plan=plan)
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=view, on_error=_sorry(req.respond))]


def _synth_change(svc: Services, s: Session, req: Request, action: dict, change) -> Then:
    synthesis_id, _, key = action.get("value", "").partition(":")  # "<id>:<index>" or "<id>:<kind>:<index>"
    change(s, req.team_id, req.user_id, int(synthesis_id), key)
    return [task(svc.refreshes.submit, ("synthesis", int(synthesis_id)), refresh_synthesis, svc, req.team_id,
                 int(synthesis_id))]


def _synth_undo(svc: Services, s: Session, req: Request, action: dict) -> Then:
    return _synth_change(svc, s, req, action, lambda s, team, user, sid, key: synthesis_store.undo_merge(
        session=s, team_id=team, user_id=user, synthesis_id=sid, index=int(key)))


def _synth_dismiss(svc: Services, s: Session, req: Request, action: dict) -> Then:
    return _synth_change(svc, s, req, action, lambda s, team, user, sid, key: synthesis_store.decide(
        session=s, team_id=team, user_id=user, synthesis_id=sid, key=key, decision="dismissed"))


def _synth_accept(svc: Services, s: Session, req: Request, action: dict) -> Then:
    """Accepting opens the action item form with the draft filled in; submitting it creates the item."""
    synthesis_id, kind, index = action.get("value", "").split(":")
    channel_id = (req.body.get("channel") or {}).get("id")
    v = synthesis_store.view(session=s, team_id=req.team_id, synthesis_id=int(synthesis_id))
    if kind == "opportunity":
        o = v.result.opportunities[int(index)]
        text, pain = f"Explore: {o.how_might_we}", o.pain_point_id
    else:
        a = v.result.action_items[int(index)]
        text, pain = a.text, a.pain_point_id
    pains = pain_point_choices(session=s, team_id=req.team_id, channel_id=channel_id)
    modal = build_action_modal(channel_id=channel_id, owner=None, pain_points=pains, text=text, pain_point=pain,
                               suggestion=(int(synthesis_id), f"{kind}:{index}"))
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=modal, on_error=_sorry(req.respond))]


def refresh_validation_plan(svc: Services, team_id: str, plan: dict, today) -> None:
    """Show a validation plan message's tasks as they are now (read when it runs)."""
    with svc.session() as s:
        views = [followups.validation_view(session=s, task=task) for task_id in plan["tasks"]
                 if (task := followups.get_validation(session=s, team_id=team_id, task_id=task_id)) is not None]
    svc.client.chat_update(channel=plan["channel"], ts=plan["ts"], **build_validation_plan(views, today))


def refresh_synthesis(svc: Services, team_id: str, synthesis_id: int) -> None:
    with svc.session() as s:
        v = synthesis_store.view(session=s, team_id=team_id, synthesis_id=synthesis_id)
        where = synthesis_store.message_of(session=s, team_id=team_id, synthesis_id=synthesis_id)
    if all(where):
        svc.client.chat_update(channel=where[0], ts=where[1], **build_synthesis(v))
