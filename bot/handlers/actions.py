"""Buttons: emotion ratings on stage prompts, and picking the kind of an unprefixed line."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond

from bot import followups, ids, voting, workshop
from bot.blocks import messages as m
from bot.blocks.followups import build_action, build_action_changed, build_validation_plan
from bot.blocks.modals import build_action_modal, build_evidence_modal
from bot.blocks.synthesis import build_synthesis
from bot.handlers.common import ephemeral
from bot.services import Services
from bot.synthesis import store as synthesis_store
from bot.voting import pain_point_choices


def register(app: App, svc: Services) -> None:
    app.action(re.compile(ids.EMOTION_RATE_PATTERN))(_acking(svc, _rate))
    app.action(re.compile(ids.CLASSIFY_PATTERN))(_acking(svc, _classify))
    app.action(ids.VOTE)(_acking(svc, _vote))
    app.action(re.compile(ids.ACTION_CHANGE_PATTERN))(_acking(svc, _change_action))
    app.action(re.compile(ids.VALIDATION_OUTCOME_PATTERN))(_acking(svc, _validation_outcome))
    app.action(ids.SYNTH_UNDO)(_acking(svc, _synth_undo))
    app.action(ids.SYNTH_DISMISS)(_acking(svc, _synth_dismiss))
    app.action(ids.SYNTH_ACCEPT)(_acking(svc, _synth_accept))


def _acking(svc: Services, task):
    """A listener that acks, then runs `task` on the worker (Bolt injects listener arguments by name)."""

    def listener(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        svc.worker.submit(task, svc, body, action, respond, on_error=lambda _e: ephemeral(respond, m.build_sorry()))

    return listener


def _rate(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    stage_id, _, score = action.get("value", "").partition(":")
    try:
        with svc.session() as s:
            rated = workshop.rate_emotion(
                session=s, team_id=_team(body), user_id=body["user"]["id"], stage_id=int(stage_id),
                score=int(score), now=svc.clock(),
            )
        reply = m.build_rated(rated)
    except workshop.Refusal as r:
        reply = m.note(str(r))
    svc.outbox.submit(ephemeral, respond, reply)


def _classify(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    kind = action["action_id"].removeprefix(ids.CLASSIFY + "_")
    try:
        with svc.session() as s:
            done = workshop.classify_item(
                session=s, team_id=_team(body), user_id=body["user"]["id"], item_id=int(action.get("value", 0)),
                kind=kind, now=svc.clock(),
            )
    except workshop.Refusal as r:
        svc.outbox.submit(ephemeral, respond, m.note(str(r)))
        return
    # Replace the question: what was filed, and the buttons for the lines still waiting.
    filed = m.build_classified(done.kind, done.text)
    if done.still_unsorted:
        filed = {"text": filed["text"], "blocks": filed["blocks"] + m.build_classify(done.still_unsorted)["blocks"]}
    svc.outbox.submit(ephemeral, respond, filed, replace=True)


def _vote(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    team_id = _team(body)
    try:
        with svc.session() as s:
            outcome = voting.cast_vote(session=s, team_id=team_id, user_id=body["user"]["id"],
                                         item_id=int(action.get("value", 0)), now=svc.clock())
    except workshop.Refusal as r:
        svc.outbox.submit(ephemeral, respond, m.note(str(r)))
        return
    svc.outbox.submit(ephemeral, respond, m.build_voted(outcome))
    for page_id in outcome.pages_to_refresh:
        svc.refreshes.submit(("ballot", page_id), refresh_ballot, svc, team_id, page_id)


def refresh_ballot(svc: Services, team_id: str, vote_message_id: int) -> None:
    """Show a ballot message's current tally (read now, so the last refresh shows the final count)."""
    with svc.session() as s:
        page = voting.ballot_page(session=s, team_id=team_id, vote_message_id=vote_message_id)
    svc.client.chat_update(channel=page.channel_id, ts=page.ts, **m.build_ballot(page))


def _change_action(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    team_id, user_id = _team(body), body["user"]["id"]
    change = action["action_id"].removeprefix(ids.ACTION_CHANGE + "_")
    svc.warm(user_id)
    try:
        with svc.session() as s:
            zone_of = svc.zone_of(s, team_id)
            item = followups.change_action(session=s, team_id=team_id, user_id=user_id,
                                           action_id=int(action.get("value", 0)), change=change, zone_of=zone_of,
                                           now=svc.clock())
            today = svc.clock().astimezone(zone_of(item.owner)).date()
            view = followups.action_view(session=s, action=item, today=today)
            announced = bool(item.channel_id and item.message_ts)
    except workshop.Refusal as r:
        svc.outbox.submit(ephemeral, respond, m.note(str(r)))
        return
    svc.outbox.submit(ephemeral, respond, build_action_changed(view, today))
    if announced:  # the channel's announcement shows the new status
        svc.refreshes.submit(("action", view.id), _refresh_announcement, svc, team_id, view.id, today)


def _refresh_announcement(svc: Services, team_id: str, action_id: int, today) -> None:
    """Read now, not when clicked: a coalesced refresh must show the latest state."""
    with svc.session() as s:
        item = followups.get_action(session=s, team_id=team_id, action_id=action_id)
        view = followups.action_view(session=s, action=item, today=today)
        where = (item.channel_id, item.message_ts)
    svc.client.chat_update(channel=where[0], ts=where[1], **build_action(view, today, headline="📌 *Action item*"))


def _validation_outcome(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    """Ask for the evidence in a form; the outcome is recorded when it is submitted."""
    outcome = action["action_id"].removeprefix(ids.VALIDATION_OUTCOME + "_")
    with svc.session() as s:
        task = followups.get_validation(session=s, team_id=_team(body), task_id=int(action.get("value", 0)))
        pain = followups.validation_view(session=s, task=task).pain if task else ""
    if task is None:
        svc.outbox.submit(ephemeral, respond, m.note("That validation task doesn't exist (any more)."))
        return
    # The message the click came from, when it is a validation plan (only validation rows): it will show the outcome.
    message = body.get("message") or {}
    block_ids = [b.get("block_id", "") for b in message.get("blocks", []) if b.get("type") == "actions"]
    plan = None
    if block_ids and all(b.startswith("validation:") for b in block_ids):
        plan = {"channel": (body.get("channel") or {}).get("id"), "ts": message.get("ts"),
                "tasks": [int(b.split(":")[1]) for b in block_ids]}
    view = build_evidence_modal(task_id=task.id, outcome=outcome, outcome_label=followups.OUTCOMES[outcome], pain=pain,
                                plan=plan)
    svc.outbox.submit(svc.client.views_open, trigger_id=body["trigger_id"], view=view,
                      on_error=lambda _e: ephemeral(respond, m.build_sorry()))


def _synth_change(svc: Services, body: dict, action: dict, respond: Respond, change) -> None:
    synthesis_id, _, key = action.get("value", "").partition(":")  # "<id>:<index>" or "<id>:<kind>:<index>"
    team_id = _team(body)
    try:
        with svc.session() as s:
            change(s, team_id, body["user"]["id"], int(synthesis_id), key)
    except workshop.Refusal as r:
        svc.outbox.submit(ephemeral, respond, m.note(str(r)))
        return
    svc.refreshes.submit(("synthesis", int(synthesis_id)), refresh_synthesis, svc, team_id, int(synthesis_id))


def _synth_undo(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    _synth_change(svc, body, action, respond, lambda s, team, user, sid, key: synthesis_store.undo_merge(
        session=s, team_id=team, user_id=user, synthesis_id=sid, index=int(key)))


def _synth_dismiss(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    _synth_change(svc, body, action, respond, lambda s, team, user, sid, key: synthesis_store.decide(
        session=s, team_id=team, user_id=user, synthesis_id=sid, key=key, decision="dismissed"))


def _synth_accept(svc: Services, body: dict, action: dict, respond: Respond) -> None:
    """Accepting opens the action item form with the draft filled in; submitting it creates the item."""
    synthesis_id, kind, index = action.get("value", "").split(":")
    team_id, channel_id = _team(body), (body.get("channel") or {}).get("id")
    with svc.session() as s:
        v = synthesis_store.view(session=s, team_id=team_id, synthesis_id=int(synthesis_id))
        if kind == "opportunity":
            o = v.result.opportunities[int(index)]
            text, pain = f"Explore: {o.how_might_we}", o.pain_point_id
        else:
            a = v.result.action_items[int(index)]
            text, pain = a.text, a.pain_point_id
        pains = pain_point_choices(session=s, team_id=team_id, channel_id=channel_id)
    modal = build_action_modal(channel_id=channel_id, owner=None, pain_points=pains, text=text, pain_point=pain,
                               suggestion=(int(synthesis_id), f"{kind}:{index}"))
    svc.outbox.submit(svc.client.views_open, trigger_id=body["trigger_id"], view=modal,
                      on_error=lambda _e: ephemeral(respond, m.build_sorry()))


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


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]
