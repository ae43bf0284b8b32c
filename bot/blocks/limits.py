"""Slack's Block Kit limits that the builders stay inside (https://docs.slack.dev/reference/block-kit). Only those
the builders use; the fake Slack (fakeslack/blockkit.py) checks every limit from Slack's pages on its own."""

MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
SELECT_OPTIONS = 100
OPTION_TEXT = 75
BUTTON_VALUE = 2000  # what a button carries back when clicked
FALLBACK_TEXT = 4000  # the message's `text`: Slack takes 40,000, but a notification shows far less
