"""HTTP mode: Bolt's WSGI adapter on POST /slack/events, served by waitress (a production WSGI server)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def make_wsgi(app: App) -> WSGIApp:
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def create_server(wsgi: WSGIApp, *, host: str, port: int, threads: int):
    # Slack retries after 3 s, so a request that waits longer in the queue is worse than useless.
    return waitress.create_server(wsgi, host=host, port=port, threads=threads, channel_timeout=30, ident="journey-bot",
                                  connection_limit=1000, backlog=1024)


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
