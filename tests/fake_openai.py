"""A local OpenAI-compatible server for tests: POST /v1/chat/completions, answered per output schema.

`script[schema name]` is a list of what to answer, in order, for requests asking for that schema; each entry
is an object (sent as JSON content), a string (sent as raw content, e.g. malformed JSON), or a `Fault`.
When a list runs out, `answers[schema name]` is used. Every request is kept in `requests`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Fault:
    status: int = 0  # an HTTP error status (429, 500…)
    retry_after: int | None = None
    sleep: float = 0.0  # answer only after this long (timeouts)
    refusal: str | None = None


class FakeOpenAI:
    def __init__(self):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.script: dict[str, list] = {}
        self.answers: dict[str, object] = {}
        self.structured_outputs = True  # False: refuse json_schema with a 400, as servers without it do
        self._lock = threading.Lock()

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                status, headers, payload = fake.answer(self.path, body, dict(self.headers))
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, body: dict, headers: dict) -> tuple[int, dict, dict]:
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema" and not self.structured_outputs:
            return 400, {}, {"error": {"message": "response_format json_schema is not supported", "type": "invalid"}}
        schema = fmt.get("json_schema", {}).get("name", "")
        if not schema and fmt.get("type") == "json_object":  # JSON mode: the schema's name is in the prompt
            system = body["messages"][0]["content"]
            schema = next((name for name in self.answers if f'"title": "{name}"' in system), "")
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            queue = self.script.get(schema) or []
            entry = queue.pop(0) if queue else self.answers.get(schema)
        if isinstance(entry, Fault):
            if entry.sleep:
                time.sleep(entry.sleep)
            if entry.status:
                extra = {"Retry-After": str(entry.retry_after)} if entry.retry_after is not None else {}
                return entry.status, extra, {"error": {"message": "fake failure", "type": "fake", "code": None}}
            if entry.refusal:
                return 200, {}, _completion(None, refusal=entry.refusal)
            entry = self.answers.get(schema)
        content = entry if isinstance(entry, str) else json.dumps(entry)
        return 200, {}, _completion(content)

    def prompts_sent(self, schema: str) -> list[dict]:
        return [r for r in self.requests if r.get("response_format", {}).get("json_schema", {}).get("name") == schema]


def _completion(content: str | None, refusal: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": "fake-model",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
