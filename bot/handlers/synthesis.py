"""The synthesis: `/journey synthesize` and `/journey ai off|on`, and the synthesis message's buttons (Undo a
merge, Accept… a draft into the action item form, Dismiss)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App
from sqlmodel import Session

from bot import ids
from bot.blocks import synthesis as b
from bot.blocks.modals import build_action_modal
from bot.handlers.common import button, sorry, task
from bot.handlers.maps import map_changed
from bot.handlers.outbox import Tell, post_or_tell, refresh_synthesis, show_synthesis
from bot.inbox import Request, Then
from bot.journeymap import build_map, group_of, label
from bot.services import Services
from bot.synthesis import store as synthesis_store
from bot.synthesis.run import synthesize as run_synthesis
from bot.synthesis.schemas import SynthesisResult
from bot.voting import pain_point_choices

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest


def register(app: App, svc: Services) -> None:
    button(app, svc, f"^{ids.SYNTH_UNDO}$", _undo)
    button(app, svc, f"^{ids.SYNTH_DISMISS}$", _dismiss)
    button(app, svc, f"^{ids.SYNTH_ACCEPT}$", _accept)


# --- Commands ----------------------------------------------------------------------------------------------


def synthesize(r: CommandRequest, cmd: a.Synthesize) -> None:
    ws = synthesis_store.workshop_for_synthesis(session=r.s, team_id=r.team_id, channel_id=r.channel_id,
                                                user_id=r.user_id)
    data = build_map(session=r.s, team_id=r.team_id, workshop_id=ws.id)
    r.later(_synthesize, r.svc, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, workshop_id=ws.id,
            ai_enabled=ws.ai_enabled, data=data, tell=r.tell, if_failed=r.sorry, on_error=r.sorry)


def _synthesize(svc: Services, *, team_id: str, channel_id: str, user_id: str, workshop_id: int, ai_enabled: bool,
                data: dict, tell: Tell, if_failed: Callable[[BaseException], None]) -> None:
    """Outbox: "working on it" at once; the synthesis (a model's, or the basic one), stored by the worker, then
    shown in its place."""
    ts = post_or_tell(svc, channel=channel_id, message=b.build_working(data["workshop"]["title"]), tell=tell,
                      failed=("post the synthesis", "run `/journey synthesize` again"))
    if ts is None:
        return
    result = run_synthesis(data, model=svc.synthesizer, ai_enabled=ai_enabled)
    svc.worker.submit(_store, svc, team_id=team_id, channel_id=channel_id, user_id=user_id, workshop_id=workshop_id,
                      result=result, ts=ts, if_failed=if_failed, on_error=if_failed)


def _store(svc: Services, *, team_id: str, channel_id: str, user_id: str, workshop_id: int, result: SynthesisResult,
           ts: str, if_failed: Callable[[BaseException], None]) -> None:
    """Worker: keep the synthesis and where it was posted, then have the outbox show it."""
    with svc.session() as s:
        row = synthesis_store.save(session=s, team_id=team_id, workshop_id=workshop_id, user_id=user_id,
                                   result=result, now=svc.clock())
        synthesis_store.record_posted(session=s, team_id=team_id, synthesis_id=row.id, channel_id=channel_id, ts=ts)
        synthesis_id = row.id
        refreshes = map_changed(svc, s, team_id, workshop_id)  # its merges are part of the map now
    svc.outbox.submit(show_synthesis, svc, team_id=team_id, synthesis_id=synthesis_id, on_error=if_failed)
    for refresh in refreshes:
        refresh()


def ai(r: CommandRequest, cmd: a.Ai) -> None:
    synthesis_store.set_ai(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                           enabled=cmd.enabled)
    r.reply(b.build_ai_switched(cmd.enabled))


# --- Buttons -----------------------------------------------------------------------------------------------


def _decided(svc: Services, req: Request, synthesis_id: int) -> Then:
    return [task(refresh_synthesis, svc, req.team_id, synthesis_id)]


def _undo(svc: Services, s: Session, req: Request, action: dict) -> Then:
    synthesis_id, _, index = action.get("value", "").partition(":")  # "<id>:<index>"
    synthesis_store.undo_merge(session=s, team_id=req.team_id, user_id=req.user_id, synthesis_id=int(synthesis_id),
                               index=int(index), now=svc.clock())
    workshop_id = synthesis_store.view(session=s, team_id=req.team_id, synthesis_id=int(synthesis_id)).workshop_id
    return _decided(svc, req, int(synthesis_id)) + map_changed(svc, s, req.team_id, workshop_id)


def _dismiss(svc: Services, s: Session, req: Request, action: dict) -> Then:
    synthesis_id, _, key = action.get("value", "").partition(":")  # "<id>:<kind>:<index>"
    synthesis_store.decide(session=s, team_id=req.team_id, user_id=req.user_id, synthesis_id=int(synthesis_id),
                           key=key, decision="dismissed")
    return _decided(svc, req, int(synthesis_id))


def _accept(svc: Services, s: Session, req: Request, action: dict) -> Then:
    """Accepting opens the action item form with the draft filled in; submitting it creates the item."""
    synthesis_id, kind, index = action.get("value", "").split(":")
    channel_id = (req.body.get("channel") or {}).get("id")
    v = synthesis_store.view(session=s, team_id=req.team_id, synthesis_id=int(synthesis_id))
    if kind == "opportunity":
        o = v.result.opportunities[int(index)]
        text, pain = f"Explore: {o.how_might_we}", o.pain_point_id
    else:
        draft = v.result.action_items[int(index)]
        text, pain = draft.text, draft.pain_point_id
    pains = pain_point_choices(session=s, team_id=req.team_id, channel_id=channel_id)
    numbered = label(group_of(session=s, team_id=req.team_id, item_id=pain)) if pain else None
    modal = build_action_modal(channel_id=channel_id, owner=None, pain_points=pains, text=text,
                               pain_point=numbered[0] if numbered else None,
                               suggestion=(int(synthesis_id), f"{kind}:{index}"))
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=modal, on_error=sorry(req.respond))]
