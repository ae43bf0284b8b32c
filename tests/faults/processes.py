"""Real bot processes for the fault suite: `python -m bot serve` against the fake Slack, killed, frozen and
restarted by the tests, and a Slack-like client that keeps many signed requests in flight."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from fakeslack.api import BOT_TOKEN, FakeSlack
from fakeslack.sender import command_fields, event_payload, fire, raw_request

ROOT = Path(__file__).parent.parent.parent
SECRET = "fault-signing-secret"
CHANNEL, FACILITATOR = "CFAULT", "UFACIL"
PEOPLE = [f"UP{n:03d}" for n in range(30)]


def workspace(fake: FakeSlack) -> None:
    for user in [FACILITATOR, *PEOPLE]:
        fake.add_user(user, user.lower())
    fake.add_channel(CHANNEL, "faults", members=[FACILITATOR, *PEOPLE])


class BotProcess:
    """`python -m bot serve` on a free port; its log goes to a file the test can read."""

    def __init__(self, fake: FakeSlack, database_url: str, log: Path, **env: str):
        self.fake, self.database_url, self.log = fake, database_url, log
        self.env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.api_url, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": "0",
                    "CLOCK_IN_PROCESS": "false", "LOG_LEVEL": "INFO", **env}
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 60) -> BotProcess:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.findall(r"listening on (http://[\d.]+:\d+)/slack/events", self.log.read_text())
            if found and self._answers(found[-1]):
                self.url = found[-1]
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"the bot did not start:\n{self.log.read_text()[-3000:]}")

    @staticmethod
    def _answers(url: str) -> bool:
        parsed = urllib.parse.urlsplit(url)
        try:
            with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
                return True
        except OSError:
            return False

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = 30) -> int | None:
        return self.proc.wait(timeout) if self.proc is not None else None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def command(host: str, fake: FakeSlack, user: str, text_: str, trigger: str) -> bytes:
    fields = command_fields(team_id=fake.team_id, channel=CHANNEL, user=user, text=text_,
                            response_url=fake.response_url(CHANNEL, user), trigger_id=trigger)
    return raw_request(host, SECRET, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


def reply(host: str, fake: FakeSlack, n: int, thread_ts: str, *, retry: int = 0) -> bytes:
    """Reply number n, as Slack delivers it (the same n is the same event: a redelivery)."""
    event = {"type": "message", "channel": CHANNEL, "user": PEOPLE[n % len(PEOPLE)], "ts": reply_ts(n),
             "thread_ts": thread_ts, "text": f"objective {n}", "channel_type": "channel"}
    body = event_payload(team_id=fake.team_id, event=event, event_id=f"Ev{n:08d}")
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"} if retry else None
    import json

    return raw_request(host, SECRET, json.dumps(body).encode(), "application/json", headers)


def reply_ts(n: int) -> str:
    return f"1800000000.{n:06d}"


def send(url: str, requests: list[bytes], concurrency: int = 50) -> list[int]:
    """Each request's HTTP status (0: unanswered)."""
    return asyncio.run(fire(url, requests, concurrency))[1]


def send_in_background(url: str, requests: list[bytes], concurrency: int = 50) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(send(url, requests, concurrency)))
    thread.start()
    return thread, result


def start_workshop(bot: BotProcess, fake: FakeSlack) -> str:
    """A workshop in CHANNEL; returns its first prompt's ts, once Slack has it."""
    assert send(bot.url, [command(bot.host, fake, FACILITATOR, "new Fault lines", "T.start")]) == [200]
    return poll(lambda: next((m.ts for m in fake.channel_messages(CHANNEL, bot_only=True) if m.blocks), None),
                "the first prompt")


def poll(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stored_replies(engine: Engine) -> list[str]:
    """Every stored reply's Slack ts (a ts twice would be a doubled answer)."""
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT ts FROM reply"))]


def pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM inbox WHERE failed IS NULL")).scalar_one()


class TcpProxy:
    """A database that can go away: forwards connections to a server until `cut()`, which drops every open
    connection and refuses new ones, until `restore()`."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.up = False
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()
