"""Starting the bot as people do: `python -m bot …` in a subprocess, with the environment they'd have."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fakeslack.api import BOT_TOKEN, FakeSlack

ROOT = Path(__file__).parent.parent


def run_bot(args: list[str], env: dict, cwd: Path, *, stderr=subprocess.PIPE, **kw) -> subprocess.Popen:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env={**base, **env}, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=stderr, text=True, **kw)


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["serve"], {}, "Missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"),
        (["serve"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "Missing SLACK_SIGNING_SECRET"),
        (["socket"], {"SLACK_BOT_TOKEN": "xoxb-1"}, "Missing SLACK_APP_TOKEN"),
        (["serve"], {"SLACK_BOT_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN should start with xoxb-"),
        ([], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "abc"}, "Setting PORT is invalid"),
    ],
)
def test_a_missing_or_wrong_setting_is_one_clear_line(tmp_path, args, env, says):
    proc = run_bot(args, env, tmp_path)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def test_settings_come_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\n")
    proc = run_bot(["serve"], {}, tmp_path)
    _, err = proc.communicate(timeout=30)
    assert "Missing SLACK_SIGNING_SECRET" in err  # the token was read from .env


@pytest.mark.slow
def test_serve_answers_health_checks_and_stops_cleanly_on_sigterm(tmp_path):
    with FakeSlack() as fake:
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake.api_url,
               "PORT": "0", "HOST": "127.0.0.1"}
        proc = run_bot(["serve"], env, tmp_path)
        try:
            port = None
            deadline = time.time() + 30
            while port is None and time.time() < deadline:
                line = proc.stderr.readline()
                if "listening on http://" in line:
                    port = int(line.rsplit(":", 1)[1].split("/")[0])
            assert port, "the bot never said where it listens"
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read() == b"ok"
            assert (tmp_path / "data" / "journey.db").exists()  # the default database, created on start
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()


def test_export_from_the_command_line(tmp_path):
    from datetime import UTC, datetime

    from bot.storage.db import init_db, make_engine, session_scope
    from bot.workshop import flow

    db = f"sqlite:///{tmp_path}/journey.db"
    engine = make_engine(db)
    init_db(engine)
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with session_scope(engine) as s:
        p = flow.start_workshop(session=s, team_id="T1", channel_id="C1", user_id="UF", title="CLI map",
                             objective="Know why", now=now)
        flow.start_workshop(session=s, team_id="T2", channel_id="C1", user_id="UX", title="Other team", now=now)
    engine.dispose()
    out = tmp_path / "map.md"
    proc = run_bot(["export", str(p.workshop_id), "--format", "md", "-o", str(out)], {"DATABASE_URL": db}, tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    md = out.read_text()
    assert md.startswith("# CLI map") and "Know why" in md and "Other team" not in md
    proc = run_bot(["export", str(p.workshop_id), "--format", "csv"], {"DATABASE_URL": db}, tmp_path)
    stdout, _ = proc.communicate(timeout=60)
    assert stdout.lstrip("\ufeff").startswith("id,stage,lane,text")
    proc = run_bot(["export", "999"], {"DATABASE_URL": db}, tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "There's no workshop 999" in err and err.count("\n") == 1


def _start_sandbox(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    # Its log goes to a file: a pipe nobody reads fills up, and a process writing to it stops.
    proc = run_bot([], {"PORT": "0"}, tmp_path, stderr=open(tmp_path / "bot.log", "a"))  # noqa: SIM115
    line = ""
    deadline = time.time() + 60
    while "open http" not in line and time.time() < deadline:
        line = proc.stdout.readline()
    return proc, line.split("open ", 1)[1].split(" ", 1)[0]


def _type(url: str, text: str, *, user: str = "USFRAN") -> None:
    import json

    body = json.dumps({"user": user, "conv": "CSWORK", "text": text}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "ui/send", data=body, method="POST",
                                                  headers={"Content-Type": "application/json"}), timeout=10).read()


def _page_shows(url: str, text: str, *, user: str = "USFRAN") -> bool:
    import json

    deadline = time.time() + 30
    while time.time() < deadline:
        view = json.loads(urllib.request.urlopen(f"{url}ui/view?user={user}&conv=CSWORK", timeout=10).read())
        if text in view["messages"]:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_with_no_slack_token_the_run_command_starts_the_sandbox(tmp_path):
    import json

    proc, url = _start_sandbox(tmp_path)
    try:
        assert b"Journey Workshop sandbox" in urllib.request.urlopen(url, timeout=5).read()
        people = json.loads(urllib.request.urlopen(url + "ui/people", timeout=5).read())["people"]
        assert {p["department"] for p in people} >= {"Marketing", "Sales", "Support", "Product"}
        assert (tmp_path / "data" / "sandbox.db").exists()  # its own database, not the real workspace's
        _type(url, "/journey new Before the restart")
        assert _page_shows(url, "Before the restart: objectives")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0  # it finishes what it has in hand; a busy machine takes longer
    finally:
        proc.kill()

    # After it stops, the command-line export finds the sandbox's data, and creates no other database.
    export = run_bot(["export", "1", "--format", "md"], {}, tmp_path)
    out, err = export.communicate(timeout=60)
    assert export.returncode == 0, err
    assert out.startswith("# Before the restart") and not (tmp_path / "data" / "journey.db").exists()

    # A restart starts the page and the database fresh together (the last database is kept beside it).
    proc, url = _start_sandbox(tmp_path)
    try:
        assert (tmp_path / "data" / "sandbox-previous.db").exists()
        _type(url, "/journey next")
        assert _page_shows(url, "no open workshop in this channel")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0
    finally:
        proc.kill()
