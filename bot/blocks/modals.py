"""Pure builders for modals."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.templates import DEFAULT_TEMPLATE, Template
from bot.workshop import MAX_TITLE


def build_new_workshop_modal(*, channel_id: str, templates: dict[str, Template]) -> dict:
    options = [
        {
            "text": {"type": "plain_text", "text": t.shorten(tpl.name, 75)},
            "description": {"type": "plain_text", "text": t.shorten(tpl.description or tpl.name, 75)},
            "value": key,
        }
        for key, tpl in templates.items()
    ][:100]
    initial = next((o for o in options if o["value"] == DEFAULT_TEMPLATE), options[0] if options else None)
    template_element = {"type": "static_select", "action_id": ids.NEW_TEMPLATE_INPUT, "options": options}
    if initial:
        template_element["initial_option"] = initial
    return {
        "type": "modal",
        "callback_id": ids.NEW_WORKSHOP_VIEW,
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "title": {"type": "plain_text", "text": "New journey workshop"},
        "submit": {"type": "plain_text", "text": "Start"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": ids.NEW_TITLE_BLOCK,
                "label": {"type": "plain_text", "text": "Title"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.NEW_TITLE_INPUT,
                    "max_length": MAX_TITLE,
                    "placeholder": {"type": "plain_text", "text": "e.g. Checkout redesign"},
                },
            },
            {
                "type": "input",
                "block_id": ids.NEW_OBJECTIVE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Objective"},
                "hint": {"type": "plain_text", "text": "What should the map help us decide or change? One per line."},
                "element": {"type": "plain_text_input", "action_id": ids.NEW_OBJECTIVE_INPUT, "multiline": True},
            },
            {
                "type": "input",
                "block_id": ids.NEW_TEMPLATE_BLOCK,
                "label": {"type": "plain_text", "text": "Template"},
                "element": template_element,
            },
        ],
    }
