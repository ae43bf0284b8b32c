"""Sends Slack's own requests to the bot: signed slash commands, Events API callbacks, block actions and view
submissions, with Slack's payload shapes, to the bot's POST /slack/events over real HTTP.

`Workspace` joins it to a FakeSlack so that a person's message is both in the fake's channel history and
delivered to the bot as an event, the way Slack does it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from fakeslack.api import BOT_USER_ID, FakeSlack, Message

API_APP_ID = "A0JOURNEY"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    def __init__(self, events_url: str, signing_secret: str, *, timeout: float = 10.0):
        self.events_url = events_url
        self.secret = signing_secret
        self.timeout = timeout

    def send(self, body: bytes, content_type: str, *, headers: dict | None = None, timestamp: int | None = None,
             signature: str | None = None) -> Sent:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        h = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else sign(self.secret, ts, body),
            **(headers or {}),
        }
        req = urllib.request.Request(self.events_url, data=body, headers=h, method="POST")
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = resp.read()
                return Sent(resp.status, data, time.perf_counter() - start)
        except urllib.error.HTTPError as e:
            return Sent(e.code, e.read(), time.perf_counter() - start)

    def form(self, fields: dict, **kw: Any) -> Sent:
        return self.send(urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def json(self, payload: dict, **kw: Any) -> Sent:
        return self.send(json.dumps(payload).encode(), "application/json", **kw)


def raw_request(host: str, secret: str, body: bytes, content_type: str, headers: dict | None = None) -> bytes:
    """A whole signed HTTP request to POST /slack/events, as bytes (for clients that keep many in flight)."""
    ts = str(int(time.time()))
    h = {"Host": host, "Content-Type": content_type, "Content-Length": str(len(body)),
         "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(secret, ts, body), **(headers or {})}
    head = "POST /slack/events HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    return head.encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
        elif k.lower() == "transfer-encoding" and "chunked" in v.lower():
            chunked = True
    if chunked:
        while (size := int((await reader.readline()).strip() or b"0", 16)):
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status


async def fire(url: str, requests: list[bytes], concurrency: int) -> tuple[list[float], list[int], float]:
    """Send `requests` (see raw_request) keeping `concurrency` in flight over keep-alive connections, as Slack
    does under load. Returns each request's latency and status (0: no answer, the connection failed) in the
    order of `requests`, and the seconds it all took."""
    parsed = urllib.parse.urlsplit(url)
    pending = list(reversed(range(len(requests))))
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)

    async def worker() -> None:
        while pending:
            try:
                reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
            except OSError:
                pending.pop() if pending else None  # the server is gone: this one went unanswered
                continue
            try:
                while pending:
                    n = pending.pop()
                    start = time.perf_counter()
                    writer.write(requests[n])
                    await writer.drain()
                    statuses[n] = await _read_status(reader)
                    latencies[n] = time.perf_counter() - start
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                continue  # the connection broke (a killed server): that request stays unanswered
            finally:
                writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - start


_TRIGGERS = itertools.count(1)


def command_fields(*, team_id: str, channel: str, user: str, text: str, response_url: str, command: str = "/journey",
                   trigger_id: str | None = None) -> dict:
    """A slash command's fields. Each invocation has a trigger_id of its own (the same one twice is a replay)."""
    trigger_id = trigger_id or f"{next(_TRIGGERS)}.{time.time_ns()}.trigger"
    return {
        "token": "deprecated-verification-token", "team_id": team_id, "team_domain": "fake", "channel_id": channel,
        "channel_name": channel.lower(), "user_id": user, "user_name": user.lower(), "command": command, "text": text,
        "api_app_id": API_APP_ID, "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id,
    }


def event_payload(*, team_id: str, event: dict, event_id: str, actor_team: str | None = None,
                  actor_enterprise: str | None = None, shared: bool = False) -> dict:
    """An Events API envelope. In a Slack Connect channel (`shared`) an event a partner's person caused comes with
    their workspace as the envelope's `team_id` (and `enterprise_id`), the installation's as `context_team_id`
    and in `authorizations[0]`: the shape bolt-python's tests replay (tests/slack_bolt/request/test_internals.py)."""
    payload = {
        "token": "deprecated-verification-token", "team_id": actor_team or team_id, "api_app_id": API_APP_ID,
        "event": event, "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": shared,
    }
    if shared:
        payload.update(context_team_id=team_id, context_enterprise_id=None)
        if actor_enterprise:
            payload["enterprise_id"] = actor_enterprise
    return payload


def message_action_payload(fake: FakeSlack, *, user: str, channel: str, message: Message, callback_id: str,
                           trigger_id: str) -> dict:
    """Slack's `message_action` payload for a message shortcut: the whole message, its channel, the person, a
    trigger_id (3 seconds to open a modal) and a response_url (answers only they see). Shape:
    docs.slack.dev/reference/interaction-payloads/shortcuts-interactions-payload, as bolt-python's tests replay it."""
    payload = {
        "type": "message_action", "token": "deprecated-verification-token", "action_ts": str(time.time()),
        "team": {"id": fake.team_id, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": fake.team_of(user)},
        "channel": {"id": channel, "name": (fake.channels.get(channel) or {}).get("name", channel.lower())},
        "is_enterprise_install": False, "enterprise": None, "callback_id": callback_id, "trigger_id": trigger_id,
        "response_url": fake.response_url(channel, user), "message_ts": message.ts,
        "message": {**message.as_event(), "type": "message"},
    }
    payload["message"].pop("channel", None)  # Slack's message object here names no channel: `channel` does
    return payload


class Workspace:
    """People acting in a FakeSlack workspace, with each action delivered to the bot as Slack would."""

    def __init__(self, fake: FakeSlack, sender: SlackSender):
        self.fake = fake
        self.sender = sender
        self._events = itertools.count(1)
        self._triggers = itertools.count(1)

    @property
    def team_id(self) -> str:
        return self.fake.team_id

    def _trigger(self, user: str) -> str:
        trigger = f"{next(self._triggers)}.trigger"
        self.fake.trigger_users[trigger] = user
        return trigger

    def command(self, user: str, channel: str, text: str, **kw: Any) -> Sent:
        fields = command_fields(
            team_id=self.team_id, channel=channel, user=user, text=text,
            response_url=self.fake.response_url(channel, user), trigger_id=self._trigger(user),
        )
        return self.sender.form(fields, **kw)

    def event(self, event: dict, *, event_id: str | None = None, retry: int = 0, **kw: Any) -> Sent:
        event_id = event_id or f"Ev{next(self._events):08d}"
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        channel = self.fake.channels.get(event.get("channel") or "") or {}
        actor = event.get("user") or (event.get("message") or {}).get("user") or (
            event.get("previous_message") or {}).get("user")
        actor_team = self.fake.team_of(actor) if actor else None
        shared = bool(channel.get("shared_with"))
        partner = self.fake.partners.get(actor_team or "") or {}
        return self.sender.json(event_payload(
            team_id=self.team_id, event=event, event_id=event_id, shared=shared,
            actor_team=actor_team if shared else None,
            actor_enterprise=partner.get("enterprise_id")), headers=headers, **kw)

    def reply(self, user: str, channel: str, thread_ts: str, text: str) -> tuple[Message, Sent]:
        msg = self.fake.post_user_message(channel, user, text, thread_ts=thread_ts)
        return msg, self.event({**msg.as_event(), "channel_type": "channel", "event_ts": msg.ts})

    def edit(self, user: str, channel: str, msg: Message, text: str) -> Sent:
        before = msg.as_event()
        msg.text = text
        after = {**msg.as_event(), "edited": {"user": user, "ts": self.fake.next_ts()}}
        return self.event({"type": "message", "subtype": "message_changed", "channel": channel, "hidden": True,
                           "message": after, "previous_message": before, "ts": self.fake.next_ts(),
                           "event_ts": self.fake.next_ts()})

    def delete(self, channel: str, msg: Message) -> Sent:
        with self.fake._lock:
            self.fake.messages[channel] = [m for m in self.fake.messages[channel] if m.ts != msg.ts]
        return self.event({"type": "message", "subtype": "message_deleted", "channel": channel, "hidden": True,
                           "deleted_ts": msg.ts, "previous_message": msg.as_event(), "ts": self.fake.next_ts(),
                           "event_ts": self.fake.next_ts()})

    def open_home(self, user: str) -> Sent:
        """The person opens the app's Home tab: Slack sends `app_home_opened` (tab "home")."""
        view = self.fake.homes.get(user)
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                 "event_ts": self.fake.next_ts()}
        if view is not None:
            event["view"] = {k: v for k, v in view.items() if not k.startswith("_")}
        return self.event(event)

    def click_home(self, user: str, *, action_id: str, value: str, block_id: str = "b") -> Sent:
        """A button on the person's Home tab: a block_actions payload from a view, with no channel and no
        response_url (Slack gives a Home tab click none)."""
        view = self.fake.homes.get(user) or {}
        act = {"action_id": action_id, "block_id": block_id, "type": "button", "value": value,
               "action_ts": str(time.time())}
        payload = {
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": self.fake.team_of(user)},
            "api_app_id": API_APP_ID, "token": "deprecated-verification-token",
            "container": {"type": "view", "view_id": view.get("id")}, "trigger_id": self._trigger(user),
            "team": {"id": self.team_id, "domain": "fake"},
            "view": {k: v for k, v in view.items() if not k.startswith("_")}, "actions": [act],
        }
        return self.sender.form({"payload": json.dumps(payload)})

    def click(self, user: str, channel: str, *, action_id: str, value: str, block_id: str = "b",
              message: Message | None = None, ephemeral_ts: str | None = None, selected: str | None = None) -> Sent:
        """A button press (or a menu choice, `selected`): on a channel message (`message`), or on an ephemeral
        one (`message=None`; `ephemeral_ts` names it, so replace_original can replace it)."""
        container = {"type": "message", "channel_id": channel, "is_ephemeral": message is None,
                     "message_ts": message.ts if message else (ephemeral_ts or self.fake.next_ts())}
        response_url = self.fake.response_url(channel, user) + (f"?replace={ephemeral_ts}" if ephemeral_ts else "")
        act = {"action_id": action_id, "block_id": block_id, "type": "button", "action_ts": str(time.time())}
        if selected is not None:
            act.update(type="static_select", selected_option={"value": selected})
        else:
            act["value"] = value
        payload = {
            # A click's `team` is the installation's workspace, `user.team_id` the clicker's own (a partner's in a
            # Slack Connect channel: slackapi/java-slack-sdk#1041 shows the payload).
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": self.fake.team_of(user)},
            "api_app_id": API_APP_ID, "token": "deprecated-verification-token", "container": container,
            "trigger_id": self._trigger(user), "team": {"id": self.team_id, "domain": "fake"},
            "channel": {"id": channel, "name": channel.lower()}, "response_url": response_url,
            "actions": [act],
        }
        if message is not None:
            payload["message"] = {**message.as_event(), "type": "message"}
        return self.sender.form({"payload": json.dumps(payload)})

    def shortcut(self, user: str, channel: str, message: Message, *, callback_id: str,
                 trigger_id: str | None = None) -> Sent:
        """A message shortcut (a message's "More actions" menu), delivered as Slack does (see
        message_action_payload). `trigger_id`: the same one twice is a redelivery."""
        if trigger_id:
            self.fake.trigger_users[trigger_id] = user
        return self.sender.form({"payload": json.dumps(message_action_payload(
            self.fake, user=user, channel=channel, message=message, callback_id=callback_id,
            trigger_id=trigger_id or self._trigger(user)))})

    def submit_view(self, user: str, view: dict, values: dict[str, dict[str, dict]]) -> Sent:
        """Submit an opened modal with `values` in Slack's view.state.values shape."""
        # A form's `team` (and view.team_id) is the submitter's own workspace; the installation's is in
        # view.app_installed_team_id (bolt-python's tests/scenario_tests/test_view_submission.py, connect_channel).
        team = self.fake.team_of(user)
        partner = self.fake.partners.get(team) or {}
        payload = {
            "type": "view_submission", "team": {"id": team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": team}, "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token", "trigger_id": self._trigger(user),
            "view": {k: v for k, v in {**view, "state": {"values": values}, "team_id": team,
                                       "app_installed_team_id": self.team_id}.items() if not k.startswith("_")},
            "response_urls": [], "is_enterprise_install": False,
        }
        if partner.get("enterprise_id"):
            payload["team"]["enterprise_id"] = partner["enterprise_id"]
            payload["enterprise"] = {"id": partner["enterprise_id"], "name": partner["name"]}
        return self.sender.form({"payload": json.dumps(payload)})
