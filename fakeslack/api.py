"""A fake Slack Web API over real HTTP: the bot's unchanged slack_sdk client talks to it via SLACK_API_URL.

It keeps a small workspace in memory (channels, members, users, messages, ephemerals, reactions, files,
views), records every call, can inject errors and 429s, can answer slowly (every call, or one method), can
lose its answer after a call took effect (a 503, or a dropped connection, once the message is stored), and
validates every `blocks` and `view` it receives with slack_sdk's Block Kit models plus Slack's size limits,
refusing invalid ones with `invalid_blocks` as Slack does (and keeping them in `invalid` for tests to assert on).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakeslack.blockkit import block_problems, view_problems
from fakeslack.socket_mode import SocketModeServer

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_TOKEN = "xoxb-fake-token"
APP_TOKEN = "xapp-fake-token"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float


@dataclass
class Fault:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int = 1


# `handle` answers this instead of a response to close the connection without a word, as a failing proxy would.
DROP = (0, {}, b"")


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    blocks: list = field(default_factory=list)
    reactions: dict[str, set[str]] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    metadata: dict | None = None
    team: str | None = None  # the author's workspace (Slack puts it on every person's message)
    subtype: str | None = None  # thread_broadcast, me_message, file_share, …

    def as_event(self) -> dict:
        e = {"type": "message", "channel": self.channel, "ts": self.ts, "text": self.text}
        if self.subtype:
            e["subtype"] = self.subtype
        if self.user:
            e["user"] = self.user
        if self.team:
            e["team"] = self.team
        if self.bot_id:
            e["bot_id"] = self.bot_id
        if self.thread_ts:
            e["thread_ts"] = self.thread_ts
        if self.blocks:
            e["blocks"] = self.blocks
        return e


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list
    thread_ts: str | None = None
    via: str = "chat.postEphemeral"  # or "response_url"
    ts: str = ""  # the sandbox's handle on it (Slack gives ephemerals no lasting id)


class FakeSlack:
    """The workspace state and the Web API methods. `start()` serves it on 127.0.0.1 at a free port."""

    def __init__(self, *, token: str = BOT_TOKEN, team_id: str = TEAM_ID, delay: float = 0.0,
                 channel_rate: float | None = None, random_429: float = 0.0, seed: int = 7):
        self.token = token
        self.team_id = team_id
        self.delay = delay  # seconds every Web API call takes (real Slack can take hundreds of ms)
        # Slack's chat.postMessage limit: about one message per second per channel (None: no limit).
        self.channel_rate = channel_rate
        self.random_429 = random_429  # chance that any chat.postMessage is refused with a 429
        self.delays: dict[str, float] = {}  # per Web API method, on top of `delay`
        # method → (chance, status): a successful call takes effect, then its answer is lost (status None: the
        # connection is dropped). What a caller then knows is that it doesn't know.
        self.lost_answers: dict[str, tuple[float, int | None]] = {}
        self.answers_lost = 0
        self._random = __import__("random").Random(seed)
        self._last_post: dict[str, float] = {}
        self.calls: list[Call] = []
        self.invalid: list[tuple[str, list[str]]] = []
        self.faults: dict[str, list[Fault]] = {}
        self.channels: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.files: dict[str, dict] = {}
        self.views: list[dict] = []
        self.homes: dict[str, dict] = {}
        # canvas id → {"id", "title", "markdown", "channel" (a channel canvas's), "shared" (channel ids), "edits"}
        self.canvases: dict[str, dict] = {}  # user id → the Home tab the app published for them (views.publish)
        self.trigger_users: dict[str, str] = {}  # trigger_id → who caused it (so a modal opens for them)
        # Slack Connect: other organisations' workspaces, team id → {"name", "enterprise_id", "dm_error"}. A
        # `dm_error` is what Slack answers when the bot opens a DM with one of their people (their org's settings).
        self.partners: dict[str, dict] = {}
        self.ui = None  # the sandbox page, when this fake serves one (routes other than the Web API)
        self._lock = threading.RLock()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        # Socket Mode: a WebSocket endpoint that apps.connections.open hands out (started on first use).
        self.socket_mode: SocketModeServer | None = None
        self.add_user(BOT_USER_ID, "journey-bot", is_bot=True)

    # --- Setting up the workspace ---------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, is_bot: bool = False, tz: str = "Europe/London",
                 team_id: str | None = None) -> None:
        """A person; `team_id`: a partner organisation's workspace (add_partner) for someone from outside."""
        team = team_id or self.team_id
        self.users[user_id] = {
            "id": user_id, "team_id": team, "name": name, "real_name": name, "is_bot": is_bot,
            "deleted": False, "tz": tz, "profile": {"display_name": name, "real_name": name, "team": team},
        }

    def add_partner(self, team_id: str, name: str, *, enterprise_id: str | None = None,
                    dm_error: str | None = None) -> None:
        """Another organisation's workspace, which channels can be shared with (Slack Connect)."""
        self.partners[team_id] = {"name": name, "enterprise_id": enterprise_id, "dm_error": dm_error}

    def team_of(self, user_id: str) -> str:
        return (self.users.get(user_id) or {}).get("team_id") or self.team_id

    def is_external(self, user_id: str) -> bool:
        return self.team_of(user_id) != self.team_id

    def add_channel(self, channel_id: str, name: str, *, members: list[str] = (), private: bool = False,
                    bot_member: bool = True, mpim: bool = False, shared_with: list[str] = ()) -> None:
        """A channel; `mpim`: a group DM (always private); `shared_with`: partner workspaces (Slack Connect)."""
        m = set(members) | ({BOT_USER_ID} if bot_member else set())
        self.channels[channel_id] = {"id": channel_id, "name": name, "is_private": private or mpim, "is_mpim": mpim,
                                     "members": m, "shared_with": list(shared_with)}
        self.messages.setdefault(channel_id, [])

    def fail(self, method: str, error: str, *, status: int = 200, times: int = 1, retry_after: int | None = None) -> None:
        """The next `times` calls of `method` answer with this error (status 429 with Retry-After for rate limits)."""
        with self._lock:
            self.faults.setdefault(method, []).append(Fault(error, status, retry_after, times))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.fail(method, "ratelimited", status=429, retry_after=retry_after, times=times)

    def slow_down(self, method: str, seconds: float) -> None:
        """Every call of `method` takes `seconds` more before it takes effect."""
        with self._lock:
            self.delays[method] = seconds

    def lose_answers(self, method: str, chance: float, *, status: int | None = 503) -> None:
        """From now on, `chance` of the successful calls of `method` take effect (the message is stored) but answer
        `status` instead, or, with status None, drop the connection without answering. 0 stops it."""
        with self._lock:
            self.lost_answers[method] = (chance, status)

    # --- Reading what happened ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def channel_messages(self, channel: str, *, bot_only: bool = False) -> list[Message]:
        with self._lock:
            msgs = list(self.messages.get(channel, []))
        return [m for m in msgs if m.bot_id] if bot_only else msgs

    def message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.channel_messages(channel) if m.ts == ts), None)

    def ephemerals_for(self, user: str) -> list[Ephemeral]:
        with self._lock:
            return [e for e in self.ephemerals if e.user == user]

    def next_ts(self) -> str:
        with self._lock:
            return f"{1700000000 + next(self._ts)}.{next(self._ids):06d}"

    def post_user_message(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> Message:
        """A person posts (the test or the sandbox then delivers the event to the bot)."""
        msg = Message(channel=channel, ts=self.next_ts(), text=text, user=user, thread_ts=thread_ts,
                      team=self.team_of(user))
        with self._lock:
            self.messages.setdefault(channel, []).append(msg)
        return msg

    # --- Serving --------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                answer = fake.handle(parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), raw, self.headers)
                if answer is DROP:
                    self.close_connection = True
                    return
                status, headers, body = answer
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except ConnectionError:  # the client stopped waiting (its timeout): what it asked for is done
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024

            def handle_error(self, request, client_address) -> None:
                import sys

                if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away (a killed bot)
                    super().handle_error(request, client_address)

        self._server = Server((host, port), Handler)
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, channel: str, user: str) -> str:
        return f"{self.url}/respond/{channel}/{user}"

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- Request handling -----------------------------------------------------------------------------

    def handle(self, path: str, query: dict, raw: bytes, headers: Any) -> tuple[int, dict, bytes]:
        if self.delay:
            time.sleep(self.delay)
        if path.startswith("/upload/"):
            return self._upload(path.rsplit("/", 1)[-1], raw)
        if path == "/_fake/reminders":  # for benchmarks in another process: reminder ids per DM channel
            with self._lock:
                state = {ch: [rid for m in msgs if m.metadata
                              for rid in m.metadata.get("event_payload", {}).get("reminder_ids", [])]
                         for ch, msgs in self.messages.items() if ch.startswith("D")}
            return 200, {"Content-Type": "application/json"}, json.dumps(state).encode()
        if path.startswith("/respond/"):
            _, _, channel, user = path.split("/", 3)
            return self._respond(channel, user, json.loads(raw or b"{}"), replace=query.get("replace"))
        if not path.startswith("/api/"):
            if self.ui is not None:
                return self.ui.handle(path, query, raw, headers)
            return 404, {}, b"not found"
        method = path[len("/api/"):]
        args = dict(query)
        ctype = headers.get("Content-Type", "")
        if raw and "json" in ctype:
            args.update(json.loads(raw))
        elif raw:
            args.update(dict(urllib.parse.parse_qsl(raw.decode())))
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip() or args.pop("token", "")
        with self._lock:
            self.calls.append(Call(method, args, time.time()))
            fault = self._take_fault(method)
            delay = self.delays.get(method)
        if delay:
            time.sleep(delay)
        if fault is not None:
            hdrs = {"Content-Type": "application/json"}
            if fault.retry_after is not None:
                hdrs["Retry-After"] = str(fault.retry_after)
            return fault.status, hdrs, json.dumps({"ok": False, "error": fault.error}).encode()
        expected = APP_TOKEN if method == "apps.connections.open" else self.token
        if token != expected:
            return self._json({"ok": False, "error": "invalid_auth" if token else "not_authed"})
        fn = getattr(self, "m_" + method.replace(".", "_"), None)
        if fn is None:
            return self._json({"ok": False, "error": "unknown_method"})
        try:
            result = fn(args)
        except RateLimited as e:
            return 429, {"Content-Type": "application/json", "Retry-After": str(e.retry_after)}, json.dumps(
                {"ok": False, "error": "ratelimited"}).encode()
        except SlackError as e:
            result = {"ok": False, "error": e.code, **e.extra}
        if result.get("ok"):
            lost = self._lost_answer(method)
            if lost is not None:
                return lost
        return self._json(result)

    def _lost_answer(self, method: str) -> tuple[int, dict, bytes] | None:
        """The answer to a call that took effect, when its real answer is to be lost (see lose_answers)."""
        with self._lock:
            chance, status = self.lost_answers.get(method, (0.0, None))
            if not chance or self._random.random() >= chance:
                return None
            self.answers_lost += 1
        if status is None:
            return DROP
        return status, {"Content-Type": "application/json"}, json.dumps(
            {"ok": False, "error": "service_unavailable"}).encode()

    def _take_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        f = queue[0]
        f.times -= 1
        if f.times <= 0:
            queue.pop(0)
        return f

    @staticmethod
    def _json(obj: dict) -> tuple[int, dict, bytes]:
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(obj).encode()

    def _channel(self, channel_id: str | None) -> dict:
        ch = self.channels.get(channel_id or "")
        if ch is None:
            raise SlackError("channel_not_found")
        return ch

    def _check_blocks(self, method: str, args: dict, key: str = "blocks") -> list:
        blocks = args.get(key)
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        problems = block_problems(blocks)
        if problems:
            with self._lock:
                self.invalid.append((method, problems))
            raise SlackError("invalid_blocks", errors=problems)
        return blocks or []

    def _require_bot_in(self, ch: dict) -> None:
        if BOT_USER_ID not in ch["members"]:
            raise SlackError("not_in_channel")

    # --- Web API methods ------------------------------------------------------------------------------

    def m_auth_test(self, args: dict) -> dict:
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "journey-bot",
                "team_id": self.team_id, "user_id": BOT_USER_ID, "bot_id": BOT_ID}

    # --- Socket Mode --------------------------------------------------------------------------------

    def m_apps_connections_open(self, args: dict) -> dict:
        if self.socket_mode is None:
            self.socket_mode = SocketModeServer().start()
        return {"ok": True, "url": self.socket_mode.url(ticket=next(self._ids))}

    @property
    def socket_acks(self) -> dict[str, dict]:
        return self.socket_mode.acks if self.socket_mode is not None else {}

    def socket_connected(self) -> bool:
        return self.socket_mode is not None and self.socket_mode.connected()

    def socket_send(self, kind: str, payload: dict, *, accepts_response_payload: bool = False) -> str:
        """Deliver an envelope (slash_commands, events_api, interactive) to the connected app; returns its id."""
        return self.socket_mode.send(f"env-{next(self._ids)}", kind, payload,
                                     accepts_response_payload=accepts_response_payload)

    # --- Messages -------------------------------------------------------------------------------------

    def _dm(self, user_id: str) -> dict:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if user.get("deleted"):
            raise SlackError("user_disabled")
        if user.get("is_bot"):
            raise SlackError("cannot_dm_bot")
        if self.is_external(user_id):
            partner = self.partners.get(user["team_id"]) or {}
            if partner.get("dm_error"):
                raise SlackError(partner["dm_error"])
            if not any(user_id in ch["members"] and ch.get("shared_with") for ch in self.channels.values()):
                raise SlackError("invalid_user_combination")  # external people must share a channel with us
        with self._lock:
            ch = self.channels.setdefault("D" + user_id, {"id": "D" + user_id, "name": user_id, "is_private": True,
                                                          "is_im": True, "user": user_id,
                                                          "members": {user_id, BOT_USER_ID}})
            self.messages.setdefault(ch["id"], [])
        return ch

    def m_conversations_open(self, args: dict) -> dict:
        users = (args.get("users") or "").split(",")
        return {"ok": True, "channel": {"id": self._dm(users[0])["id"]}}

    def m_conversations_history(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        self._require_bot_in(ch)
        oldest = float(args.get("oldest") or 0)
        include = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        msgs = [m for m in self.channel_messages(ch["id"]) if float(m.ts) > oldest and not m.thread_ts]
        out = []
        for m in reversed(msgs[-int(args.get("limit") or 100):]):
            e = {**m.as_event(), "type": "message"}
            if include and m.metadata:
                e["metadata"] = m.metadata
            out.append(e)
        return {"ok": True, "messages": out, "has_more": False}

    def m_conversations_replies(self, args: dict) -> dict:
        # Slack: channel and ts required; the thread's parent first, then its replies, oldest first; metadata only
        # with include_all_metadata; a ts that is no message: thread_not_found.
        ch = self._channel(args.get("channel"))
        self._require_bot_in(ch)
        ts = args.get("ts") or ""
        if not ts:
            raise SlackError("invalid_arguments")
        parent = self.message(ch["id"], ts)
        if parent is None:
            raise SlackError("thread_not_found")
        include = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = [parent, *(m for m in self.channel_messages(ch["id"]) if m.thread_ts == ts and m.ts != ts)]
        out = []
        for m in thread[:int(args.get("limit") or 1000)]:
            e = m.as_event()
            if m is parent and any(r.thread_ts == ts for r in thread[1:]):
                e["thread_ts"] = ts
            if include and m.metadata:
                e["metadata"] = m.metadata
            out.append(e)
        return {"ok": True, "messages": out, "has_more": False}

    def dm_messages(self, user_id: str) -> list[Message]:
        return self.channel_messages("D" + user_id)

    def _rate_limit(self, channel: str) -> None:
        with self._lock:
            if self.random_429 and self._random.random() < self.random_429:
                raise RateLimited(1)
            if self.channel_rate:
                now = time.monotonic()
                last = self._last_post.get(channel)
                if last is not None and now - last < 1 / self.channel_rate:
                    raise RateLimited(1)
                self._last_post[channel] = now

    def m_chat_postMessage(self, args: dict) -> dict:
        channel = args.get("channel")
        if channel in self.users:  # a DM to a person: the app's messages tab
            channel = self._dm(channel)["id"]
        self._rate_limit(channel)
        ch = self._channel(channel)
        self._require_bot_in(ch)
        blocks = self._check_blocks("chat.postMessage", args)
        if not args.get("text") and not blocks:
            raise SlackError("no_text")
        metadata = args.get("metadata")
        msg = Message(channel=channel, ts=self.next_ts(), text=args.get("text", ""), bot_id=BOT_ID,
                      user=BOT_USER_ID, thread_ts=args.get("thread_ts"), blocks=blocks,
                      metadata=json.loads(metadata) if isinstance(metadata, str) else metadata)
        with self._lock:
            self.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": msg.ts, "message": msg.as_event()}

    def m_chat_update(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        msg = self.message(ch["id"], args.get("ts", ""))
        if msg is None:
            raise SlackError("message_not_found")
        blocks = self._check_blocks("chat.update", args)
        with self._lock:
            msg.text = args.get("text", msg.text)
            msg.blocks = blocks or msg.blocks
        return {"ok": True, "channel": ch["id"], "ts": msg.ts}

    def permalink(self, channel: str, ts: str, thread_ts: str | None = None) -> str:
        """A message's permalink as Slack shapes it (…/archives/<channel>/p<ts without the dot>), on this fake."""
        link = f"{self.url}/archives/{channel}/p{ts.replace('.', '')}"
        return link + (f"?thread_ts={thread_ts}&cid={channel}" if thread_ts and thread_ts != ts else "")

    def m_chat_getPermalink(self, args: dict) -> dict:
        # Slack: channel and message_ts required; channel_not_found, message_not_found; the caller must be able to
        # see the conversation (a bot outside a private channel gets channel_not_found).
        if not args.get("channel") or not args.get("message_ts"):
            raise SlackError("invalid_arguments")
        ch = self._channel(args.get("channel"))
        if ch["is_private"] and not ch.get("is_im") and BOT_USER_ID not in ch["members"]:
            raise SlackError("channel_not_found")
        msg = self.message(ch["id"], args["message_ts"])
        if msg is None:
            raise SlackError("message_not_found")
        return {"ok": True, "channel": ch["id"], "permalink": self.permalink(ch["id"], msg.ts, msg.thread_ts)}

    def m_chat_postEphemeral(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        self._require_bot_in(ch)
        user = args.get("user")
        if user not in ch["members"]:
            raise SlackError("user_not_in_channel")
        blocks = self._check_blocks("chat.postEphemeral", args)
        with self._lock:
            self.ephemerals.append(Ephemeral(ch["id"], user, args.get("text", ""), blocks, args.get("thread_ts"),
                                             ts=self.next_ts()))
        return {"ok": True, "message_ts": self.next_ts()}

    def m_reactions_add(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        self._require_bot_in(ch)
        msg = self.message(ch["id"], args.get("timestamp", ""))
        if msg is None:
            raise SlackError("message_not_found")
        name = args.get("name", "")
        with self._lock:
            who = msg.reactions.setdefault(name, set())
            if BOT_USER_ID in who:
                raise SlackError("already_reacted")
            who.add(BOT_USER_ID)
        return {"ok": True}

    def m_conversations_join(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        if ch["is_private"]:
            raise SlackError("method_not_supported_for_channel_type")
        with self._lock:
            ch["members"].add(BOT_USER_ID)
        return {"ok": True, "channel": {"id": ch["id"], "name": ch["name"]}}

    def m_conversations_info(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        if ch["is_private"] and BOT_USER_ID not in ch["members"]:
            raise SlackError("channel_not_found")
        if ch.get("is_im"):  # Slack's DM object: no name, no is_private
            return {"ok": True, "channel": {"id": ch["id"], "created": 1700000000, "is_im": True, "is_archived": False,
                                            "is_org_shared": False, "user": ch["user"], "is_user_deleted": False,
                                            "priority": 0}}
        mpim = ch.get("is_mpim", False)
        shared = bool(ch.get("shared_with"))
        return {"ok": True, "channel": {"id": ch["id"], "name": ch["name"], "created": 1700000000,
                                        "is_channel": not mpim, "is_group": mpim, "is_im": False, "is_mpim": mpim,
                                        "is_private": ch["is_private"], "is_archived": False,
                                        "is_member": BOT_USER_ID in ch["members"], "is_shared": shared,
                                        "is_ext_shared": shared, "is_org_shared": False,
                                        "context_team_id": self.team_id, "conversation_host_id": self.team_id,
                                        "shared_team_ids": [self.team_id, *ch.get("shared_with", [])]}}

    def m_conversations_members(self, args: dict) -> dict:
        ch = self._channel(args.get("channel"))
        if ch["is_private"] and BOT_USER_ID not in ch["members"]:
            raise SlackError("channel_not_found")
        members = sorted(ch["members"])
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        page = members[start:start + limit]
        nxt = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": nxt}}

    def m_users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": user}

    def m_views_open(self, args: dict) -> dict:
        if not args.get("trigger_id"):
            raise SlackError("invalid_trigger_id")
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        problems = view_problems(view)
        if problems:
            with self._lock:
                self.invalid.append(("views.open", problems))
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        view = {**view, "id": f"V{next(self._ids):06d}", "team_id": self.team_id, "hash": self._hash(),
                "_user": self.trigger_users.get(args["trigger_id"]), "_closed": False, "_errors": {}}
        with self._lock:
            self.views.append(view)
        return {"ok": True, "view": self._public(view)}

    def _hash(self) -> str:
        return f"{int(time.time())}.{next(self._ids):08d}"

    @staticmethod
    def _public(view: dict) -> dict:
        return {k: v for k, v in view.items() if not k.startswith("_")}

    def m_views_update(self, args: dict) -> dict:
        """Slack's views.update (docs.slack.dev/reference/methods/views.update): a modal replaced, found by view_id
        (or external_id); a `hash` that isn't the view's current one is a hash_conflict (the view changed since);
        a closed or unknown view is not_found."""
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not view or not (args.get("view_id") or args.get("external_id")):
            raise SlackError("invalid_arguments")
        problems = view_problems(view)
        if problems:
            with self._lock:
                self.invalid.append(("views.update", problems))
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        with self._lock:
            old = next((v for v in self.views if (args.get("view_id") and v["id"] == args["view_id"]) or (
                args.get("external_id") and v.get("external_id") == args["external_id"])), None)
            if old is None or old["_closed"]:
                raise SlackError("not_found")
            if args.get("hash") and args["hash"] != old.get("hash"):
                raise SlackError("hash_conflict")
            for key in [k for k in old if not k.startswith("_") and k not in ("id", "team_id")]:
                del old[key]
            old.update({k: v for k, v in view.items() if k not in ("id", "team_id")}, hash=self._hash(), _errors={})
            old.pop("_values", None)
            return {"ok": True, "view": self._public(old)}

    def m_views_publish(self, args: dict) -> dict:
        """A user's Home tab: a `home` view, checked like a modal (100 blocks at most)."""
        user = args.get("user_id")
        if not user:
            raise SlackError("invalid_arguments")
        if user not in self.users:
            raise SlackError("user_not_found")
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        problems = ["view: type must be home"] if not isinstance(view, dict) or view.get("type") != "home" else []
        problems = problems or view_problems(view)
        if problems:
            with self._lock:
                self.invalid.append(("views.publish", problems))
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        with self._lock:
            old = self.homes.get(user)
            view = {**view, "id": old["id"] if old else f"V{next(self._ids):06d}", "team_id": self.team_id}
            self.homes[user] = view
        return {"ok": True, "view": view}

    # --- Canvases (docs.slack.dev/reference/methods/conversations.canvases.create, canvases.create,
    # canvases.edit, canvases.access.set). Errors such as team_tier_cannot_create_channel_canvases come from
    # `fail`; a channel that has its canvas answers channel_canvas_already_exists by itself.

    @staticmethod
    def _document(args: dict, required: bool) -> str:
        doc = args.get("document_content")
        doc = json.loads(doc) if isinstance(doc, str) else doc
        if doc is None and not required:
            return ""
        if not isinstance(doc, dict) or doc.get("type") != "markdown" or not isinstance(doc.get("markdown"), str):
            raise SlackError("invalid_arguments")
        return doc["markdown"]

    def _new_canvas(self, title: str, markdown: str, channel: str | None) -> str:
        canvas_id = f"F{next(self._ids):06d}"
        self.canvases[canvas_id] = {"id": canvas_id, "title": title, "markdown": markdown, "channel": channel,
                                    "shared": [channel] if channel else [], "edits": 0}
        return canvas_id

    def m_conversations_canvases_create(self, args: dict) -> dict:
        markdown = self._document(args, required=False)
        with self._lock:
            ch = self._channel(args.get("channel_id"))
            self._require_bot_in(ch)
            if ch.get("canvas"):
                raise SlackError("channel_canvas_already_exists")
            ch["canvas"] = self._new_canvas(ch["name"], markdown, ch["id"])
            return {"ok": True, "canvas_id": ch["canvas"]}

    def m_canvases_create(self, args: dict) -> dict:
        markdown = self._document(args, required=False)
        with self._lock:
            return {"ok": True, "canvas_id": self._new_canvas(args.get("title") or "Untitled", markdown, None)}

    def m_canvases_access_set(self, args: dict) -> dict:
        channels = args.get("channel_ids")
        channels = json.loads(channels) if isinstance(channels, str) and channels.startswith("[") else (
            channels.split(",") if isinstance(channels, str) else channels or [])
        with self._lock:
            canvas = self.canvases.get(args.get("canvas_id", ""))
            if canvas is None:
                raise SlackError("canvas_not_found")
            if args.get("access_level") not in ("read", "write", "owner"):
                raise SlackError("invalid_arguments")
            for c in channels:
                self._channel(c)
                if c not in canvas["shared"]:
                    canvas["shared"].append(c)
        return {"ok": True}

    def m_canvases_edit(self, args: dict) -> dict:
        changes = args.get("changes")
        changes = json.loads(changes) if isinstance(changes, str) else changes
        if not isinstance(changes, list) or not changes:
            raise SlackError("invalid_arguments")
        with self._lock:
            canvas = self.canvases.get(args.get("canvas_id", ""))
            if canvas is None:
                raise SlackError("canvas_not_found")
            for change in changes:
                markdown = self._document(change, required=True)
                op = change.get("operation")
                if op == "replace" and not change.get("section_id"):
                    canvas["markdown"] = markdown
                elif op == "insert_at_end":
                    canvas["markdown"] += markdown
                elif op == "insert_at_start":
                    canvas["markdown"] = markdown + canvas["markdown"]
                else:  # sections (canvases.sections.lookup) are not kept by this fake
                    raise SlackError("invalid_arguments")
            canvas["edits"] += 1
        return {"ok": True}

    def m_files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename") or not args.get("length"):
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):06d}"
        with self._lock:
            self.files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"]),
                                   "content": None, "shared": False}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, raw: bytes) -> tuple[int, dict, bytes]:
        with self._lock:
            f = self.files.get(file_id)
            if f is None:
                return 404, {}, b"no such upload"
            f["content"] = raw
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(raw)}".encode()

    def m_files_completeUploadExternal(self, args: dict) -> dict:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        channel = args.get("channel_id")
        done = []
        with self._lock:
            if channel:
                ch = self._channel(channel)
                self._require_bot_in(ch)
            for spec in files or []:
                f = self.files.get(spec.get("id"))
                if f is None or f["content"] is None:
                    raise SlackError("file_not_found")
                f.update(title=spec.get("title") or f["name"], shared=bool(channel), channel=channel,
                         initial_comment=args.get("initial_comment"), thread_ts=args.get("thread_ts"))
                done.append({"id": f["id"], "name": f["name"], "title": f["title"]})
            if channel:
                msg = Message(channel=channel, ts=self.next_ts(), text=args.get("initial_comment") or "",
                              bot_id=BOT_ID, user=BOT_USER_ID, thread_ts=args.get("thread_ts"), files=done)
                self.messages[channel].append(msg)
                scope = "private" if self.channels[channel]["is_private"] else "public"
                for spec in done:
                    self.files[spec["id"]]["shares"] = {scope: {channel: [{"ts": msg.ts}]}}
        return {"ok": True, "files": done}

    def m_files_info(self, args: dict) -> dict:
        f = self.files.get(args.get("file", ""))
        if f is None:
            raise SlackError("file_not_found")
        return {"ok": True, "file": {k: v for k, v in f.items() if k != "content"}}

    def _respond(self, channel: str, user: str, payload: dict, replace: str | None = None) -> tuple[int, dict, bytes]:
        """A response_url: ephemeral (default) or in-channel answers to a command or an action. `replace`: the
        ephemeral an action came from, which `replace_original` replaces."""
        problems = block_problems(payload.get("blocks"))
        with self._lock:
            self.calls.append(Call("response_url", {"channel": channel, "user": user, **payload}, time.time()))
            if problems:
                self.invalid.append(("response_url", problems))
                return 400, {"Content-Type": "text/plain"}, b"invalid_blocks"
            if payload.get("response_type") == "in_channel":
                self.messages.setdefault(channel, []).append(
                    Message(channel=channel, ts=self.next_ts(), text=payload.get("text", ""), bot_id=BOT_ID,
                            user=BOT_USER_ID, blocks=payload.get("blocks") or [])
                )
            else:
                old = next((e for e in self.ephemerals if replace and e.ts == replace), None)
                if old is not None and payload.get("replace_original"):
                    old.text, old.blocks = payload.get("text", ""), payload.get("blocks") or []
                else:
                    thread = old.thread_ts if old is not None else None
                    self.ephemerals.append(Ephemeral(channel, user, payload.get("text", ""),
                                                     payload.get("blocks") or [], thread, via="response_url",
                                                     ts=self.next_ts()))
        return 200, {"Content-Type": "text/plain"}, b"ok"


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("ratelimited")
        self.retry_after = retry_after


class SlackError(Exception):
    def __init__(self, code: str, **extra: Any):
        super().__init__(code)
        self.code = code
        self.extra = extra
