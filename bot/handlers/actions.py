"""Buttons: emotion ratings on stage prompts, and picking the kind of an unprefixed line."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond

from bot import ids, workshop
from bot.blocks import messages as m
from bot.handlers.common import ephemeral
from bot.services import Services


def register(app: App, svc: Services) -> None:
    app.action(re.compile(ids.EMOTION_RATE_PATTERN))(_acking(svc, _rate))
    app.action(re.compile(ids.CLASSIFY_PATTERN))(_acking(svc, _classify))
    app.action(ids.VOTE)(_acking(svc, _vote))


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
            outcome = workshop.cast_vote(session=s, team_id=team_id, user_id=body["user"]["id"],
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
        page = workshop.ballot_page(session=s, team_id=team_id, vote_message_id=vote_message_id)
    svc.client.chat_update(channel=page.channel_id, ts=page.ts, **m.build_ballot(page))


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or body["user"]["team_id"]
