"""Every bad setting stops `python -m bot serve` (or `socket`) at start-up with one line naming it and exit code 2, within a
few seconds: a malformed DATABASE_URL, a database that doesn't answer, Slack unreachable or refusing the token,
a bad SLACK_API_URL, a port that can't be had (issue 10, part 5)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.__main__ import DATABASE_WAIT_SECONDS, SLACK_WAIT_SECONDS
from fakeslack.api import BOT_TOKEN, FakeSlack
from tests.test_main import run_bot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def silent() -> Iterator[int]:
    """A port that accepts connections and never says a word (a firewall that drops, a hung server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield s.getsockname()[1]


@pytest.fixture(scope="module")
def closed() -> int:
    """A port nothing listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def start(tmp_path, mode: str, **env) -> tuple[int, str, float]:
    settings = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "PORT": "0", "HOST": "127.0.0.1",
                "DATABASE_URL": f"sqlite:///{tmp_path}/journey.db", **env}
    start = time.monotonic()
    proc = run_bot([mode], settings, tmp_path)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, err, time.monotonic() - start


CASES = {
    "malformed database URL": ({"DATABASE_URL": "nonsense"}, "Setting DATABASE_URL is invalid"),
    "unknown database": ({"DATABASE_URL": "oracle+nodriver://u:hunter2@db/x"}, "Setting DATABASE_URL is invalid"),
    "database without its driver": ({"DATABASE_URL": "mysql://u:hunter2@db/x"}, "no driver for mysql"),
    "database refusing connections": ({"DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:{closed}/db"},
                                      "The database in DATABASE_URL can't be reached"),
    "database not answering": ({"DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:{silent}/db"},
                               "The database in DATABASE_URL can't be reached"),
    "SQLite file that can't be made": ({"DATABASE_URL": "sqlite:////proc/journey/journey.db"}, "DATABASE_URL"),
    "Slack refusing connections": ({"SLACK_API_URL": "http://127.0.0.1:{closed}/api/"},
                                   "Slack can't be reached at SLACK_API_URL"),
    "Slack not answering": ({"SLACK_API_URL": "http://127.0.0.1:{silent}/api/"},
                            "Slack can't be reached at SLACK_API_URL"),
    "Slack refusing the token": ({"SLACK_API_URL": "{slack}", "SLACK_BOT_TOKEN": "xoxb-revoked"},
                                 "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    "not Slack's API": ({"SLACK_API_URL": "{slack_root}/nowhere/"}, "SLACK_API_URL"),
    "malformed Slack URL": ({"SLACK_API_URL": "nonsense"}, "Setting SLACK_API_URL is invalid"),
    "a port in use": ({"SLACK_API_URL": "{slack}", "PORT": "{silent}"}, "Can't listen on HOST 127.0.0.1 PORT"),
    "Slack refusing the app token (Socket Mode)": ({"SLACK_API_URL": "{slack}", "SLACK_APP_TOKEN": "xapp-revoked"},
                                                   "Slack refused SLACK_APP_TOKEN (invalid_auth)"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_setting_stops_start_up_with_one_line(tmp_path, case, silent, closed, slack):
    env, says = CASES[case]
    ports = {"silent": silent, "closed": closed, "slack": slack.api_url, "slack_root": slack.url}
    env = {k: v.format(**ports) for k, v in env.items()}
    if "SLACK_API_URL" not in env:
        env["SLACK_API_URL"] = slack.api_url  # only the database is wrong
    code, err, seconds = start(tmp_path, "socket" if "SLACK_APP_TOKEN" in env else "serve", **env)
    assert code == 2, err
    assert says in err and err.count("\n") == 1 and err.startswith("journey-bot: "), err
    assert "hunter2" not in err  # a database URL's password is never echoed
    # A few seconds, not the OS's connect timeout (minutes): the waits are bounded, plus Python's start-up.
    assert seconds < max(DATABASE_WAIT_SECONDS, SLACK_WAIT_SECONDS) + 25, seconds
