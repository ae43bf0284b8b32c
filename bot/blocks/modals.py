"""Pure builders for modals."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.templates import DEFAULT_TEMPLATE, Template
from bot.workshop.departments import MAX_DEPARTMENT
from bot.workshop.flow import MAX_TITLE


def build_new_workshop_modal(*, channel_id: str, templates: dict[str, Template]) -> dict:
    options = [
        {
            "text": {"type": "plain_text", "text": t.shorten(tpl.name, limits.OPTION_TEXT)},
            "description": {"type": "plain_text", "text": t.shorten(tpl.description or tpl.name, limits.OPTION_TEXT)},
            "value": key,
        }
        for key, tpl in templates.items()
    ][: limits.SELECT_OPTIONS]
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


def build_action_modal(*, channel_id: str, owner: str | None, pain_points: list[tuple[int, str]], text: str = "",
                       pain_point: int | None = None, suggestion: tuple[int, str] | None = None) -> dict:
    """`suggestion`: (synthesis id, "action:<i>" or "opportunity:<i>") when accepting one from a synthesis."""
    owner_element = {"type": "users_select", "action_id": ids.ACTION_OWNER_INPUT,
                     "placeholder": {"type": "plain_text", "text": "Who owns it?"}}
    if owner:
        owner_element["initial_user"] = owner
    blocks = [
        {"type": "input", "block_id": ids.ACTION_OWNER_BLOCK, "label": {"type": "plain_text", "text": "Owner"},
         "element": owner_element},
        {"type": "input", "block_id": ids.ACTION_TEXT_BLOCK, "label": {"type": "plain_text", "text": "What needs doing"},
         "element": {"type": "plain_text_input", "action_id": ids.ACTION_TEXT_INPUT, "multiline": True,
                     "max_length": 500, **({"initial_value": text[:500]} if text else {})}},
        {"type": "input", "block_id": ids.ACTION_DUE_BLOCK, "optional": True,
         "label": {"type": "plain_text", "text": "Due"},
         "element": {"type": "datepicker", "action_id": ids.ACTION_DUE_INPUT}},
    ]
    if pain_points:
        options = [{"text": {"type": "plain_text", "text": t.shorten(f"#{pid} {t.plain(text)}", limits.OPTION_TEXT)}, "value": str(pid)}
                   for pid, text in pain_points[: limits.SELECT_OPTIONS]]
        element = {"type": "static_select", "action_id": ids.ACTION_PAIN_INPUT, "options": options}
        initial = next((o for o in options if o["value"] == str(pain_point)), None)
        if initial:
            element["initial_option"] = initial
        blocks.append({"type": "input", "block_id": ids.ACTION_PAIN_BLOCK, "optional": True,
                       "label": {"type": "plain_text", "text": "For pain point"}, "element": element})
    meta = {"channel_id": channel_id, **({"suggestion": list(suggestion)} if suggestion else {})}
    return {
        "type": "modal", "callback_id": ids.NEW_ACTION_VIEW, "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": "New action item"}, "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks,
    }


def build_evidence_modal(*, task_id: int, outcome: str, outcome_label: str, pain: str, plan: dict | None = None) -> dict:
    """`plan`: the validation plan message the click came from ({channel, ts, tasks}), to show the outcome there."""
    return {
        "type": "modal", "callback_id": ids.VALIDATION_VIEW,
        "private_metadata": json.dumps({"task_id": task_id, "outcome": outcome, **({"plan": plan} if plan else {})}),
        "title": {"type": "plain_text", "text": "Validation outcome"},
        "submit": {"type": "plain_text", "text": "Record"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": t.fit(
                f"*{outcome_label}*: {t.show(pain, 300)}")}},
            {"type": "input", "block_id": ids.EVIDENCE_CUSTOMERS_BLOCK,
             "label": {"type": "plain_text", "text": "How many customers did you talk to?"},
             "element": {"type": "number_input", "action_id": ids.EVIDENCE_CUSTOMERS_INPUT, "is_decimal_allowed": False,
                         "min_value": "0", "max_value": "10000"}},
            {"type": "input", "block_id": ids.EVIDENCE_NOTE_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "What did you hear?"},
             "element": {"type": "plain_text_input", "action_id": ids.EVIDENCE_NOTE_INPUT, "multiline": True,
                         "max_length": 2000}},
        ],
    }


def build_department_modal(*, current: str | None) -> dict:
    element = {"type": "plain_text_input", "action_id": ids.DEPT_INPUT, "max_length": MAX_DEPARTMENT,
               "placeholder": {"type": "plain_text", "text": "e.g. Customer Support"}}
    if current:
        element["initial_value"] = current
    return {
        "type": "modal",
        "callback_id": ids.DEPT_VIEW,
        "title": {"type": "plain_text", "text": "Your department"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": ids.DEPT_BLOCK, "element": element,
                    "label": {"type": "plain_text", "text": "Department"},
                    "hint": {"type": "plain_text", "text": "The team you answer for: the map groups answers by it."}}],
    }
