"""Forged, oversized and broken HTTP requests at a real `python -m bot serve` process: what they cost in memory,
what they are answered, and what the process logs (issue 10, part 5)."""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from fakeslack.api import BOT_TOKEN, FakeSlack
from fakeslack.sender import SlackSender, command_fields, sign
from tests.test_main import run_bot

pytestmark = pytest.mark.slow

SECRET = "real-process-secret"
WORDS = "quokka-narwhal-1984"  # a person's words in the requests: never in the process's log
TEN_MB = 10 * 1024 * 1024


class Served:
    """`python -m bot serve` on a free port, its stderr collected line by line as it writes it."""

    def __init__(self, tmp_path: Path, fake: FakeSlack):
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
               "PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "CLOCK_IN_PROCESS": "false"}
        self.proc = run_bot(["serve"], env, tmp_path)
        self.lines: list[str] = []
        self.port: int | None = None
        listening = threading.Event()

        def read() -> None:
            for line in self.proc.stderr:
                self.lines.append(line)
                if "listening on http://" in line:
                    self.port = int(line.rsplit(":", 1)[1].split("/")[0])
                    listening.set()

        threading.Thread(target=read, daemon=True).start()
        assert listening.wait(60), "the bot never said where it listens:\n" + "".join(self.lines)
        self.sender = SlackSender(f"http://127.0.0.1:{self.port}/slack/events", SECRET)

    def status(self, field: str) -> int:
        """A /proc/<pid>/status figure in KiB (VmRSS: resident now; VmHWM: the peak)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(field)

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux 4.0+)

    def raw(self, head: bytes, body_chunks=()) -> bytes:
        """Send a request as it comes; stop sending once the server answers (it refuses before reading)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(head)
            for chunk in body_chunks:
                if select.select([s], [], [], 0)[0]:
                    break
                try:
                    s.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
            select.select([s], [], [], 30)
            try:
                return s.recv(200)
            except ConnectionResetError:
                return b""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        finally:
            self.proc.kill()


@pytest.fixture
def served(tmp_path):
    with FakeSlack() as fake:
        fake.add_user("UFACIL", "fran")
        fake.add_channel("CWORK", "journey-workshop", members=["UFACIL"])
        server = Served(tmp_path, fake)
        try:
            yield server, fake
        finally:
            server.stop()


def forged_json(size: int) -> bytes:
    """A JSON body of many small objects, the kind that costs most to parse: about `size` bytes."""
    return b'{"type": "event_callback", "event": [' + b"{}," * (size // 3 - 20) + b"{}]}"


def head(length: int | None, *, chunked: bool = False, timestamp: str | None = None) -> bytes:
    ts = timestamp or str(int(time.time()))
    lines = ["POST /slack/events HTTP/1.1", "Host: bot", "Content-Type: application/json",
             f"X-Slack-Request-Timestamp: {ts}", "X-Slack-Signature: v0=" + "0" * 64]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_forged_and_oversized_bodies_cost_little_memory_and_get_a_4xx(served):
    server, fake = served
    # Warm up as a real request would, so what follows measures only the attacks.
    assert server.sender.form(command_fields(team_id=fake.team_id, channel="CWORK", user="UFACIL", text="help",
                                             response_url=fake.response_url("CWORK", "UFACIL"))).status == 200
    before = server.status("VmRSS")
    server.reset_peak()

    body = forged_json(TEN_MB)
    # 10 MB declared: refused from the headers, not a byte of the body read.
    assert server.raw(head(len(body))).startswith(b"HTTP/1.1 413 ")
    # 10 MB chunked (no length to refuse by): refused once the cap is passed; the answer may be lost in the reset
    # of a connection the client is still writing to, so only what it cost is asserted.
    answer = server.raw(head(None, chunked=True),
                        (b"%x\r\n%s\r\n" % (64 * 1024, body[i:i + 64 * 1024]) for i in range(0, len(body), 64 * 1024)))
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413 ")
    peak = server.status("VmHWM")
    grew_mb = (peak - before) / 1024
    print(f"\n10 MB forged bodies: RSS {before / 1024:.1f} MB before, peak {peak / 1024:.1f} MB (+{grew_mb:.1f} MB)")
    assert grew_mb < 20, f"the 10 MB bodies cost {grew_mb:.1f} MB"
    # Just under the cap and forged: refused by its signature, never parsed (parsing alone would cost about 24 MB).
    # What remains is a few copies of the raw body on the request thread, the same for a genuine request.
    under = forged_json(1000 * 1024)
    for _ in range(3):
        before = server.status("VmRSS")
        server.reset_peak()
        assert server.raw(head(len(under)), [under]).startswith(b"HTTP/1.1 401 ")
        grew_mb = (server.status("VmHWM") - before) / 1024
        print(f"1 MB forged body: +{grew_mb:.1f} MB at the peak")
        assert grew_mb < 10, f"a forged body under the cap cost {grew_mb:.1f} MB"
    assert server.sender.send(b"{}", "application/json", signature="v0=" + "0" * 64).status == 401  # still serving


MALFORMED = [
    # (body, content type, headers over Slack's own, status)
    (b"{not json", "application/json", {}, 400),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", {}, 400),
    (b"text=%FF&command=%2Fjourney", "application/x-www-form-urlencoded", {}, 400),
    (b'{"event": 5, "type": "event_callback"}', "application/json", {}, 400),
    (b"command=%2Fjourney", "text/plain", {}, 415),
    (b"{}", "application/json", {"X-Slack-Request-Timestamp": "soon"}, 401),
    (b"{}", "application/json", {"X-Slack-Request-Timestamp": ""}, 401),
    (b"{}", "application/json", {"X-Slack-Signature": "v0=forged"}, 401),
]


def test_broken_requests_and_clock_skew_get_a_4xx_and_leave_no_trace_in_the_log(served):
    server, fake = served
    fields = command_fields(team_id=fake.team_id, channel="CWORK", user="UFACIL", text=f"new {WORDS}",
                            response_url=fake.response_url("CWORK", "UFACIL") + f"/{WORDS}")
    skewed = int(time.time()) - 6 * 60
    # A genuine request, six minutes late: refused, and only the skew is logged.
    assert server.sender.form(fields, timestamp=skewed).status == 401
    for body, content_type, headers, status in MALFORMED:
        ts = headers.get("X-Slack-Request-Timestamp", str(int(time.time())))
        signed = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(SECRET, ts, body), **headers}
        sent = server.sender.send(body, content_type, headers=signed)
        assert (sent.status, b"Traceback" in sent.body) == (status, False), body
    event = json.dumps({"type": "event_callback", "team_id": fake.team_id,
                        "event": {"type": "app_mention", "text": WORDS, "user": "UFACIL"}}).encode()
    assert server.sender.send(event, "application/json").status == 200  # nothing handles it: acked, not stored
    interactive = {"type": "block_suggestion", "value": WORDS, "action_id": "a", "block_id": "b",
                   "team": {"id": fake.team_id}, "user": {"id": "UFACIL"}}
    assert server.sender.send(urllib.parse.urlencode({"payload": json.dumps(interactive)}).encode(),
                              "application/x-www-form-urlencoded").status == 404
    assert server.sender.form(fields).status == 200  # the same command in time: it works
    deadline = time.time() + 30
    while not fake.calls_to("chat.postMessage") and time.time() < deadline:
        time.sleep(0.05)
    assert fake.calls_to("chat.postMessage"), "the genuine command was never carried out"

    server.stop()
    log = "".join(server.lines)
    assert WORDS not in log and "Traceback" not in log, log
    assert re.search(r"timestamp is 3[56]\d s behind this server's clock", log), log
