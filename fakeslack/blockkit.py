"""Block Kit as Slack checks it: slack_sdk's block models, then the limits Slack documents, so that what the fake
refuses is what Slack would refuse. These numbers are the fake's own, read from Slack's reference pages, never
the bot's (bot/blocks/limits.py): a wrong limit on one side is caught by the other.

Sources (docs.slack.dev/reference/…): block-kit/blocks (50 blocks a message, 100 in a modal or Home tab),
blocks/section-block, blocks/header-block, blocks/context-block, blocks/actions-block, blocks/input-block,
block-elements/button-element, block-elements/select-menu-element, block-elements/radio-button-group-element,
block-elements/checkboxes-element, composition-objects/option-group-object, block-elements/plain-text-input-element,
composition-objects/option-object, views/modal-views.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100  # also a Home tab's
BLOCK_ID = 255
ACTION_ID = 255
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
INPUT_LABEL = 2000
INPUT_HINT = 2000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
PLACEHOLDER = 150
SELECT_OPTIONS = 100
OPTION_GROUPS = 100  # a select's option groups, each with at most SELECT_OPTIONS options
OPTION_GROUP_LABEL = 75
CHOICE_OPTIONS = 10  # radio buttons and checkboxes
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTION_DESCRIPTION = 75
TEXT_INPUT_LENGTH = 3000  # plain_text_input's min_length and max_length: 0 (1 for max) to 3000
MODAL_TITLE = 24
MODAL_BUTTON = 24  # submit and close
PRIVATE_METADATA = 3000
CALLBACK_ID = 255


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _too_long(problems: list[str], where: str, what: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append(f"{where}: {what} {len(value)} > {limit}")


def _element_problems(where: str, e: dict) -> list[str]:
    problems: list[str] = []
    _too_long(problems, where, "action_id", e.get("action_id"), ACTION_ID)
    _too_long(problems, where, "placeholder", _text(e.get("placeholder")), PLACEHOLDER)
    kind = e.get("type")
    if kind == "button":
        _too_long(problems, where, "button text", _text(e.get("text")), BUTTON_TEXT)
        _too_long(problems, where, "button value", e.get("value"), BUTTON_VALUE)
        _too_long(problems, where, "button url", e.get("url"), BUTTON_URL)
    options = list(e.get("options") or [])
    groups = e.get("option_groups") or []
    for group in groups:
        options += group.get("options") or []
        _too_long(problems, where, "option group label", _text(group.get("label")), OPTION_GROUP_LABEL)
        if len(group.get("options") or []) > SELECT_OPTIONS:
            problems.append(f"{where}: {len(group['options'])} options in a group (limit {SELECT_OPTIONS})")
    if len(groups) > OPTION_GROUPS:
        problems.append(f"{where}: {len(groups)} option groups (limit {OPTION_GROUPS})")
    if kind in ("static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"):
        limit = CHOICE_OPTIONS if kind in ("radio_buttons", "checkboxes") else SELECT_OPTIONS
        if len(e.get("options") or []) > limit:
            problems.append(f"{where}: {len(e['options'])} options (limit {limit})")
        for o in options + [e[k] for k in ("initial_option",) if isinstance(e.get(k), dict)]:
            _too_long(problems, where, "option text", _text(o.get("text")), OPTION_TEXT)
            _too_long(problems, where, "option value", o.get("value"), OPTION_VALUE)
            _too_long(problems, where, "option description", _text(o.get("description")), OPTION_DESCRIPTION)
    if kind == "plain_text_input":
        for key, low in (("min_length", 0), ("max_length", 1)):
            if key in e and not (isinstance(e[key], int) and low <= e[key] <= TEXT_INPUT_LENGTH):
                problems.append(f"{where}: {key} {e[key]!r} (from {low} to {TEXT_INPUT_LENGTH})")
    return problems


def _limits(i: int, raw: dict) -> list[str]:
    """What Slack's reference pages say a block may hold, beyond the shapes slack_sdk's models check."""
    where, kind, problems = f"block {i}", raw.get("type"), []
    _too_long(problems, where, "block_id", raw.get("block_id"), BLOCK_ID)
    if kind == "section":
        _too_long(problems, where, "section text", _text(raw.get("text")), SECTION_TEXT)
        fields = raw.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            problems.append(f"{where}: {len(fields)} fields (limit {SECTION_FIELDS})")
        for f in fields:
            _too_long(problems, where, "field text", _text(f), SECTION_FIELD_TEXT)
    elif kind == "header":
        _too_long(problems, where, "header text", _text(raw.get("text")), HEADER_TEXT)
    elif kind == "context" and len(raw.get("elements") or []) > CONTEXT_ELEMENTS:
        problems.append(f"{where}: {len(raw['elements'])} context elements (limit {CONTEXT_ELEMENTS})")
    elif kind == "actions" and len(raw.get("elements") or []) > ACTIONS_ELEMENTS:
        problems.append(f"{where}: {len(raw['elements'])} elements (limit {ACTIONS_ELEMENTS})")
    elif kind == "input":
        _too_long(problems, where, "label", _text(raw.get("label")), INPUT_LABEL)
        _too_long(problems, where, "hint", _text(raw.get("hint")), INPUT_HINT)
    elements = [] if kind == "context" else list(raw.get("elements") or [])
    elements += [raw[k] for k in ("accessory", "element") if isinstance(raw.get(k), dict)]
    for e in elements:
        problems += _element_problems(where, e)
    return problems


def block_problems(blocks: Any, *, max_blocks: int = MESSAGE_BLOCKS) -> list[str]:
    """What Slack would reject in a list of blocks: unknown shapes, broken limits."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks is not JSON"]
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (limit {max_blocks})")
    for i, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"block {i}: unknown type {raw.get('type')!r}")
                continue
            block.validate_json()
            # slack_sdk validates a block's own fields, not its elements': check those one by one.
            elements = list(raw.get("elements") or []) + ([raw["accessory"]] if raw.get("accessory") else [])
            if raw.get("type") == "input" and raw.get("element"):
                elements.append(raw["element"])
            for element in elements:
                if raw.get("type") == "context":
                    continue  # text objects and images, validated with the block
                parsed = BlockElement.parse(element)
                if parsed is None:
                    problems.append(f"block {i}: unknown element type {element.get('type')!r}")
                else:
                    parsed.validate_json()
        except (SlackObjectFormationError, KeyError, TypeError, AttributeError) as e:
            problems.append(f"block {i} ({raw.get('type')}): {e}")
            continue
        problems += _limits(i, raw)
    return problems


def view_problems(view: Any) -> list[str]:
    """What Slack would reject in a modal (views.open, views.update, views.push)."""
    if isinstance(view, str):
        view = json.loads(view)
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError) as e:
        return [f"view: {e}"]
    problems: list[str] = []
    if view.get("type") == "modal":
        _too_long(problems, "view", "title", _text(view.get("title")), MODAL_TITLE)
        _too_long(problems, "view", "submit", _text(view.get("submit")), MODAL_BUTTON)
        _too_long(problems, "view", "close", _text(view.get("close")), MODAL_BUTTON)
    _too_long(problems, "view", "private_metadata", view.get("private_metadata"), PRIVATE_METADATA)
    _too_long(problems, "view", "callback_id", view.get("callback_id"), CALLBACK_ID)
    return problems + block_problems(view.get("blocks"), max_blocks=MODAL_BLOCKS)
