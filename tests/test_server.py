"""The HTTP front door (bot/server.py): size cap, Slack's signature over the raw body before anything is parsed,
4xx (never a 500) for forged or broken requests, and no request body, people's text or response_url in any log
line at INFO or above."""

from __future__ import annotations

import io
import json
import logging
import socket
import time
import urllib.parse
import urllib.request

import pytest
from slack_bolt.request import BoltRequest

from bot.server import MAX_BODY, make_wsgi
from fakeslack.sender import command_fields, sign
from tests.conftest import CHANNEL, FACILITATOR, SECRET

pytestmark = pytest.mark.slow

SECRET_TEXT = "zebra-ocelot-4711"  # a person's words: must never show in a log line


def form(**fields) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def command_body(bot, text: str = f"new {SECRET_TEXT}", response_url: str | None = None) -> bytes:
    return form(**command_fields(team_id=bot.ws.team_id, channel=CHANNEL, user=FACILITATOR, text=text,
                                 response_url=response_url or bot.fake.response_url(CHANNEL, FACILITATOR)))


def post(bot, body: bytes, *, content_type: str = "application/x-www-form-urlencoded", timestamp=None,
         signature=None, headers: dict | None = None):
    return bot.ws.sender.send(body, content_type, timestamp=timestamp, signature=signature, headers=headers)


class Unreadable(io.RawIOBase):
    """A wsgi.input that counts what is read, and fails past `limit`."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit, self.read_bytes = size, limit, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.read_bytes if n is None or n < 0 else min(n, self.size - self.read_bytes)
        assert self.read_bytes + n <= self.limit, "read past the cap"
        self.read_bytes += n
        return b"{" * n


def call(wsgi, **environ) -> tuple[str, bytes]:
    seen = {}
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "SERVER_PROTOCOL": "HTTP/1.1", **environ}
    body = b"".join(wsgi(env, lambda status, headers: seen.update(status=status)))
    return seen["status"], body


def test_a_body_over_the_cap_is_refused_before_it_is_read(bot):
    wsgi = make_wsgi(bot.app)
    ten_mb = 10 * 1024 * 1024
    stream = Unreadable(ten_mb, limit=0)
    assert call(wsgi, CONTENT_LENGTH=str(ten_mb), **{"wsgi.input": stream})[0].startswith("413")
    assert stream.read_bytes == 0
    # No Content-Length (a server that passes chunked bodies through): read one byte past the cap, no more.
    stream = Unreadable(ten_mb, limit=MAX_BODY + 1)
    assert call(wsgi, **{"wsgi.input": stream, "wsgi.input_terminated": True})[0].startswith("413")
    assert stream.read_bytes == MAX_BODY + 1
    # …and where the server can't say where such a body ends, nothing is read at all.
    stream = Unreadable(ten_mb, limit=0)
    assert call(wsgi, **{"wsgi.input": stream})[0].startswith("411")
    assert call(wsgi, CONTENT_LENGTH="12abc", **{"wsgi.input": Unreadable(5, 0)})[0].startswith("400")
    # Over real HTTP waitress refuses it itself, from the Content-Length alone: no byte of the body is sent.
    host, port = bot.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 413 ")
    # A body at the cap is read and judged by its signature.
    assert post(bot, b"x" * MAX_BODY, signature="v0=forged").status == 401


@pytest.mark.parametrize(("timestamp", "signature"), [
    (None, "v0=" + "0" * 64),  # a wrong signature
    ("", None), ("abc", None), ("1e9", None), ("-5", None), (" 12", None), ("12.5", None), ("+1", None), ("9" * 40, None),
])
def test_forged_requests_get_401(bot, timestamp, signature):
    headers = {}
    if timestamp is not None:  # a bad timestamp, signed with it as Slack would
        headers = {"X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": sign(SECRET, timestamp, command_body(bot))}
    sent = post(bot, command_body(bot), signature=signature, headers=headers)
    assert (sent.status, sent.body) == (401, b"Unauthorized")
    assert bot.fake.calls_to("chat.postMessage") == []


def test_missing_signature_headers_get_401(bot):
    req = urllib.request.Request(bot.url + "/slack/events", data=command_body(bot), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 401


def test_a_genuine_request_outside_the_five_minute_window_gets_401(bot):
    for skew in (-361, 361):
        assert post(bot, command_body(bot), timestamp=int(time.time()) + skew).status == 401
    assert post(bot, command_body(bot, "help")).status == 200  # and one inside it works


SIGNED_GARBAGE = [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'{"team": 5}', "application/json", 400),
    (b'{"event": 5, "type": "event_callback"}', "application/json", 400),
    (b"{}", "application/json", 404),
    (b'{"type": "nonsense"}', "application/json", 404),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", 400),
    (b"payload=5", "application/x-www-form-urlencoded", 400),
    (b"payload=" + urllib.parse.quote(json.dumps({"type": "view_submission", "view": 3})).encode(),
     "application/x-www-form-urlencoded", 400),
    (b"text=%FF%FE&command=%2Fjourney", "application/x-www-form-urlencoded", 400),  # not UTF-8 once decoded
    (b"a=1&&=&b", "application/x-www-form-urlencoded", 400),
    (b"\xff\xfe not utf-8", "application/x-www-form-urlencoded", 401),  # Slack signs UTF-8 only
    (b"command=%2Fjourney&text=help", "text/plain", 415),
    (b"command=%2Fjourney&text=help", "multipart/form-data; boundary=x", 415),
]


@pytest.mark.parametrize(("body", "content_type", "status"), SIGNED_GARBAGE)
def test_a_valid_signature_over_garbage_gets_a_4xx(bot, body, content_type, status, caplog):
    sent = post(bot, body, content_type=content_type)
    assert sent.status == status
    assert b"Traceback" not in sent.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_health_and_other_paths(bot):
    assert urllib.request.urlopen(bot.url + "/healthz", timeout=5).read() == b"ok"
    for path, method, code in (("/slack/events", "GET", 405), ("/elsewhere", "POST", 404)):
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(urllib.request.Request(bot.url + path, data=b"" if method == "POST" else None,
                                                          method=method), timeout=5)
        assert answer.value.code == code


@pytest.fixture
def every_record():
    """Every log record of level INFO or above, from any logger, as a handler on the root logger sees it."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            self.format(record)  # fills exc_text: a traceback is checked too
            records.append(record)

    handler, root = Keep(level=logging.INFO), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield records
    root.removeHandler(handler)
    root.setLevel(level)


def test_no_log_line_carries_a_body_peoples_text_or_a_response_url(bot, every_record):
    dead_url = f"http://127.0.0.1:9/respond/{SECRET_TEXT}-url"  # nothing listens on the discard port
    skewed = int(time.time()) - 360
    # A genuine request with six minutes of clock skew, a forged one, and one Bolt itself refuses.
    assert post(bot, command_body(bot), timestamp=skewed).status == 401
    assert post(bot, command_body(bot), signature="v0=forged").status == 401
    body = command_body(bot).decode()
    refused = bot.app.dispatch(BoltRequest(body=body, headers={
        "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": str(skewed),
        "x-slack-signature": sign(SECRET, str(skewed), body.encode())}))
    assert refused.status == 401
    # Requests Bolt has no listener for, with people's text where Bolt's warning quotes the body.
    suggestion = {"type": "block_suggestion", "action_id": "x", "block_id": "y", "value": SECRET_TEXT,
                  "team": {"id": bot.ws.team_id}, "user": {"id": FACILITATOR, "team_id": bot.ws.team_id}}
    assert post(bot, form(payload=json.dumps(suggestion))).status == 404
    # An event nothing handles is acknowledged (a 404 would make Slack retry it) and not stored.
    assert post(bot, json.dumps({"type": "event_callback", "team_id": bot.ws.team_id, "event": {
        "type": "app_mention", "text": SECRET_TEXT, "user": FACILITATOR}}).encode(),
        content_type="application/json").status == 200
    # Errors: the answer's response_url is dead (slack_sdk logs the URL it retries), Slack fails a call.
    assert post(bot, command_body(bot, f"help {SECRET_TEXT}", response_url=dead_url)).status == 200
    bot.fake.fail("chat.postMessage", "fatal_error", status=500, times=10)
    assert post(bot, command_body(bot)).status == 200

    said = [f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in every_record]
    leaks = [line for line in said if SECRET_TEXT in line]  # also in the response_url
    assert leaks == [], "\n\n".join(leaks)
    # The run did what it says: each of those was logged, without what it carried.
    for expected in ("Refused a request whose timestamp is 36", "Refused a request with an invalid signature",
                     "Invalid request signature detected [body not logged]",
                     "Unhandled request (type block_suggestion) [body not logged]",
                     "for POST http://127.0.0.1:9/…", "chat.postMessage"):
        assert any(expected in line for line in said), (expected, said)
