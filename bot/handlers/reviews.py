"""Reviews of a map: `/journey review` and `/journey review close`, the button on the review reminder, the review's
rating and pain point buttons, and the form to add a pain point during a review. Every click goes through the
inbox (common.button): a click redelivered is one click, and a reminder's button opens one review however often
it is clicked (the rule says so)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import ids
from bot.blocks import reviews as b
from bot.handlers.common import Form, answer, button, ephemeral, form, sorry, submitted, task, whisper
from bot.handlers.outbox import canvas_changed, post_or_tell, refresh_canvas, store
from bot.inbox import Request, Then
from bot.reviews import rules
from bot.services import Services

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest

Tell = Callable[[dict], None]


def register(app: App, svc: Services) -> None:
    button(app, svc, f"^{ids.REVIEW_START}$", _start_from_reminder)
    button(app, svc, ids.REVIEW_RATE_PATTERN, _rate)
    button(app, svc, ids.REVIEW_MARK_PATTERN, _mark)
    button(app, svc, f"^{ids.REVIEW_ADD_PAIN}$", _open_add_pain)
    form(app, svc, ids.REVIEW_PAIN_VIEW, _add_pain_form)


# --- Commands ----------------------------------------------------------------------------------------------------


def prepare_review(r: CommandRequest, cmd: a.Review) -> None:
    if cmd.close:  # the facilitators' time zones plan the next review's reminders
        with r.svc.session() as s:
            facilitators = rules.facilitators_of_channel(session=s, team_id=r.team_id, channel_id=r.channel_id)
        r.svc.warm(*facilitators)


def review(r: CommandRequest, cmd: a.Review) -> None:
    if cmd.close:
        closed = rules.close_review(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                    now=r.svc.clock(), zone_of=r.zone_of())
        r.then += _closed(r.svc, r.team_id, closed, r.tell)
        return
    opened = rules.open_review(session=r.s, team_id=r.team_id, user_id=r.user_id, now=r.svc.clock(),
                               channel_id=r.channel_id)
    r.later(post_review, r.svc, team_id=r.team_id, opened=opened, tell=r.tell)


def _closed(svc: Services, team_id: str, closed: rules.Closed, tell: Tell) -> Then:
    """After a review closes: its pages show what it came to, the channel hears what changed, the canvas follows."""
    return [task(refresh_page, svc, team_id, closed.review_id, p.page) for p in closed.pages] + [
        task(post_or_tell, svc, channel=closed.channel_id, message=b.build_review_closed(closed), tell=tell),
        *canvas_changed(svc, team_id, closed.channel_id)]


# --- Outbox ------------------------------------------------------------------------------------------------------


def post_review(svc: Services, *, team_id: str, opened: rules.Opened, tell: Tell) -> None:
    """Post the review's pages in the workshop's channel, in order, remembering each one's ts (they show the
    answers as they come, and what the review came to once it closes); then tell whoever opened it."""
    for page in opened.pages:
        ts = post_or_tell(svc, channel=opened.channel_id, message=b.build_review_page(page), tell=tell,
                          failed=("post the review", "invite me to the channel; the review is open all the same, "
                                                     "and `/journey review close` ends it"))
        if ts is None:
            return
        store(svc, rules.record_page_posted, team_id=team_id, review_id=opened.review_id, page=page.page, ts=ts)
    tell(b.build_review_opened(opened))


def refresh_page(svc: Services, team_id: str, review_id: int, page: int) -> None:
    """Coalesced per page: a burst of answers makes at most one queued chat.update, which reads the review when
    it runs."""
    svc.refreshes.submit(("review", team_id, review_id, page), _show_page, svc, team_id, review_id, page)


def _show_page(svc: Services, team_id: str, review_id: int, page: int) -> None:
    with svc.session() as s:
        pages = rules.review_pages(session=s, team_id=team_id, review_id=review_id)
    shown = next((p for p in pages if p.page == page and p.ts), None)
    if shown is not None:
        svc.client.chat_update(channel=shown.channel_id, ts=shown.ts, **b.build_review_page(shown))


# --- Buttons -----------------------------------------------------------------------------------------------------


def _teller(svc: Services, req: Request) -> Tell:
    """Answers whoever clicked: privately where they clicked (a reminder's DM, the channel)."""
    if req.body.get("response_url"):
        return lambda message: ephemeral(req.respond, message)
    return lambda message: svc.client.chat_postMessage(channel=req.user_id, **message)


def _start_from_reminder(svc: Services, s: Session, req: Request, action: dict) -> Then:
    workshop_id, _, reminder_id = (action.get("value") or "").partition(":")
    opened = rules.open_review(session=s, team_id=req.team_id, user_id=req.user_id, now=svc.clock(),
                               workshop_id=int(workshop_id or 0), reminder_id=int(reminder_id or 0) or None)
    return [task(post_review, svc, team_id=req.team_id, opened=opened, tell=_teller(svc, req))]


def _ids(action: dict) -> tuple[int, int]:
    first, _, second = (action.get("value") or "").partition(":")
    return int(first or 0), int(second or 0)


def _rate(svc: Services, s: Session, req: Request, action: dict) -> Then:
    review_id, stage_id = _ids(action)
    score = int(action["action_id"].removeprefix(ids.REVIEW_RATE + "_"))
    said = rules.rate(session=s, team_id=req.team_id, user_id=req.user_id, review_id=review_id, stage_id=stage_id,
                      score=score, now=svc.clock())
    return [answer(svc, req, b.build_answered(said)), task(refresh_page, svc, req.team_id, review_id, said.page)]


def _mark(svc: Services, s: Session, req: Request, action: dict) -> Then:
    review_id, number = _ids(action)
    outcome = action["action_id"].removeprefix(ids.REVIEW_MARK + "_")
    said = rules.mark(session=s, team_id=req.team_id, user_id=req.user_id, review_id=review_id, number=number,
                      outcome=outcome, now=svc.clock())
    return [answer(svc, req, b.build_answered(said)), task(refresh_page, svc, req.team_id, review_id, said.page)]


def _open_add_pain(svc: Services, s: Session, req: Request, action: dict) -> Then:
    review_id = int(action.get("value") or 0)
    stages = rules.stages_for_form(session=s, team_id=req.team_id, review_id=review_id)
    channel_id = (req.body.get("channel") or {}).get("id") or ""
    view = b.build_add_pain_modal(review_id=review_id, channel_id=channel_id, stages=stages)
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=view, on_error=sorry(req.respond))]


def _add_pain_form(svc: Services, ack: Ack, f: Form) -> None:
    stage = f.value(ids.REVIEW_PAIN_STAGE_BLOCK, ids.REVIEW_PAIN_STAGE_INPUT)
    added = submitted(svc, ack, f, lambda s: rules.add_pain_point(
        session=s, team_id=f.team_id, user_id=f.user_id, review_id=int(f.meta.get("review_id") or 0),
        stage_id=int(stage) if stage and stage.isdigit() else None,
        text=f.value(ids.REVIEW_PAIN_TEXT_BLOCK, ids.REVIEW_PAIN_TEXT_INPUT) or "", now=svc.clock()),
        refusals_under=ids.REVIEW_PAIN_TEXT_BLOCK)
    if added is None:
        return
    channel_id = f.meta.get("channel_id") or ""

    def tell() -> None:
        try:
            whisper(svc.client, channel=channel_id, user=f.user_id, message=b.build_pain_added(*added))
        except SlackApiError:  # not in that channel: the app's DM always works
            svc.client.chat_postMessage(channel=f.user_id, **b.build_pain_added(*added))

    svc.outbox.submit(tell)
    if channel_id:
        refresh_canvas(svc, f.team_id, channel_id)
