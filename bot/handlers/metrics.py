"""`/journey metric <stage> <name> <value>`, and its form (no arguments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot import ids, metrics
from bot.blocks import metrics as b
from bot.blocks.kit import plain_error
from bot.handlers.common import Form, FormError, form, submitted, whisper
from bot.handlers.outbox import canvas_changed, refresh_canvas
from bot.services import Services

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest

FIELDS = {"stage": ids.METRIC_STAGE_BLOCK, "name": ids.METRIC_NAME_BLOCK, "value": ids.METRIC_VALUE_BLOCK}


def register(app: App, svc: Services) -> None:
    form(app, svc, ids.METRIC_VIEW, _metric_form)


def metric(r: CommandRequest, cmd: a.Metric) -> None:
    if not cmd.text:
        workshop_id, stages = metrics.workshop_for_form(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
        view = b.build_metric_modal(channel_id=r.channel_id, workshop_id=workshop_id, stages=stages)
        r.later(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    recorded = metrics.record(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                              text=cmd.text, now=r.svc.clock())
    r.reply(b.build_metric_recorded(recorded))
    r.then += canvas_changed(r.svc, r.team_id, r.channel_id)


def _metric_form(svc: Services, ack: Ack, f: Form) -> None:
    stage = f.value(ids.METRIC_STAGE_BLOCK, ids.METRIC_STAGE_INPUT)

    def store(s):
        try:
            return metrics.record_form(
                session=s, team_id=f.team_id, workshop_id=int(f.meta.get("workshop_id") or 0), user_id=f.user_id,
                stage_id=int(stage) if stage and stage.isdigit() else None,
                name=f.value(ids.METRIC_NAME_BLOCK, ids.METRIC_NAME_INPUT) or "",
                value=f.value(ids.METRIC_VALUE_BLOCK, ids.METRIC_VALUE_INPUT) or "", now=svc.clock())
        except metrics.BadMetric as e:  # shown under the field that was wrong
            raise FormError(FIELDS[e.field], plain_error(str(e))) from None

    recorded = submitted(svc, ack, f, store, refusals_under=ids.METRIC_NAME_BLOCK)
    if recorded is None:
        return
    channel_id = f.meta.get("channel_id") or ""

    def tell() -> None:
        try:
            whisper(svc.client, channel=channel_id, user=f.user_id, message=b.build_metric_recorded(recorded))
        except SlackApiError:  # not in that channel: the app's DM always works
            svc.client.chat_postMessage(channel=f.user_id, **b.build_metric_recorded(recorded))

    svc.outbox.submit(tell)
    if channel_id:
        refresh_canvas(svc, f.team_id, channel_id)
