"""Slack's Socket Mode, faked: the WebSocket that `apps.connections.open` hands out. The app connects, the fake
sends it envelopes (slash commands, events, interactivity) and records each acknowledgement.

`websockets` is a test extra, imported only when an app first opens a connection: the sandbox never needs it.
"""

from __future__ import annotations

import json
import threading


class SocketModeServer:
    def __init__(self) -> None:
        self._server = None
        self._connections: list = []
        self._lock = threading.Lock()
        self.acks: dict[str, dict] = {}

    def start(self) -> SocketModeServer:
        from websockets.sync.server import serve

        self._server = serve(self._session, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True).start()
        return self

    def url(self, *, ticket: int) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={ticket}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def _session(self, ws) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0JOURNEY"}}))
        with self._lock:
            self._connections.append(ws)
        try:
            for raw in ws:
                msg = json.loads(raw)
                if "envelope_id" in msg:
                    with self._lock:
                        self.acks[msg["envelope_id"]] = msg
        except Exception:  # the app went away
            pass
        finally:
            with self._lock:
                self._connections.remove(ws)

    def connected(self) -> bool:
        with self._lock:
            return bool(self._connections)

    def send(self, envelope_id: str, kind: str, payload: dict, *, accepts_response_payload: bool = False) -> str:
        """Deliver an envelope (slash_commands, events_api, interactive) to the connected app; returns its id."""
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        with self._lock:
            ws = self._connections[-1]
        ws.send(json.dumps(envelope))
        return envelope_id
