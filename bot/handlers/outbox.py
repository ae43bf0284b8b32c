"""Outbox tasks that more than one handler uses: Slack calls made once the rules' transaction has committed.

What Slack hands back that must be stored (a posted prompt's ts, a ballot's, an announcement's, a finished
synthesis) goes back to the worker as a small task of its own: the outbox makes Slack calls and never writes
to the database. If Slack won't take a post, the person who asked is told: nothing stored is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from http.client import HTTPException
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import canvases, followups, voting
from bot.blocks.followups import build_action
from bot.blocks.maps import build_ballot, build_canvas_made, canvas_title
from bot.blocks.messages import build_slack_failed
from bot.blocks.synthesis import build_synthesis
from bot.blocks.workshop import build_prompt
from bot.services import Services
from bot.slack import error_code, outcome_unknown, post_message
from bot.synthesis import store as synthesis_store
from bot.workshop import flow, prompts
from bot.workshop.flow import PromptView

log = logging.getLogger(__name__)
Tell = Callable[[dict], None]  # answers the person who asked, right away (ephemeral, or a DM)


def post_or_tell(svc: Services, *, channel: str, message: dict, tell: Tell,
                 failed: tuple[str, str] | None = None) -> str | None:
    """Post in a channel (joining it if it can); returns the ts. If Slack won't take it, the person who asked is
    told: `failed` = (what couldn't be done, how to try again), or else they see the message itself."""
    try:
        return post_message(svc.client, channel=channel, **message)
    except SlackApiError as e:
        log.warning("chat.postMessage failed: %s", error_code(e))
        if failed is None:
            tell(message)
        else:
            what, retry = failed
            tell(build_slack_failed(what, error_code(e), retry=retry))
        return None


def store(svc: Services, write: Callable[..., Any], *, then: Callable[[], None] | None = None, **kwargs: Any) -> None:
    """Hand a write back to the worker: `write(session=…, **kwargs)` in a transaction of its own; `then`, a Slack
    call that must wait for the write, goes on the outbox once it is committed."""

    def run() -> None:
        with svc.session() as s:
            write(session=s, **kwargs)
        if then is not None:
            svc.outbox.submit(then)

    run.__name__ = getattr(write, "__name__", "store")
    svc.worker.submit(run)


def post_prompt(svc: Services, *, team_id: str, prompt: PromptView, tell: Tell, then: dict | None = None) -> None:
    """Post a step's prompt, after the channel's earlier prompts: a channel's prompts go out one after another,
    in order, however fast the facilitator moves on."""
    svc.in_order.submit(("prompts", prompt.channel_id), _post_prompt, svc, team_id=team_id, prompt=prompt,
                        tell=tell, then=then)


def _post_prompt(svc: Services, *, team_id: str, prompt: PromptView, tell: Tell, then: dict | None) -> None:
    """Post a step's prompt and remember its ts (replies in its thread are answers), then tell the facilitator
    `then`. If Slack won't take the prompt, that is remembered (the next `/journey next` posts it again) before
    the facilitator is told why and how. If Slack may have stored it anyway (a 5xx, a timeout), the channel is
    looked at first: a prompt is never posted twice, nor taken for refused while people can answer it."""
    try:
        ts = post_message(svc.client, channel=prompt.channel_id, metadata=prompts.prompt_metadata(prompt.step_id),
                          **build_prompt(prompt))
    except (SlackApiError, OSError, HTTPException) as e:
        code = error_code(e) if isinstance(e, SlackApiError) else type(e).__name__
        log.warning("chat.postMessage of a prompt failed: %s", code)
        found = _posted_anyway(svc, prompt) if outcome_unknown(e) else None
        if found is _UNKNOWN:  # left on its way: replies in its thread are recognised by the prompt's metadata
            return
        if found is None:
            failed = build_slack_failed("post the prompt in this channel", code, retry="run `/journey next` to post it")
            store(svc, flow.record_prompt_posted, team_id=team_id, step_id=prompt.step_id, ts=None,
                  then=lambda: tell(failed))
            return
        ts = found  # Slack stored it after all
    store(svc, flow.record_prompt_posted, team_id=team_id, step_id=prompt.step_id, ts=ts)
    if then is not None:
        tell(then)


_UNKNOWN = object()


def _posted_anyway(svc: Services, prompt: PromptView) -> str | object | None:
    """After a post whose outcome is unknown (Slack may have stored it, then failed or went quiet): the prompt's
    ts if it is in the channel (found by its metadata), None if it isn't, _UNKNOWN if Slack can't tell us now."""
    try:
        history = svc.client.conversations_history(channel=prompt.channel_id, limit=50, include_all_metadata=True)
    except (SlackApiError, OSError, HTTPException):
        return _UNKNOWN
    return next((m["ts"] for m in history.get("messages", []) if prompts.prompt_step_of(m) == prompt.step_id), None)


def edit_prompts(svc: Services, *, channel_id: str, edits: tuple[flow.PromptEdit, ...] | list[flow.PromptEdit]) -> None:
    """Show posted prompts as they are now: closed ones say so and lose their buttons; a reopened one gets them
    back. In the channel's prompt order, after the prompts before them."""
    if edits:
        svc.in_order.submit(("prompts", channel_id), _edit_prompts, svc, channel_id=channel_id, edits=list(edits))


def _edit_prompts(svc: Services, *, channel_id: str, edits: list[flow.PromptEdit]) -> None:
    for edit in edits:
        try:
            svc.client.chat_update(channel=channel_id, ts=edit.ts, **build_prompt(edit.prompt, closed=edit.closed))
        except SlackApiError as e:  # the step's state is stored; a stale prompt only looks open or closed
            log.warning("chat.update of a prompt failed: %s", error_code(e))


def post_ballots(svc: Services, *, team_id: str, channel_id: str, pages: list[voting.BallotPage], tell: Tell) -> None:
    """Post a ballot's pages and remember each one's ts (their tallies are updated as people vote)."""
    for page in pages:
        ts = post_or_tell(svc, channel=channel_id, message=build_ballot(page), tell=tell,
                          failed=("post the ballot", "run `/journey vote` again"))
        if ts is None:
            return
        store(svc, voting.record_ballot_posted, team_id=team_id, vote_message_id=page.vote_message_id, ts=ts)


def announce_action(svc: Services, *, team_id: str, channel_id: str, view: followups.ActionView, today: date,
                    tell: Tell) -> None:
    """Post a new action item in its channel (with its buttons) and remember where, to show changes there; if
    Slack won't take it, its creator at least sees it (it is stored all the same)."""
    ts = post_or_tell(svc, channel=channel_id, message=build_action(view, today, headline="📌 *New action item*"),
                      tell=tell)
    if ts is not None:
        store(svc, followups.record_announcement, team_id=team_id, action_id=view.id, channel_id=channel_id, ts=ts)


def show_synthesis(svc: Services, *, team_id: str, synthesis_id: int) -> None:
    """Show a synthesis message as it is now (read when it runs, so a coalesced refresh shows the latest)."""
    with svc.session() as s:
        v = synthesis_store.view(session=s, team_id=team_id, synthesis_id=synthesis_id)
        where = synthesis_store.message_of(session=s, team_id=team_id, synthesis_id=synthesis_id)
    if all(where):
        svc.client.chat_update(channel=where[0], ts=where[1], **build_synthesis(v))


def refresh_synthesis(svc: Services, team_id: str, synthesis_id: int) -> None:
    """Coalesced: a burst of decisions on one synthesis makes at most one queued update."""
    svc.refreshes.submit(("synthesis", synthesis_id), _show_synthesis, svc, team_id, synthesis_id)


def _show_synthesis(svc: Services, team_id: str, synthesis_id: int) -> None:
    show_synthesis(svc, team_id=team_id, synthesis_id=synthesis_id)


# --- The map's canvas --------------------------------------------------------------------------------------


def _document(data: dict) -> dict:
    from bot.render.canvas import canvas_markdown

    return {"type": "markdown", "markdown": canvas_markdown(data)}


def create_canvas(svc: Services, *, team_id: str, channel_id: str, user_id: str, data: dict, tell: Tell) -> None:
    """Give the channel a canvas holding the map: its channel canvas, or where Slack won't make one (the channel
    has one already, or the plan doesn't allow them) a standalone canvas shared to the channel. The canvas is
    remembered (then kept current by `refresh_canvas`), and whoever asked hears which it is."""
    document, kind, reason = _document(data), canvases.CHANNEL, None
    try:
        canvas_id = svc.client.conversations_canvases_create(channel_id=channel_id, document_content=document)[
            "canvas_id"]
    except SlackApiError as e:
        reason = canvases.FALLBACK_ERRORS.get(error_code(e))
        if reason is None:
            tell(build_slack_failed("create the canvas", error_code(e), retry="run `/journey canvas` again"))
            return
        kind = canvases.STANDALONE
        try:
            canvas_id = svc.client.canvases_create(title=canvas_title(data), document_content=document)["canvas_id"]
            svc.client.canvases_access_set(canvas_id=canvas_id, access_level="read", channel_ids=[channel_id])
        except SlackApiError as e2:
            tell(build_slack_failed("create the canvas", error_code(e2), retry="run `/journey canvas` again"))
            return
    store(svc, canvases.record_canvas, team_id=team_id, channel_id=channel_id, canvas_id=canvas_id, kind=kind,
          workshop_id=data["workshop"]["id"], user_id=user_id, now=svc.clock(),
          then=lambda: tell(build_canvas_made(kind, reason)))


def canvas_changed(svc: Services, team_id: str, channel_id: str | None) -> list[Callable[[], None]]:
    """For a rule's Then: after the commit, the channel's canvas (if it has one) shows the map as it is now."""
    from bot.handlers.common import task

    return [task(refresh_canvas, svc, team_id, channel_id)] if channel_id else []


def refresh_canvas(svc: Services, team_id: str, channel_id: str) -> None:
    """Coalesced per channel: a burst of answers or votes makes at most one queued canvases.edit, which reads the
    map when it runs and replaces the whole document with it."""
    svc.refreshes.submit(("canvas", team_id, channel_id), _edit_canvas, svc, team_id, channel_id)


def _edit_canvas(svc: Services, team_id: str, channel_id: str) -> None:
    from bot.journeymap import build_map

    with svc.session() as s:
        found = canvases.canvas_of_channel(session=s, team_id=team_id, channel_id=channel_id)
        if found is None:
            return
        canvas_id, workshop_id = found
        data = build_map(session=s, team_id=team_id, workshop_id=workshop_id)
    svc.client.canvases_edit(canvas_id=canvas_id, changes=[{"operation": "replace", "document_content": _document(data)}])
