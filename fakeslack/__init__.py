"""A fake Slack, beside the bot: the Web API the bot's unchanged slack_sdk client talks to (`api`), Block Kit
checked against Slack's own documented limits (`blockkit`), Socket Mode (`socket_mode`), signed requests to the
app in Slack's payload shapes (`sender`), and the sandbox page that lets a person play a workspace (`sandbox`,
`render`, `page.html`). Tests, benchmarks and `python -m bot sandbox` use it; the bot itself never imports it.
"""

from fakeslack.api import APP_TOKEN, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID, FakeSlack, Message
from fakeslack.blockkit import block_problems, view_problems
from fakeslack.sender import SlackSender, Workspace

__all__ = ["APP_TOKEN", "BOT_ID", "BOT_TOKEN", "BOT_USER_ID", "TEAM_ID", "FakeSlack", "Message", "SlackSender",
           "Workspace", "block_problems", "view_problems"]
