"""Modal submissions: the `/journey new` form."""

from __future__ import annotations

import json

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot import ids, workshop
from bot.blocks import messages as m
from bot.handlers.commands import post_prompt
from bot.handlers.common import whisper
from bot.services import Services


def _value(view: dict, block: str, action: str) -> str | None:
    field = view["state"]["values"].get(block, {}).get(action, {})
    if "selected_option" in field:
        return (field["selected_option"] or {}).get("value")
    return field.get("value")


def register(app: App, svc: Services) -> None:
    @app.view(ids.NEW_WORKSHOP_VIEW)
    def new_workshop(ack: Ack, body: dict, view: dict) -> None:
        team_id = (body.get("team") or {}).get("id") or view.get("team_id")
        user_id = body["user"]["id"]
        channel_id = json.loads(view.get("private_metadata") or "{}").get("channel_id")
        title = _value(view, ids.NEW_TITLE_BLOCK, ids.NEW_TITLE_INPUT) or ""
        # Validation errors must travel in the ack itself, so this handler does its (fast) work before acking.
        try:
            with svc.session() as s:
                prompt = workshop.start_workshop(
                    session=s, team_id=team_id, channel_id=channel_id, user_id=user_id, title=title,
                    template=_value(view, ids.NEW_TEMPLATE_BLOCK, ids.NEW_TEMPLATE_INPUT),
                    objective=_value(view, ids.NEW_OBJECTIVE_BLOCK, ids.NEW_OBJECTIVE_INPUT), now=svc.clock(),
                )
        except workshop.Refusal as r:
            ack(response_action="errors", errors={ids.NEW_TITLE_BLOCK: m.plain_error(str(r))})
            return
        ack()

        def tell(message: dict) -> None:
            try:
                whisper(svc.client, channel=channel_id, user=user_id, message=message)
            except SlackApiError:  # not in that channel either: the app's DM always works
                svc.client.chat_postMessage(channel=user_id, **message)

        svc.outbox.submit(post_prompt, svc, team_id=team_id, prompt=prompt, tell=tell, then=m.build_started(prompt))
