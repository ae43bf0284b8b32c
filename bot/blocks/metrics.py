"""Pure builders for metrics per stage: the confirmation and the form."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import note
from bot.metrics import MAX_NAME, Recorded


def build_metric_recorded(r: Recorded) -> dict:
    before = f" (it was {t.show(r.before, 40)})" if r.before is not None else ""
    return note(f"📏 Recorded *{t.show(r.name, MAX_NAME)}* = *{t.show(r.shown, 40)}* for *{t.show(r.stage, 60)}*"
                f"{before}. The map, its canvas and its exports show it; the next review keeps it with its period.")


def build_metric_modal(*, channel_id: str, workshop_id: int, stages: list[tuple[int, str]]) -> dict:
    options = [{"text": {"type": "plain_text", "text": t.shorten(t.plain(name), limits.OPTION_TEXT) or "—"},
                "value": str(sid)} for sid, name in stages[: limits.SELECT_OPTIONS]]
    return {
        "type": "modal", "callback_id": ids.METRIC_VIEW,
        "private_metadata": json.dumps({"channel_id": channel_id, "workshop_id": workshop_id}),
        "title": {"type": "plain_text", "text": "Record a metric"},
        "submit": {"type": "plain_text", "text": "Record"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": ids.METRIC_STAGE_BLOCK, "label": {"type": "plain_text", "text": "Stage"},
             "element": {"type": "static_select", "action_id": ids.METRIC_STAGE_INPUT, "options": options}},
            {"type": "input", "block_id": ids.METRIC_NAME_BLOCK, "label": {"type": "plain_text", "text": "Metric"},
             "hint": {"type": "plain_text", "text": "Any figure you track: NPS, CSAT, conversion %, tickets per week."},
             "element": {"type": "plain_text_input", "action_id": ids.METRIC_NAME_INPUT, "max_length": MAX_NAME,
                         "placeholder": {"type": "plain_text", "text": "e.g. NPS"}}},
            {"type": "input", "block_id": ids.METRIC_VALUE_BLOCK, "label": {"type": "plain_text", "text": "Value"},
             "element": {"type": "plain_text_input", "action_id": ids.METRIC_VALUE_INPUT, "max_length": 30,
                         "placeholder": {"type": "plain_text", "text": "e.g. 32, 4.1 or 3.2%"}}},
        ],
    }
