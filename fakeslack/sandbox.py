"""The local sandbox: a Slack-like page in the browser, for trying the bot with no Slack workspace.

It is the fake Slack of the tests, grown a page: the Web API the bot's unchanged slack_sdk client calls (via
SLACK_API_URL), and a sender that delivers what people do on the page (slash commands, messages, button
clicks, form submissions) to the bot's POST /slack/events, signed, with Slack's payload shapes. A reply that
takes the bot more than Slack's 3 seconds is reported on the page. The page is server-rendered HTML fragments,
polled by a little JavaScript; there is no build step.
"""

from __future__ import annotations

import html
import json
import re
import time
from importlib import resources

from fakeslack import render
from fakeslack.api import BOT_ID, BOT_USER_ID, FakeSlack, Message
from fakeslack.sender import Sent, Workspace

PEOPLE = [  # (user id, name, department): one person can play a whole cross-department team
    ("USFRAN", "Fran (facilitator)", "Product"),
    ("USANA", "Ana", "Marketing"),
    ("USBEN", "Ben", "Sales"),
    ("USCAT", "Cat", "Support"),
    ("USDEV", "Dev", "Product"),
]
# Slack Connect: a partner organisation's workspace, its people, and a channel shared with it.
PARTNER_TEAM, PARTNER_NAME = "TSPARTNER", "Partner Co"
PARTNER_PEOPLE = [("USPIA", "Pia (Partner Co)", "Logistics"), ("USPAT", "Pat (Partner Co)", "Finance")]
SHARED = ("CSSHARED", "ext-partner-journey")
CHANNELS = [("CSWORK", "journey-workshop"), ("CSTEAM", "customer-team"), ("CSRAND", "random"), SHARED]
ACK_DEADLINE = 3.0
# The app's message shortcuts, as manifest.yml declares them (callback_id, name): on every message's menu.
MESSAGE_SHORTCUTS = [("add_to_journey_map", "Add to journey map")]
EMOJI = {"white_check_mark": "✅", "eyes": "👀", "+1": "👍", "tada": "🎉"}


class Sandbox:
    def __init__(self, fake: FakeSlack, workspace: Workspace, *, timer=time.monotonic,
                 shortcuts: list[tuple[str, str]] = MESSAGE_SHORTCUTS):
        self.fake = fake
        self.ws = workspace
        self.shortcuts = list(shortcuts)
        self.timer = timer  # how long the bot takes to acknowledge (tests move it by hand)
        self.notices: list[tuple[str, str]] = []  # (user or "*", text): what the page tells people
        self.edited: set[tuple[str, str]] = set()  # (channel, ts) of messages people edited
        fake.ui = self

    def seed(self) -> None:
        for uid, name, _ in PEOPLE:
            self.fake.add_user(uid, name, tz="Europe/London")
        self.fake.add_partner(PARTNER_TEAM, PARTNER_NAME, enterprise_id="ESPARTNER")
        for uid, name, _ in PARTNER_PEOPLE:
            self.fake.add_user(uid, name, tz="Europe/Berlin", team_id=PARTNER_TEAM)
        for cid, name in CHANNELS:
            if (cid, name) == SHARED:  # everyone, from both organisations
                self.fake.add_channel(cid, name, members=[u for u, _, _ in PEOPLE + PARTNER_PEOPLE],
                                      shared_with=[PARTNER_TEAM])
                continue
            self.fake.add_channel(cid, name, members=[u for u, _, _ in PEOPLE], bot_member=cid == "CSWORK")

    def introduce_people(self, settle=lambda: None) -> None:
        """Each seeded person tells the bot their department, through the real protocol. `settle` waits until
        the bot has answered, so the "Got it" notes can be cleared from the fresh page."""
        for uid, _, dept in PEOPLE:
            self._deliver(uid, lambda uid=uid, dept=dept: self.ws.command(uid, "CSWORK", f"dept {dept}"))
        settle()
        with self.fake._lock:
            self.fake.ephemerals.clear()

    # --- Routes ---------------------------------------------------------------------------------------

    def handle(self, path: str, query: dict, raw: bytes, headers) -> tuple[int, dict, bytes]:
        if path == "/" or path.startswith("/archives/"):  # a permalink opens the page at its conversation
            page = resources.files("fakeslack").joinpath("page.html").read_text(encoding="utf-8")
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        if path == "/ui/people":
            people = [{"id": u, "name": n, "department": d} for u, n, d in PEOPLE] + [
                {"id": u, "name": n, "department": d, "partner": PARTNER_NAME} for u, n, d in PARTNER_PEOPLE]
            return self._json({"people": people, "channels": [{"id": c, "name": n} for c, n in CHANNELS],
                               "shortcuts": [{"callback_id": c, "name": n} for c, n in self.shortcuts]})
        if path == "/ui/view":
            return self._json(self.view(query.get("user", PEOPLE[0][0]), query.get("conv", "CSWORK"),
                                        query.get("thread") or None))
        if path.startswith("/ui/file/"):
            f = self.fake.files.get(path.rsplit("/", 1)[-1])
            if f is None or f["content"] is None:
                return 404, {}, b"no such file"
            kind = {"png": "image/png", "svg": "image/svg+xml", "json": "application/json", "csv": "text/csv",
                    "md": "text/markdown"}.get(f["name"].rsplit(".", 1)[-1], "application/octet-stream")
            extra = {} if kind == "image/png" else {"Content-Disposition": f'attachment; filename="{f["name"]}"'}
            return 200, {"Content-Type": kind, "X-Content-Type-Options": "nosniff", **extra}, f["content"]
        body = json.loads(raw or b"{}")
        if path == "/ui/send":
            return self._json(self.send(body["user"], body["conv"], body.get("text", ""), body.get("thread")))
        if path == "/ui/click":
            return self._json(self.click(body))
        if path == "/ui/shortcut":
            return self._json(self.shortcut(body["user"], body["conv"], body["ts"], body["callback_id"]))
        if path == "/ui/submit":
            return self._json(self.submit(body["user"], body["view"], body.get("values", {})))
        if path == "/ui/dismiss":
            self.dismiss(body["user"], body["ts"])
            return self._json({"ok": True})
        if path == "/ui/edit":
            return self._json(self.edit(body["user"], body["conv"], body["ts"], body.get("text", "")))
        if path == "/ui/delete":
            return self._json(self.delete(body["user"], body["conv"], body["ts"]))
        if path == "/ui/close":
            view = self._view(body["view"])
            if view is not None:
                view["_closed"] = True
            return self._json({"ok": True})
        return 404, {}, b"not found"

    @staticmethod
    def _json(obj: dict) -> tuple[int, dict, bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(obj).encode()

    # --- What people do -------------------------------------------------------------------------------

    def _deliver(self, user: str, send) -> Sent | None:
        started = self.timer()
        try:
            sent = send()
        except OSError as e:
            self.notices.append((user, f"The bot can't be reached ({e}). Is it running?"))
            return None
        took = self.timer() - started
        if took > ACK_DEADLINE:
            self.notices.append(("*", f"⚠️ The bot took {took:.1f} s to acknowledge; Slack gives up after 3 s "
                                      "and shows the person an error."))
        if sent.status != 200:
            self.notices.append((user, f"The bot answered HTTP {sent.status}."))
        return sent

    def send(self, user: str, conv: str, text: str, thread: str | None) -> dict:
        text = text.strip()
        if not text:
            return {"ok": False}
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command != "/journey":
                self.notices.append((user, f"{command} is not a command here; try /journey help."))
                return {"ok": False}
            escaped = mentions(_slack_escape(rest), labelled=True)  # as a command with should_escape: <@U…|name>
            self._deliver(user, lambda: self.ws.command(user, conv, escaped))
            return {"ok": True}
        msg = self.fake.post_user_message(conv, user, mentions(_slack_escape(text)), thread_ts=thread)
        event = {**msg.as_event(), "channel_type": "im" if conv.startswith("D") else "channel", "event_ts": msg.ts}
        self._deliver(user, lambda: self.ws.event(event))
        return {"ok": True}

    def click(self, body: dict) -> dict:
        user, conv = body["user"], body["conv"]
        message = self.fake.message(conv, body["ts"]) if body.get("ts") and not body.get("ephemeral") else None
        self._deliver(user, lambda: self.ws.click(
            user, conv, action_id=body["action_id"], value=body.get("value", ""), block_id=body.get("block_id", "b"),
            message=message, ephemeral_ts=body.get("ts") if body.get("ephemeral") else None,
            selected=body.get("selected")))
        return {"ok": True}

    def shortcut(self, user: str, conv: str, ts: str, callback_id: str) -> dict:
        """A message's "More actions" menu: the app's message shortcut, as Slack's message_action payload."""
        message = self.fake.message(conv, ts)
        if message is None or callback_id not in {c for c, _ in self.shortcuts}:
            return {"ok": False}
        self._deliver(user, lambda: self.ws.shortcut(user, conv, message, callback_id=callback_id))
        return {"ok": True}

    def dismiss(self, user: str, ts: str) -> None:
        """A person closes one of their ephemeral messages (as Slack's "Dismiss" does)."""
        with self.fake._lock:
            self.fake.ephemerals = [e for e in self.fake.ephemerals if not (e.user == user and e.ts == ts)]

    def _own(self, user: str, conv: str, ts: str) -> Message | None:
        msg = self.fake.message(conv, ts)
        return msg if msg is not None and msg.user == user and msg.bot_id is None else None

    def edit(self, user: str, conv: str, ts: str, text: str) -> dict:
        """A person edits their message: Slack's message_changed event, with the edit's own ts."""
        msg, text = self._own(user, conv, ts), text.strip()
        if msg is None or not text:
            return {"ok": False}
        self.edited.add((conv, ts))
        self._deliver(user, lambda: self.ws.edit(user, conv, msg, mentions(_slack_escape(text))))
        return {"ok": True}

    def delete(self, user: str, conv: str, ts: str) -> dict:
        """A person deletes their message: Slack's message_deleted event."""
        msg = self._own(user, conv, ts)
        if msg is None:
            return {"ok": False}
        self._deliver(user, lambda: self.ws.delete(conv, msg))
        return {"ok": True}

    def _view(self, view_id: str) -> dict | None:
        return next((v for v in self.fake.views if v["id"] == view_id), None)

    def submit(self, user: str, view_id: str, values: dict) -> dict:
        view = self._view(view_id)
        if view is None or view["_closed"]:
            return {"ok": False}
        state: dict[str, dict] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            el = block["element"]
            value = values.get(f"{block['block_id']}.{el['action_id']}", "")
            kind = el["type"]
            if kind == "static_select":
                entry = {"type": kind, "selected_option": {"value": value} if value else None}
            elif kind == "users_select":
                entry = {"type": kind, "selected_user": value or None}
            elif kind == "datepicker":
                entry = {"type": kind, "selected_date": value or None}
            elif kind == "radio_buttons":
                entry = {"type": kind, "selected_option": {"value": value} if value else None}
            else:
                entry = {"type": kind, "value": value or None}
            state.setdefault(block["block_id"], {})[el["action_id"]] = entry
        sent = self._deliver(user, lambda: self.ws.submit_view(user, view, state))
        answer = sent.json() if sent is not None and sent.body else None
        if answer and answer.get("response_action") == "errors":
            view["_errors"] = answer.get("errors", {})
            view["_values"] = values  # as in Slack, what was typed stays in the form
            return {"ok": False, "errors": view["_errors"]}
        view["_closed"] = True
        return {"ok": True}

    # --- What a person sees ---------------------------------------------------------------------------

    def _names(self) -> dict[str, str]:
        names = {u: n for u, n, _ in PEOPLE + PARTNER_PEOPLE}
        names[BOT_USER_ID] = "Journey Workshop"
        return {**{u: d["name"] for u, d in self.fake.users.items()}, **names}

    def view(self, user: str, conv: str, thread: str | None) -> dict:
        names = self._names()
        channel_names = {c: n for c, n in CHANNELS}
        kw = {"name_of": lambda u: names.get(u, u), "channel_of": lambda c: channel_names.get(c, c)}
        people = {u: n for u, n, _ in PEOPLE + PARTNER_PEOPLE}
        all_msgs = self.fake.channel_messages(conv)
        replies: dict[str, list[Message]] = {}
        for m in all_msgs:
            if m.thread_ts and m.thread_ts != m.ts:
                replies.setdefault(m.thread_ts, []).append(m)
        top = [m for m in all_msgs if not m.thread_ts or m.thread_ts == m.ts]
        mine = [e for e in self.fake.ephemerals_for(user) if e.channel == conv]

        def msg_html(m: Message, in_thread: bool = False) -> str:
            who = names.get(m.user or "", m.user or "someone")
            badge = '<span class="app">APP</span>' if m.bot_id == BOT_ID else ""
            body = (render.blocks(m.blocks, users=people, file_url=lambda f: f"/ui/file/{f}", **kw) if m.blocks
                    else f'<div class="b-text">{render.mrkdwn(m.text, **kw)}</div>')
            files = "".join(
                (f'<img class="upload" src="/ui/file/{html.escape(f["id"])}" alt="{html.escape(f["title"])}">'
                 if f["name"].endswith(".png") else
                 f'<a class="file" href="/ui/file/{html.escape(f["id"])}">📎 {html.escape(f["name"])}</a>')
                for f in m.files)
            edited = ' <span class="edited">(edited)</span>' if (m.channel, m.ts) in self.edited else ""
            mine_ = (f'<a class="edit" data-edit="{html.escape(m.ts)}">Edit</a>'
                     f'<a class="delete" data-delete="{html.escape(m.ts)}">Delete</a>'
                     if m.user == user and m.bot_id is None else "")
            reactions = "".join(f'<span class="reaction">{EMOJI.get(n, ":" + html.escape(n) + ":")} {len(who_)}</span>'
                                for n, who_ in m.reactions.items())
            n = len(replies.get(m.ts, []))
            thread_link = ("" if in_thread else
                           f'<a class="replies" data-thread="{html.escape(m.ts)}">{n} repl{"y" if n == 1 else "ies"}</a>'
                           if n else f'<a class="replies reply-first" data-thread="{html.escape(m.ts)}">Reply in thread</a>')
            raw = html.escape(_as_typed(m.text, names), quote=True) if mine_ else ""
            more = '<a class="more" title="More actions">⋯ More actions</a>' if self.shortcuts else ""
            return (f'<div class="msg" data-ts="{html.escape(m.ts)}" data-raw="{raw}"><div class="who">{html.escape(who)} {badge}</div>'
                    f"{body}{edited}{files}<div class='under'>{reactions}{thread_link}{mine_}{more}</div></div>")

        def ephemeral_html(e) -> str:
            body = render.blocks(e.blocks, users=people, **kw) if e.blocks else render.mrkdwn(e.text, **kw)
            return (f'<div class="msg ephemeral" data-ts="{html.escape(e.ts)}" data-ephemeral="1">'
                    f'<div class="who">Journey Workshop <span class="app">APP</span> '
                    f'<span class="only">Only visible to you</span>'
                    f'<a class="dismiss" data-dismiss="{html.escape(e.ts)}" title="Dismiss">Dismiss</a></div>{body}</div>')

        def in_time_order(msgs: list[Message], ephemerals: list, in_thread: bool = False) -> str:
            """Messages and this person's ephemerals where they were triggered, in time order, as in Slack."""
            parts = [(float(m.ts), msg_html(m, in_thread)) for m in msgs] + [(float(e.ts), ephemeral_html(e)) for e in ephemerals]
            return "".join(part for _, part in sorted(parts, key=lambda p: p[0]))

        messages = in_time_order(top, [e for e in mine if not e.thread_ts])
        thread_html = ""
        if thread:
            parent = next((m for m in all_msgs if m.ts == thread), None)
            if parent is not None:
                thread_html = (msg_html(parent, True) + '<div class="thread-replies">'
                               + in_time_order(replies.get(thread, []), [e for e in mine if e.thread_ts == thread], True)
                               + "</div>")
        modal = ""
        view = next((v for v in reversed(self.fake.views) if v.get("_user") == user and not v["_closed"]), None)
        if view is not None:
            errors, typed = view.get("_errors", {}), view.get("_values", {})
            body = "".join(render.input_block(_with_typed(b, typed), users=people, error=errors.get(b.get("block_id")))
                           if b.get("type") == "input" else render.blocks([b], users=people, **kw)
                           for b in view.get("blocks", []))
            submit = (f'<button type="submit" class="btn primary">{render._text(view.get("submit"))}</button>'
                      if view.get("submit") else "")  # as in Slack: a modal without `submit` can only be closed
            modal = (f'<form class="modal" data-view="{html.escape(view["id"])}"><h2>{render._text(view.get("title"))}</h2>'
                     f'{body}<div class="modal-buttons"><button type="button" class="close">'
                     f'{render._text(view.get("close")) or "Cancel"}</button>{submit}</div></form>')
        notices = "".join(f'<div class="notice">{html.escape(t)}</div>' for who, t in self.notices[-3:]
                          if who in ("*", user))
        dms = [(f"D{user}", "Journey Workshop (DM)")]
        return {"messages": messages, "thread": thread_html, "modal": modal, "notices": notices,
                "dms": [{"id": c, "name": n, "count": len(self.fake.channel_messages(c))} for c, n in dms]}


def _as_typed(text: str, names: dict[str, str]) -> str:
    """A message's text as its author would edit it: mentions back to `@name`, Slack's entities undone."""
    text = re.sub(r"<@(\w+)(?:\|[^>]*)?>", lambda m: "@" + names.get(m.group(1), m.group(1)).split()[0].lower(), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _with_typed(block: dict, typed: dict) -> dict:
    """An input block showing what the person typed before the form came back with errors."""
    el = block.get("element") or {}
    name = f'{block.get("block_id", "")}.{el.get("action_id", "")}'
    if block.get("type") != "input" or name not in typed:
        return block
    value, kind, el = typed[name], el.get("type"), dict(el)
    if kind == "datepicker":
        el["initial_date"] = value
    elif kind in ("static_select", "radio_buttons"):
        el["initial_option"] = {"value": value}
    elif kind == "users_select":
        el["initial_user"] = value
    else:
        el["initial_value"] = value
    return {**block, "element": el}


_MENTION = re.compile(r"(?<![\w@<|])@([A-Za-z][\w.-]*)")


def mentions(text: str, *, labelled: bool = False) -> str:
    """`@ana` → Slack's mention of the seeded person of that name (first name, any case), as Slack turns what the
    autocomplete picked into `<@U…>` (`<@U…|ana>` in a slash command's text); other words stay as typed."""
    by_name = {name.split()[0].lower(): uid for uid, name, _ in PEOPLE}

    def one(m: re.Match) -> str:
        uid = by_name.get(m.group(1).lower())
        if uid is None:
            return m.group(0)
        return f"<@{uid}|{m.group(1).lower()}>" if labelled else f"<@{uid}>"

    return _MENTION.sub(one, text)


def _slack_escape(text: str) -> str:
    """What Slack does to typed text before anyone sees it: &, < and > become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

