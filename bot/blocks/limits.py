"""Slack's Block Kit limits that the builders stay inside (https://api.slack.com/reference/block-kit)."""

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
FALLBACK_TEXT = 4000
