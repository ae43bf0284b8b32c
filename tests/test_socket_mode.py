"""Socket Mode: the same app object, driven over a WebSocket by the fake Slack instead of signed HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import build_app, services_of, stop
from bot.tasks import TaskQueue
from fakeslack.api import APP_TOKEN
from fakeslack.sender import command_fields, event_payload, message_action_payload
from tests.conftest import ANA, CHANNEL, FACILITATOR, make_settings

pytestmark = pytest.mark.slow


def eventually(check: Callable[[], object], timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_a_workshop_runs_over_socket_mode(fake, tmp_path, clock):
    app = build_app(make_settings(fake, tmp_path), worker=TaskQueue("work", 1), outbox=TaskQueue("slack", 2),
                    clock=clock)
    handler = SocketModeHandler(app, APP_TOKEN)
    handler.connect()
    try:
        eventually(fake.socket_connected)
        fields = command_fields(team_id=fake.team_id, channel=CHANNEL, user=FACILITATOR, text="new Over the socket",
                                response_url=fake.response_url(CHANNEL, FACILITATOR))
        env = fake.socket_send("slash_commands", fields, accepts_response_payload=True)
        eventually(lambda: env in fake.socket_acks)  # acknowledged over the socket
        prompt = eventually(lambda: [m for m in fake.channel_messages(CHANNEL, bot_only=True) if m.blocks])[-1]
        assert "Over the socket: objectives" in prompt.blocks[0]["text"]["text"]
        eventually(lambda: services_of(app).worker.join(1) and services_of(app).outbox.join(1))

        reply = fake.post_user_message(CHANNEL, ANA, "learn why carts are abandoned", thread_ts=prompt.ts)
        fake.socket_send("events_api", event_payload(team_id=fake.team_id, event=reply.as_event(), event_id="EvS1"))
        eventually(lambda: fake.message(CHANNEL, reply.ts).reactions)

        # A message shortcut ("Add to journey map") arrives as an interactive envelope: stored, acked, its form
        # opened and filled in (the workshop hasn't reached its stages, so it says so).
        fake.trigger_users["9.socket"] = ANA
        env = fake.socket_send("interactive", message_action_payload(
            fake, user=ANA, channel=CHANNEL, message=reply, callback_id="add_to_journey_map", trigger_id="9.socket"))
        eventually(lambda: env in fake.socket_acks)
        eventually(lambda: any("haven't reached their stages" in str(v.get("blocks")) for v in fake.views))
    finally:
        handler.close()
        stop(app)
