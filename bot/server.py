"""HTTP mode: POST /slack/events, checked here, then stored for the inbox or handled by Bolt, served by waitress
(a production WSGI server).

Before anything is parsed, this checks what it can: the size (a body over MAX_BODY is refused before it is read),
then Slack's signature over the raw bytes with the five-minute timestamp window. Only a request signed by Slack is
decoded, and one that doesn't parse gets a 400. So a forged or broken request costs at most MAX_BODY of memory, is
answered with a 4xx, and leaves nothing of its body in the logs. A signed request the bot processes later (events,
the slash command, clicks) is then stored and acknowledged here (handlers/intake.py); the rest goes to Bolt.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from urllib.parse import parse_qsl

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.context.respond import Respond
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.blocks.messages import build_busy
from bot.inbox import InboxUnavailable

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

# Slack's own payloads stay far below this. Most are a few kilobytes; the largest the bot can get is a
# message_changed event, a 40,000-character message twice over with its rich-text blocks: a few hundred kilobytes
# even in a script of 3 UTF-8 bytes a character. (A block_actions payload carries the bot's own message, at most 50
# blocks of short texts; a view_submission the bot's small forms.) 1 MiB leaves room for all of that and bounds
# what a forged request can cost: 1 MiB per request thread, never the 1 GB waitress would otherwise accept.
MAX_BODY = 1024 * 1024
# Slack signs every request with a timestamp and refuses to be believed after five minutes (replays).
TIMESTAMP_WINDOW = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/json")


def _answer(start_response: Callable, status: int, text: str) -> list[bytes]:
    response = WsgiHttpResponse(status=status, headers={"content-type": ["text/plain;charset=utf-8"]}, body=text)
    start_response(response.status, response.get_headers())
    return response.get_body()


def _read_body(environ: dict) -> bytes | int:
    """The request body, or the status that refuses it: 413 when it is over MAX_BODY (read no further than
    that), 400 for a Content-Length that isn't a number, 411 where the end of a body without one is unknown."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if length:
        if not length.isdigit():
            return 400
        if int(length) > MAX_BODY:
            return 413
        return stream.read(int(length)) if stream is not None and int(length) else b""
    if not environ.get("wsgi.input_terminated"):  # reading would wait for bytes that may never come
        return 411
    body = stream.read(MAX_BODY + 1)
    return 413 if len(body) > MAX_BODY else body


def _parse(body: str, content_type: str) -> dict | None:
    """Slack's body as what its content type says: a JSON object, or well-formed form fields (with a JSON object in
    `payload` for interactivity); None if it isn't. Bolt parses it again, leniently (bad percent-encoding becomes
    U+FFFD, a JSON number a body): a signed body that isn't well formed is refused here instead."""
    try:
        if content_type == "application/json" or body.startswith("{"):
            parsed = json.loads(body)
            return parsed if isinstance(parsed, dict) else None
        fields = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body), errors="strict"))
        if "payload" in fields and not isinstance(json.loads(fields["payload"]), dict):
            return None
        return fields
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        return None


def make_wsgi(app: App, *, signing_secret: str | None = None) -> WSGIApp:
    """The WSGI app for `app`; its signing secret comes from the settings it was built with (build_app), or is
    given (a bare Bolt App, as the benchmark's baseline)."""
    from bot.app import services_of
    from bot.handlers.intake import intake as store

    services = services_of(app, None)  # None for a bare Bolt App
    # The bot's own app stores what it processes later right here (handlers/intake.py).
    intake: Callable[[dict, str], bool] | None = partial(store, services) if services else None

    def _tell_busy(parsed: dict) -> None:
        url = parsed.get("response_url") or json.loads(parsed.get("payload") or "{}").get("response_url")
        if url and services is not None:
            services.outbox.submit(Respond(response_url=url), response_type="ephemeral", replace_original=False,
                                   **build_busy())
    if signing_secret is None:
        signing_secret = services.settings.secret("slack_signing_secret") or ""
    verifier = SignatureVerifier(signing_secret)

    def slack(environ: dict, start_response: Callable) -> Iterable[bytes]:
        body = _read_body(environ)
        if isinstance(body, int):
            return _answer(start_response, body, "Request body too large" if body == 413 else "Bad request")
        request = WsgiHttpRequest(environ)
        headers = request.get_headers()
        timestamp = str(headers.get("x-slack-request-timestamp") or "")
        signature = str(headers.get("x-slack-signature") or "")
        if not _TIMESTAMP.fullmatch(timestamp) or not signature:
            log.info("Refused a request without Slack's signature headers")
            return _answer(start_response, 401, "Unauthorized")
        skew = int(timestamp) - time.time()
        if abs(skew) > TIMESTAMP_WINDOW:
            # A genuine request this far off means this server's clock is wrong; a replayed one looks the same.
            log.warning("Refused a request whose timestamp is %.0f s %s this server's clock (%s s allowed)",
                        abs(skew), "behind" if skew < 0 else "ahead of", TIMESTAMP_WINDOW)
            return _answer(start_response, 401, "Unauthorized")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # Slack sends UTF-8; SignatureVerifier can't even hash anything else
            text = None
        if text is None or not verifier.is_valid(text, timestamp, signature):
            log.info("Refused a request with an invalid signature")
            return _answer(start_response, 401, "Unauthorized")
        # Signed by Slack from here on: what remains are checks that keep a broken body from reaching Bolt.
        content_type = str(headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in _CONTENT_TYPES:
            return _answer(start_response, 415, "Unsupported content type")
        parsed = _parse(text, content_type)
        if parsed is None:
            return _answer(start_response, 400, "Bad request")
        if intake is not None:
            try:
                if intake(parsed, text):
                    return _answer(start_response, 200, "")
            except InboxUnavailable:  # nothing promised: Slack resends an event; a person is asked to try again
                log.warning("Refused a request: the database can't store it")
                _tell_busy(parsed)
                return _answer(start_response, 503, "")
        # Bolt's internal headers (lazy listeners) aren't covered by the signature, so none comes from outside.
        headers = {k: v for k, v in headers.items() if not k.startswith("x-slack-bolt-")}
        try:
            response = app.dispatch(BoltRequest(body=text, query=request.query_string, headers=headers))
        except Exception as e:
            # Bolt answers what its listeners raise (the app's error handler); what escapes it is a body of a
            # shape Bolt can't read ({"event": 5}). The exception's message could quote the body: only its type.
            log.warning("Refused a signed request Bolt could not read (%s)", type(e).__name__)
            return _answer(start_response, 400, "Bad request")
        wsgi_response = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
        start_response(wsgi_response.status, wsgi_response.get_headers())
        return wsgi_response.get_body()

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz":
            return _answer(start_response, 200, "ok")
        if path != "/slack/events":
            return _answer(start_response, 404, "Not found")
        if method != "POST":
            return _answer(start_response, 405, "Method not allowed")
        return slack(environ, start_response)

    return wsgi


def create_server(wsgi: WSGIApp, *, host: str, port: int, threads: int):
    # Slack retries after 3 s, so a request that waits longer in the queue is worse than useless.
    # waitress refuses a body of max_request_body_size or more with a 413 before reading it (also chunked ones).
    return waitress.create_server(wsgi, host=host, port=port, threads=threads, channel_timeout=30, ident="journey-bot",
                                  connection_limit=1000, backlog=1024, max_request_body_size=MAX_BODY + 1)


class ServerThread:
    """A waitress server on its own thread (tests and benchmarks bind port 0)."""

    def __init__(self, wsgi: WSGIApp, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
        self.server = create_server(wsgi, host=host, port=port, threads=threads)
        self.url = f"http://{host}:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, name="waitress", daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        # Closing every channel from the loop's own thread ends waitress's loop cleanly.
        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(close_all)
        self._thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()
